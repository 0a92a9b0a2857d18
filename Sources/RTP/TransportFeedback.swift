/// Transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
/// §3.1): for a run of transport sequence numbers, whether each arrived and when, so the sender can
/// estimate bandwidth. Stored as one optional receive delta per packet from `baseSequenceNumber` on.
public struct TransportFeedback: Sendable, Equatable {
    /// Units of the reference time (§3.1 "reference time": multiples of 64 ms).
    public static let referenceTimeTickMicroseconds: Int64 = 64_000
    /// Units of the receive deltas (§3.1.5: multiples of 250 µs).
    public static let deltaTickMicroseconds: Int64 = 250
    /// The 24-bit signed range of `referenceTime`.
    public static let referenceTimeRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    public var senderSsrc: UInt32
    public var mediaSsrc: UInt32
    public var baseSequenceNumber: UInt16
    /// 24-bit signed, in 64 ms ticks; wraps on the wire.
    public var referenceTime: Int32
    /// Counts feedback packets so the sender can detect lost ones.
    public var feedbackPacketCount: UInt8
    /// Per packet from the base on (at most 65535): 250 µs ticks since the previous received packet
    /// (the first since the reference time), or nil when not received. 0…255 is sent as a small
    /// delta, anything else as a large one (§3.1.5).
    public var receiveDeltas: [Int16?]

    public init(senderSsrc: UInt32, mediaSsrc: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
                feedbackPacketCount: UInt8, receiveDeltas: [Int16?]) {
        self.senderSsrc = senderSsrc
        self.mediaSsrc = mediaSsrc
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.receiveDeltas = receiveDeltas
    }

    /// Builds feedback from arrival times in microseconds (nil: not received), one per sequence
    /// number from `baseSequenceNumber`. Deltas are rounded against the already-rounded running
    /// time so errors do not accumulate, and clamped to the large-delta range.
    public init(senderSsrc: UInt32, mediaSsrc: UInt32, baseSequenceNumber: UInt16, feedbackPacketCount: UInt8,
                arrivalMicroseconds: [Int64?]) {
        let firstArrival = arrivalMicroseconds.lazy.compactMap { $0 }.first ?? 0
        let referenceTicks = Self.floorDivide(firstArrival, Self.referenceTimeTickMicroseconds)
        var running = referenceTicks &* Self.referenceTimeTickMicroseconds
        var deltas: [Int16?] = []
        deltas.reserveCapacity(min(arrivalMicroseconds.count, 65_535))
        for arrival in arrivalMicroseconds.prefix(65_535) {
            guard let arrival else { deltas.append(nil); continue }
            let ticks = Self.floorDivide(arrival &- running &+ Self.deltaTickMicroseconds / 2, Self.deltaTickMicroseconds)
            let clamped = Int16(clamping: ticks)
            deltas.append(clamped)
            running = running &+ Int64(clamped) &* Self.deltaTickMicroseconds
        }
        self.init(senderSsrc: senderSsrc, mediaSsrc: mediaSsrc, baseSequenceNumber: baseSequenceNumber,
                  referenceTime: Self.wrap24(referenceTicks),
                  feedbackPacketCount: feedbackPacketCount, receiveDeltas: deltas)
    }

    /// Each packet's transport sequence number and receive delta (nil: not received).
    public var packets: [(sequenceNumber: UInt16, receiveDelta: Int16?)] {
        receiveDeltas.enumerated().map { index, delta -> (sequenceNumber: UInt16, receiveDelta: Int16?) in
            (sequenceNumber: baseSequenceNumber &+ UInt16(truncatingIfNeeded: index), receiveDelta: delta)
        }
    }

    /// Each packet's arrival in microseconds on the receiver's clock (reference time plus the
    /// deltas so far), nil when not received.
    public var arrivalTimes: [(sequenceNumber: UInt16, microseconds: Int64?)] {
        var running = Int64(referenceTime) * Self.referenceTimeTickMicroseconds
        return receiveDeltas.enumerated().map { index, delta -> (sequenceNumber: UInt16, microseconds: Int64?) in
            let sequence = baseSequenceNumber &+ UInt16(truncatingIfNeeded: index)
            guard let delta else { return (sequenceNumber: sequence, microseconds: nil) }
            running += Int64(delta) * Self.deltaTickMicroseconds
            return (sequenceNumber: sequence, microseconds: running)
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    /// The low 24 bits, sign-extended: what survives the wire.
    static func wrap24(_ value: Int64) -> Int32 {
        Int32(truncatingIfNeeded: (value << 40) >> 40)
    }
}

/// The FCI codec: packet status chunks then receive deltas (§3.1.1–§3.1.5).
enum TransportFeedbackCodec {
    /// Two-bit packet status symbols (§3.1.1).
    enum Symbol: UInt8 {
        case notReceived = 0, smallDelta = 1, largeDelta = 2
    }

    static let maximumRunLength = 0x1FFF
    static let oneBitSymbolsPerChunk = 14
    static let twoBitSymbolsPerChunk = 7

    static func parse(sender: UInt32, media: UInt32, _ reader: inout ByteReader) throws(RtpParseError) -> TransportFeedback {
        let base = try reader.readUInt16()
        let count = Int(try reader.readUInt16())
        let referenceTime = Int32(bitPattern: try reader.readUInt24() << 8) >> 8
        let feedbackCount = try reader.readUInt8()

        // The claimed count (≤ 65535) is not trusted for allocation: a few bytes of run-length
        // chunks can claim thousands of statuses, so storage grows only as symbols really arrive.
        var symbols: [Symbol] = []
        symbols.reserveCapacity(min(count, 1024))
        while symbols.count < count {
            let chunk = try reader.readUInt16()
            let needed = count - symbols.count
            if chunk & 0x8000 == 0 {
                // Run length chunk (§3.1.3): T=0, S (2 bits), run length (13 bits).
                guard let symbol = Symbol(rawValue: UInt8(chunk >> 13 & 0x3)) else { throw .malformedBody }
                symbols += repeatElement(symbol, count: min(Int(chunk & 0x1FFF), needed))
            } else if chunk & 0x4000 == 0 {
                // Status vector chunk, one-bit symbols (§3.1.4): received (small delta) or not.
                for bit in (0..<oneBitSymbolsPerChunk).reversed().prefix(needed) {
                    symbols.append(chunk & (1 << bit) != 0 ? .smallDelta : .notReceived)
                }
            } else {
                for slot in (0..<twoBitSymbolsPerChunk).reversed().prefix(needed) {
                    guard let symbol = Symbol(rawValue: UInt8(chunk >> (slot * 2) & 0x3)) else { throw .malformedBody }
                    symbols.append(symbol)
                }
            }
        }

        var deltas: [Int16?] = []
        deltas.reserveCapacity(min(count, 1024))
        for symbol in symbols {
            switch symbol {
            case .notReceived: deltas.append(nil)
            case .smallDelta: deltas.append(Int16(try reader.readUInt8()))
            case .largeDelta: deltas.append(Int16(bitPattern: try reader.readUInt16()))
            }
        }
        // Whatever follows is padding up to the word boundary (§3.1).
        return TransportFeedback(senderSsrc: sender, mediaSsrc: media, baseSequenceNumber: base, referenceTime: referenceTime,
                                 feedbackPacketCount: feedbackCount, receiveDeltas: deltas)
    }

    static func body(_ feedback: TransportFeedback) -> [UInt8] {
        let deltas = feedback.receiveDeltas.prefix(65_535)
        let symbols: [Symbol] = deltas.map { delta -> Symbol in
            guard let delta else { return .notReceived }
            return (0...255).contains(delta) ? .smallDelta : .largeDelta
        }
        var body = RtcpFeedbackCodec.header(sender: feedback.senderSsrc, media: feedback.mediaSsrc)
        body.appendUInt16(feedback.baseSequenceNumber)
        body.appendUInt16(UInt16(symbols.count))
        body.appendUInt24(UInt32(bitPattern: feedback.referenceTime) & 0xFF_FFFF)
        body.append(feedback.feedbackPacketCount)
        appendChunks(symbols, to: &body)
        for delta in deltas {
            guard let delta else { continue }
            if (0...255).contains(delta) { body.append(UInt8(delta)) } else { body.appendUInt16(UInt16(bitPattern: delta)) }
        }
        return body
    }

    /// Greedy chunking: a run-length chunk when a run is at least as long as the vector chunk that
    /// would carry it or runs to the end, else a one-bit vector when the next 14 symbols need no
    /// large delta, else a two-bit vector of 7. The last vector may describe packets past the count;
    /// readers stop there (§3.1.4).
    static func appendChunks(_ symbols: [Symbol], to body: inout [UInt8]) {
        var index = 0
        while index < symbols.count {
            let symbol = symbols[index]
            var run = 1
            while index + run < symbols.count, run < maximumRunLength, symbols[index + run] == symbol { run += 1 }
            let window = symbols[index..<min(index + oneBitSymbolsPerChunk, symbols.count)]
            let needsTwoBits = window.contains(.largeDelta)
            let reachesEnd = index + run == symbols.count
            if run >= oneBitSymbolsPerChunk || reachesEnd || (needsTwoBits && run >= twoBitSymbolsPerChunk) {
                body.appendUInt16(UInt16(symbol.rawValue) << 13 | UInt16(run))
                index += run
            } else if !needsTwoBits {
                var chunk: UInt16 = 0x8000
                for (slot, value) in window.enumerated() where value == .smallDelta {
                    chunk |= 1 << (oneBitSymbolsPerChunk - 1 - slot)
                }
                body.appendUInt16(chunk)
                index += window.count
            } else {
                var chunk: UInt16 = 0xC000
                let pairs = symbols[index..<min(index + twoBitSymbolsPerChunk, symbols.count)]
                for (slot, value) in pairs.enumerated() {
                    chunk |= UInt16(value.rawValue) << ((twoBitSymbolsPerChunk - 1 - slot) * 2)
                }
                body.appendUInt16(chunk)
                index += pairs.count
            }
        }
    }
}
