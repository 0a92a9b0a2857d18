import MediaCore

/// Reads YUV4MPEG2 frames from any byte stream. The stream is a closure so tests feed memory and
/// `Y4MFileSource` feeds a file descriptor; it returns up to `count` bytes, or none at the end.
public struct Y4MReader {
    public typealias ReadBytes = (_ count: Int) throws(DeviceError) -> [UInt8]

    public let header: Y4MHeader
    public private(set) var framesRead: UInt64 = 0
    private let readBytes: ReadBytes
    private var pending: [UInt8]

    /// Reads and parses the stream header.
    public init(readBytes: @escaping ReadBytes) throws(DeviceError) {
        self.readBytes = readBytes
        pending = []
        var line: [UInt8] = []
        while true {
            if pending.isEmpty {
                pending = try readBytes(4096)
                if pending.isEmpty { throw .badFile(path: "", reason: Y4MError.notY4M.description) }
            }
            if let nl = pending.firstIndex(of: 0x0A) {
                line += pending[..<nl]
                pending.removeSubrange(...nl)
                break
            }
            line += pending
            pending.removeAll()
            if line.count > 1024 { throw .badFile(path: "", reason: Y4MError.headerTooLong.description) }
        }
        guard line.count <= 1024 else { throw .badFile(path: "", reason: Y4MError.headerTooLong.description) }
        do { header = try Y4MHeader.parse(line) } catch { throw .badFile(path: "", reason: error.description) }
    }

    /// The next frame, or nil at a clean end of stream.
    public mutating func nextFrame() throws(DeviceError) -> VideoFrame? {
        // Frame header: "FRAME" + optional parameters + "\n".
        var marker: [UInt8] = []
        while true {
            if pending.isEmpty {
                pending = try readBytes(65536)
                if pending.isEmpty {
                    if marker.isEmpty { return nil }
                    throw fail(.badFrameMarker(frame: framesRead))
                }
            }
            if let nl = pending.firstIndex(of: 0x0A) {
                marker += pending[..<nl]
                pending.removeSubrange(...nl)
                break
            }
            marker += pending
            pending.removeAll()
            if marker.count > 1024 { throw fail(.badFrameMarker(frame: framesRead)) }
        }
        guard marker.count >= 5, Array(marker.prefix(5)) == Array("FRAME".utf8),
              marker.count == 5 || marker[5] == 0x20 else { throw fail(.badFrameMarker(frame: framesRead)) }
        let size = header.frameByteCount
        var data = [UInt8]()
        data.reserveCapacity(size)
        let take = min(size, pending.count)
        data += pending[..<take]
        pending.removeSubrange(..<take)
        while data.count < size {
            let chunk = try readBytes(size - data.count)
            if chunk.isEmpty { throw fail(.truncatedFrame(frame: framesRead, expected: size, got: data.count)) }
            data += chunk
        }
        defer { framesRead += 1 }
        return header.makeFrame(data, sequence: framesRead)
    }

    private func fail(_ error: Y4MError) -> DeviceError { .badFile(path: "", reason: error.description) }
}

extension DeviceError {
    /// The same error with the file's path filled in.
    func naming(_ path: String) -> DeviceError {
        if case let .badFile(_, reason) = self { return .badFile(path: path, reason: reason) }
        return self
    }
}
