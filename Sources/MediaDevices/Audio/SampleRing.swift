#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A fixed-size FIFO of samples between one real-time audio thread and one ordinary thread.
///
/// The real-time side never sleeps on the lock: it only *tries* it (`Mutex.withLockIfAvailable`),
/// yielding between a bounded number of tries, and counts the rare miss instead of blocking behind
/// a descheduled peer. Both sides hold the lock just long enough to copy one period (about a
/// microsecond), so a miss needs the device thread to wake inside that window while the holder is
/// preempted — on the order of once in minutes, and counted. The storage is allocated once, so
/// nothing in here allocates after `init`. Overflow drops the oldest samples (audio should be fresh, not
/// complete); underflow is the reader's to fill (silence or concealment).
public final class SampleRing: Sendable {
    private struct Storage: ~Copyable {
        var samples: [Int16]
        var start = 0
        var count = 0
        var overflowed = 0
    }

    public let capacity: Int
    private let storage: Mutex<Storage>
    private let contended = Atomic<Int>(0)
    /// Bumped (releasing) as the last step inside the lock and read (acquiring) as the first: the
    /// lock already orders the two sides, but its contended path runs in the prebuilt standard
    /// library, where ThreadSanitizer cannot see it, and it then reported every hand-over as a race.
    /// Two uncontended atomics per period make the ordering visible to it.
    private let handOver = Atomic<Int>(0)

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = Mutex(Storage(samples: [Int16](repeating: 0, count: max(1, capacity))))
    }

    /// Samples waiting.
    public var count: Int { storage.withLock { s in handOff { s.count } } }
    /// Samples discarded because the reader fell behind.
    public var overflowedSamples: Int { storage.withLock { s in handOff { s.overflowed } } }
    /// Times the real-time side gave up on the lock and dropped or skipped a transfer.
    public var contention: Int { contended.load(ordering: .relaxed) }

    /// Appends `samples`, discarding the oldest when full. `realTime` callers never block: if the
    /// lock stays busy they return false (and the samples are lost, counted in `contention`).
    @discardableResult
    public func write(_ samples: ArraySlice<Int16>, realTime: Bool = false) -> Bool {
        guard realTime else {
            storage.withLock { s in handOff { Self.append(samples, to: &s) } }
            return true
        }
        for attempt in 0..<Self.attempts {
            if storage.withLockIfAvailable({ s in handOff { Self.append(samples, to: &s) } }) != nil { return true }
            if attempt > 0 { sched_yield() }
        }
        contended.add(1, ordering: .relaxed)
        return false
    }

    /// Moves up to `wanted` samples into the front of `output` (which must hold them); returns how
    /// many — none unless at least `minimum` are waiting. Real-time callers never block: nil when
    /// the lock stayed busy (counted in `contention`), so they can tell that from an empty ring.
    public func read(into output: inout [Int16], wanted: Int, minimum: Int = 0, realTime: Bool = false) -> Int? {
        guard realTime else { return storage.withLock { s in handOff { Self.take(from: &s, into: &output, wanted: wanted, minimum: minimum) } } }
        for attempt in 0..<Self.attempts {
            if let moved = storage.withLockIfAvailable({ s in handOff { Self.take(from: &s, into: &output, wanted: wanted, minimum: minimum) } }) { return moved }
            if attempt > 0 { sched_yield() }
        }
        contended.add(1, ordering: .relaxed)
        return nil
    }

    /// Runs `body` inside the lock between an acquiring load and a releasing add (see `handOver`).
    private func handOff<R>(_ body: () -> R) -> R {
        _ = handOver.load(ordering: .acquiring)
        defer { handOver.add(1, ordering: .releasing) }
        return body()
    }

    /// Tries of the lock before the real-time side gives up; between tries it yields the CPU so a
    /// preempted holder on the same core can finish its copy.
    private static let attempts = 64

    private static func append(_ samples: ArraySlice<Int16>, to s: inout Storage) {
        let capacity = s.samples.count
        for sample in samples.suffix(capacity) {
            if s.count == capacity {
                s.start = (s.start + 1) % capacity
                s.count -= 1
                s.overflowed += 1
            }
            s.samples[(s.start + s.count) % capacity] = sample
            s.count += 1
        }
        s.overflowed += max(0, samples.count - capacity)
    }

    private static func take(from s: inout Storage, into output: inout [Int16], wanted: Int, minimum: Int) -> Int {
        guard s.count >= minimum else { return 0 }
        let capacity = s.samples.count
        let moved = max(0, min(wanted, s.count, output.count))
        for i in 0..<moved { output[i] = s.samples[(s.start + i) % capacity] }
        s.start = (s.start + moved) % capacity
        s.count -= moved
        return moved
    }

    /// Drops samples from the front until at most `keep` remain (latency control); returns how many went.
    @discardableResult
    public func trim(toAtMost keep: Int) -> Int {
        storage.withLock { s in handOff {
            let excess = max(0, s.count - keep)
            s.start = (s.start + excess) % s.samples.count
            s.count -= excess
            return excess
        } }
    }

}
