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
        let line: [UInt8]
        switch try Self.readLine(&pending, readBytes) {
        case let .line(bytes): line = bytes
        case .end: throw .badFile(path: "", reason: Y4MError.notY4M.description)
        case let .tooLong(prefix):
            let error = prefix == Array("YUV4MPEG2".utf8) ? Y4MError.headerTooLong : .notY4M
            throw .badFile(path: "", reason: error.description)
        }
        do { header = try Y4MHeader.parse(line) } catch { throw .badFile(path: "", reason: error.description) }
    }

    /// The next frame, or nil at a clean end of stream.
    public mutating func nextFrame() throws(DeviceError) -> VideoFrame? {
        // Frame header: "FRAME" + optional parameters + "\n".
        let marker: [UInt8]
        switch try Self.readLine(&pending, readBytes) {
        case let .line(bytes): marker = bytes
        case .end(partial: false): return nil
        case .end(partial: true), .tooLong: throw fail(.badFrameMarker(frame: framesRead))
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

    enum Line { case line([UInt8]), end(partial: Bool), tooLong(prefix: [UInt8]) }

    /// One "\n"-terminated line (without the newline) of at most 1 KiB, taken from `pending` and
    /// then from the stream. Header and frame lines are short; a longer one means a damaged file.
    static func readLine(_ pending: inout [UInt8], _ readBytes: ReadBytes) throws(DeviceError) -> Line {
        var line: [UInt8] = []
        while true {
            if pending.isEmpty {
                pending = try readBytes(65536)
                if pending.isEmpty { return .end(partial: !line.isEmpty) }
            }
            if let nl = pending.firstIndex(of: 0x0A) {
                line += pending[..<nl]
                pending.removeSubrange(...nl)
                return line.count <= 1024 ? .line(line) : .tooLong(prefix: Array(line.prefix(9)))
            }
            line += pending
            pending.removeAll()
            if line.count > 1024 { return .tooLong(prefix: Array(line.prefix(9))) }
        }
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
