/// One compressed video frame (VP8) as it passes between a video pipeline and the transport:
/// the pipeline encodes pictures into these and decodes them back; the transport packetizes and
/// reassembles them and never looks inside.
public struct EncodedVideoFrame: Sendable, Equatable {
    public var data: [UInt8]
    public var isKeyframe: Bool
    /// The picture's size when the encoder made it (0 for frames received: only the decoder knows).
    public var width: Int, height: Int

    public init(data: [UInt8], isKeyframe: Bool, width: Int = 0, height: Int = 0) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.width = width
        self.height = height
    }
}
