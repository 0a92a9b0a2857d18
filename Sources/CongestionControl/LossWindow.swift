/// The far end's loss on one of our streams, over enough packets to mean something. A receiver
/// report's own fraction covers one interval: at a call's packet rates that is 30–100 packets,
/// and at 5 % random loss one report in ten or twenty shows over 10 % — which the loss-based rule
/// reads as heavy loss and cuts for. From the reports' cumulative counts (RFC 3550 §6.4.1) the
/// fraction is taken over the newest stretch of at least `minimumPackets` expected packets (at 5 %
/// random loss a 200-packet window reads over 10 % about once in 1 600 reports).
public struct LossWindow: Sendable, Equatable {
    public static let minimumPackets: Int64 = 200
    /// The reports' cumulative lost and extended highest sequence numbers, oldest first.
    private var samples: [(lost: Int64, highest: Int64)] = []

    public init() {}

    /// A report block's figures; returns the loss fraction (0...1) to act on. Until a second
    /// report gives a span, the block's own fraction is all there is.
    public mutating func report(fractionLost: Double, cumulativeLost: Int, extendedHighestSequence: UInt32) -> Double {
        let sample = (lost: Int64(cumulativeLost), highest: Int64(extendedHighestSequence))
        // A report that goes backwards (a reset stream, a new SSRC): start over.
        if let last = samples.last, sample.highest < last.highest { samples = [] }
        samples.append(sample)
        guard samples.count > 1 else { return fractionLost }
        var base = samples[0]
        for earlier in samples.dropLast().reversed() where sample.highest - earlier.highest >= Self.minimumPackets {
            base = earlier
            break
        }
        // What is older than the base can go (one sample before it is kept for a longer span).
        if let index = samples.firstIndex(where: { $0.highest == base.highest && $0.lost == base.lost }), index > 1 {
            samples.removeFirst(index - 1)
        }
        let expected = sample.highest - base.highest
        guard expected > 0 else { return fractionLost }
        return min(1, max(0, Double(sample.lost - base.lost) / Double(expected)))
    }

    public static func == (a: LossWindow, b: LossWindow) -> Bool {
        a.samples.elementsEqual(b.samples) { $0.lost == $1.lost && $0.highest == $1.highest }
    }
}
