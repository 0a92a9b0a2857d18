/// An adaptive jitter buffer for Opus over RTP, sans-IO: packets go in with their arrival time, and
/// each `next(now:)` says what the player should produce for the next slot and for how long. Time
/// is passed in (milliseconds on the receiver's clock), so tests drive it with a virtual clock.
///
/// Playout keeps the buffered audio near a target delay derived from the observed jitter
/// (`DelayEstimator`): above it, the next packet is played time-compressed (accelerate, 10 ms
/// shorter); below it, time-stretched (10 ms longer) — never a hard jump. That same loop absorbs
/// clock drift between sender and receiver. A missing packet is rebuilt from the next packet's
/// in-band FEC when that has arrived, and concealed (Opus PLC) when not.
public struct AudioJitterBuffer: Sendable {
    public struct Configuration: Sendable {
        /// Audio per packet (ptime).
        public var packetMilliseconds = 20
        /// Buffered audio before playout starts.
        public var startMilliseconds = 60
        /// Never aim below this (one packet plus a little for scheduling).
        public var minimumMilliseconds = 30
        /// Never hold more than this; older packets are dropped to get back under it.
        public var maximumMilliseconds = 300
        /// How far from the target the level may drift before playout speed changes.
        public var toleranceMilliseconds = 10
        /// RTP clock rate of the payload (Opus: always 48 kHz, RFC 7587).
        public var clockRate = 48_000
        public init() {}
    }

    /// What the player does for one slot.
    public enum Action: Sendable, Equatable {
        /// Nothing to play yet (before the first packet, or while refilling after a long gap).
        case silence
        case play(Packet)
        /// Play the packet shortened (`TimeScaler.accelerate`: one pitch period, 2.5–10 ms).
        case accelerate(Packet)
        /// Play the packet lengthened (`TimeScaler.stretch`: one pitch period, 2.5–10 ms).
        case stretch(Packet)
        /// The packet `sequence` is missing; decode its FEC copy from `from` (the next packet).
        case recover(sequence: UInt16, from: Packet)
        /// The packet `sequence` is missing and nothing carries it: conceal.
        case conceal(sequence: UInt16)
        /// The sender is in discontinuous transmission (it sent a DTX frame and then nothing, on
        /// purpose): play comfort noise until the next packet is due by its timestamp.
        case comfortNoise
    }

    public struct Packet: Sendable, Equatable {
        public var sequence: UInt16
        public var timestamp: UInt32
        public var payload: [UInt8]
        public init(sequence: UInt16, timestamp: UInt32, payload: [UInt8]) {
            self.sequence = sequence
            self.timestamp = timestamp
            self.payload = payload
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var received = 0, played = 0, late = 0, duplicate = 0, reordered = 0
        public var concealed = 0, recovered = 0, accelerated = 0, stretched = 0, droppedForOverflow = 0
        /// Slots of comfort noise during the sender's DTX pauses (not losses).
        public var comfortNoise = 0
        /// Of `concealed`, slots concealed with nothing at all buffered (the next packet late, or
        /// the sender paused): each delays the rest of the stream by a slot.
        public var underruns = 0
        /// Packets far ahead of the stream that no others followed (strays), discarded.
        public var outliers = 0
        public init() {}
    }

    public let configuration: Configuration
    public private(set) var statistics = Statistics()
    private var estimator: DelayEstimator
    /// Packets waiting, keyed by extended sequence number.
    private var queue: [Int64: Packet] = [:]
    /// When each waiting packet arrived (ms), for starting on time rather than only on count.
    private var arrivals: [Int64: Int64] = [:]
    /// Extended RTP timestamp of each waiting packet.
    private var timestamps: [Int64: Int64] = [:]
    /// During the sender's DTX: the RTP timestamp playout has reached. Playout advances it in real
    /// time, so the first packet after the pause plays exactly when due and the delay across the
    /// pause stays what it was (NetEQ plays CNG the same way).
    private var dtxPosition: Int64?
    /// The last packet handed to the player; nothing at or before it is accepted again, even
    /// across a restart after a pause.
    private var lastPlayed: Int64?
    /// The last few packets handed to the player, so a late copy of one counts as a duplicate.
    private var recentlyPlayed: Set<Int64> = []
    /// Slots concealed in a row because nothing at all was buffered.
    private var emptySlots = 0
    /// Packets far ahead of the stream, held until others confirm a real jump (a sender restart)
    /// or discarded as strays.
    private var probation: [Int64: Packet] = [:]
    private var highestSequence: Int64?
    /// Extended sequence number of the next packet to play; nil until playout starts.
    private var playSequence: Int64?
    private var timestampReference: Int64?
    /// The buffer level smoothed over recent slots (ms): playout speed follows this, not the
    /// packet-quantised level, so a single early or late packet does not change it.
    private var filteredLevel: Double?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        estimator = DelayEstimator(maxDelayMilliseconds: configuration.maximumMilliseconds + 100)
    }

    /// Audio buffered ahead of the play position, in ms.
    public var bufferedMilliseconds: Int { queue.count * configuration.packetMilliseconds }

    /// The level playout aims for: the observed jitter plus one packet, within the configured bounds.
    public var targetMilliseconds: Int {
        let want = estimator.jitterMilliseconds + configuration.packetMilliseconds
        return min(configuration.maximumMilliseconds, max(configuration.minimumMilliseconds, want))
    }

    /// A packet arrived at `now` (receiver clock, ms). A copy rebuilt from a later packet's
    /// redundancy (RED) arrives with that later packet, and times the delay like any other: the
    /// target then grows to where a burst's copies still play instead of being concealed and
    /// thrown away late — a few tens of ms of delay bought back as speech.
    public mutating func insert(_ packet: Packet, now: Int64) {
        let sequence = extend(packet.sequence)
        statistics.received += 1
        // Far ahead of everything seen: a stray, or the first packet after the sender jumped. Three
        // in a row make a jump real: start over from them.
        if let highest = highestSequence, sequence - highest > Int64(2 * configuration.maximumMilliseconds / configuration.packetMilliseconds) {
            probation[sequence] = packet
            if probation[sequence - 1] != nil, probation[sequence - 2] != nil {
                let confirmed = probation.filter { $0.key >= sequence - 2 }
                statistics.outliers += probation.count - confirmed.count
                probation = [:]
                queue = [:]; arrivals = [:]; timestamps = [:]; dtxPosition = nil
                lastPlayed = nil; playSequence = nil
                highestSequence = sequence
                for (s, p) in confirmed.sorted(by: { $0.key < $1.key }) { queue[s] = p; arrivals[s] = now }
            } else if probation.count > 8, let oldest = probation.keys.min() {
                probation[oldest] = nil
                statistics.outliers += 1
            }
            return
        }
        if queue[sequence] != nil || recentlyPlayed.contains(sequence) { statistics.duplicate += 1; return }
        let rtp = extendTimestamp(packet.timestamp)
        let isLate = (lastPlayed.map { sequence <= $0 } ?? false) || (playSequence.map { sequence < $0 } ?? false)
        if isLate {
            // A late packet is the clearest evidence of jitter: the target learns from it, though it
            // can no longer be played — unless it is so stale (an old retransmission, a previous
            // stream) that it says nothing about the present path.
            let staleness = (lastPlayed ?? sequence) - sequence
            if staleness * Int64(configuration.packetMilliseconds) <= Int64(configuration.maximumMilliseconds) {
                estimator.observe(arrivalMilliseconds: now, mediaMilliseconds: rtp * 1000 / Int64(configuration.clockRate))
            }
            statistics.late += 1
            return
        }
        estimator.observe(arrivalMilliseconds: now, mediaMilliseconds: rtp * 1000 / Int64(configuration.clockRate))
        if let highest = highestSequence, sequence < highest { statistics.reordered += 1 }
        highestSequence = max(highestSequence ?? sequence, sequence)
        queue[sequence] = packet
        arrivals[sequence] = now
        timestamps[sequence] = rtp
        while bufferedMilliseconds > configuration.maximumMilliseconds, let oldest = queue.keys.min() {
            queue[oldest] = nil
            arrivals[oldest] = nil
            timestamps[oldest] = nil
            statistics.droppedForOverflow += 1
            if let play = playSequence, oldest >= play { playSequence = oldest + 1 }
        }
    }

    /// What to produce next, and for about how many ms (nominal: ±10 ms for accelerate/stretch; a
    /// player schedules by the samples it actually produced). Call again when they have played.
    public mutating func next(now: Int64) -> (action: Action, milliseconds: Int) {
        let slot = configuration.packetMilliseconds
        guard var play = playSequence else {
            // Start once enough is buffered, or once the oldest packet has waited the start delay.
            guard let first = queue.keys.min() else { return (.silence, slot) }
            let waited = now - (arrivals[first] ?? now)
            guard bufferedMilliseconds >= min(configuration.startMilliseconds, targetMilliseconds + slot)
                    || waited >= Int64(configuration.startMilliseconds) else { return (.silence, slot) }
            playSequence = first
            filteredLevel = nil
            return next(now: now)
        }
        let slotTicks = Int64(slot * configuration.clockRate / 1000)
        if let position = dtxPosition {
            // The sender chose silence: comfort noise until the next packet is due, no concealment
            // counted and no refill afterwards.
            let due = queue.keys.min().flatMap { timestamps[$0] }.map { $0 <= position + slotTicks / 2 } ?? false
            if !due && bufferedMilliseconds <= targetMilliseconds {
                dtxPosition = position + slotTicks
                statistics.comfortNoise += 1
                return (.comfortNoise, slot)
            }
            dtxPosition = nil
            if let first = queue.keys.min() { play = first } // sequence numbers do not skip in DTX, but a loss there might
            emptySlots = 0
        }
        if queue.isEmpty {
            // Underrun: nothing buffered at all — the network stalled, or the sender paused (DTX
            // sends nothing during silence without skipping sequence numbers). Keep waiting for this
            // same packet while concealing; after a longer pause, refill before playing again.
            statistics.concealed += 1
            statistics.underruns += 1
            emptySlots += 1
            if emptySlots * slot >= configuration.startMilliseconds * 2 { playSequence = nil }
            return (.conceal(sequence: UInt16(truncatingIfNeeded: play)), slot)
        }
        // Resuming after empty slots: if packets are missing at the play position, the slots already
        // concealed stood in for them (a loss burst, not a pause) — do not conceal them twice.
        if emptySlots > 0, queue[play] == nil, let first = queue.keys.min(), first > play {
            play += min(Int64(emptySlots), first - play)
        }
        emptySlots = 0
        // A gap wider than the buffer can hold (a stray packet far ahead, a long outage): skip to
        // what is actually here instead of concealing our way across it.
        if queue[play] == nil, let first = queue.keys.min(),
           first - play > Int64(configuration.maximumMilliseconds / slot) {
            statistics.concealed += Int(first - play)
            play = first
        }
        playSequence = play + 1
        lastPlayed = play
        arrivals[play] = nil
        let playedTimestamp = timestamps.removeValue(forKey: play)
        guard let packet = queue.removeValue(forKey: play) else {
            if let following = queue[play + 1] {
                statistics.recovered += 1
                return (.recover(sequence: UInt16(truncatingIfNeeded: play), from: following), slot)
            }
            statistics.concealed += 1
            return (.conceal(sequence: UInt16(truncatingIfNeeded: play)), slot)
        }
        statistics.played += 1
        // A DTX frame (Opus: one or two bytes, RFC 6716 §3.1's TOC alone) starts a pause in which
        // nothing more is sent until speech or a comfort-noise update.
        if packet.payload.count <= 2, let t = playedTimestamp { dtxPosition = t + slotTicks }
        // Only packets really played: one that was concealed or rebuilt from FEC and turns up late
        // is late (and teaches the target), not a duplicate.
        recentlyPlayed.insert(play)
        if recentlyPlayed.count > 64, let oldest = recentlyPlayed.min() { recentlyPlayed.remove(oldest) }
        // Playout speed follows the smoothed level (over about 0.5 s at small targets, 2.5 s at
        // large ones, where jitter swings it most), inside a band around the target wide enough
        // that ordinary jitter never touches it (NetEQ's low/high limits): every time-scale costs a
        // small discontinuity, so a jittery network must not cause a stream of them. The level counts the packet now playing; with a 30 ms target a clean network
        // settles between 20 and 40 ms.
        let level = Double(bufferedMilliseconds + slot)
        let target = Double(targetMilliseconds), tolerance = Double(configuration.toleranceMilliseconds)
        var filtered = level
        if let previous = filteredLevel {
            let weight = target >= 4 * Double(slot) ? 0.992 : target >= 2 * Double(slot) ? 0.985 : 0.96
            filtered = previous * weight + level * (1 - weight)
        }
        let low = max(Double(configuration.minimumMilliseconds) - tolerance, target * 0.75)
        let high = max(target, low + 2 * tolerance)
        // The present level must agree too: the smoothed one lags, and acting on it alone would
        // keep accelerating into an underrun (or stretching into overflow).
        if filtered > high && level > target {
            statistics.accelerated += 1
            filteredLevel = filtered - 10 // nominal; the player corrects it with `timeScaled(by:)`
            return (.accelerate(packet), slot - 10)
        }
        if filtered < low && level < target {
            statistics.stretched += 1
            filteredLevel = filtered + 10
            return (.stretch(packet), slot + 10)
        }
        filteredLevel = filtered
        return (.play(packet), slot)
    }

    /// The player tells what a time-scale really changed (ms; negative for accelerate): a pitch
    /// period is 2.5–10 ms, and the level filter was credited the nominal ±10 ms.
    /// A frame the scaler declined (not periodic enough to cut unheard) changed nothing and is not
    /// counted; the next frame is asked again.
    public mutating func timeScaled(byMilliseconds actual: Double, nominal: Double) {
        if let level = filteredLevel { filteredLevel = level + actual - nominal }
        if actual == 0 {
            if nominal < 0 { statistics.accelerated -= 1 } else { statistics.stretched -= 1 }
        }
    }

    // MARK: sequence and timestamp unwrapping (RFC 3550 §A.1 style)

    private mutating func extend(_ sequence: UInt16) -> Int64 {
        guard let reference = highestSequence else { return Int64(sequence) }
        let delta = Int64(Int16(bitPattern: sequence &- UInt16(truncatingIfNeeded: reference)))
        return reference + delta
    }

    private mutating func extendTimestamp(_ timestamp: UInt32) -> Int64 {
        guard let reference = timestampReference else {
            timestampReference = Int64(timestamp)
            return Int64(timestamp)
        }
        let extended = reference + Int64(Int32(bitPattern: timestamp &- UInt32(truncatingIfNeeded: reference)))
        timestampReference = max(reference, extended)
        return extended
    }
}
