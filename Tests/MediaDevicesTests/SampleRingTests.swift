import MediaDevices
import Synchronization
import Testing

@Suite struct SampleRingTests {
    @Test func samplesComeOutInOrderAcrossTheWrap() {
        let ring = SampleRing(capacity: 1000)
        var out = [Int16](repeating: 0, count: 480)
        var written: [Int16] = [], read: [Int16] = []
        var next: Int16 = 0
        for round in 0..<20 {
            let chunk = (0..<(300 + round * 7)).map { _ -> Int16 in next &+= 1; return next }
            #expect(ring.write(chunk[...], realTime: round.isMultiple(of: 2)))
            written += chunk
            while ring.count >= 480 {
                #expect(ring.read(into: &out, wanted: 480, realTime: !round.isMultiple(of: 2)) == 480)
                read += out
            }
        }
        #expect(read == Array(written.prefix(read.count)))
        #expect(ring.overflowedSamples == 0 && ring.contention == 0)
    }

    @Test func overflowDropsTheOldestAndCountsThem() {
        let ring = SampleRing(capacity: 100)
        ring.write((0..<150).map { Int16($0) }[...])
        #expect(ring.count == 100 && ring.overflowedSamples == 50)
        var out = [Int16](repeating: 0, count: 200)
        #expect(ring.read(into: &out, wanted: 200) == 100)
        #expect(Array(out.prefix(100)) == (50..<150).map { Int16($0) })
        // More than the whole capacity at once: only the newest capacity's worth stays.
        ring.write((0..<250).map { Int16($0) }[...])
        #expect(ring.count == 100 && ring.overflowedSamples == 200)
        #expect(ring.read(into: &out, wanted: 100) == 100 && out[0] == 150)
    }

    @Test func anEmptyRingGivesNothingAndTrimKeepsTheNewest() {
        let ring = SampleRing(capacity: 64)
        var out = [Int16](repeating: 7, count: 10)
        #expect(ring.read(into: &out, wanted: 10, realTime: true) == 0 && out == [Int16](repeating: 7, count: 10))
        ring.write((1...40).map { Int16($0) }[...])
        #expect(ring.trim(toAtMost: 8) == 32)
        #expect(ring.read(into: &out, wanted: 10) == 8 && out.prefix(8) == (33...40).map { Int16($0) }[...])
    }
}

/// A real-time writer thread against a reader on another thread: whatever the interleaving, samples
/// come out in order, and every sample written is either read, dropped as overflow, or counted as
/// lost to contention — nothing vanishes unaccounted.
@Suite struct SampleRingConcurrencyTests {
    @Test func aRealTimeWriterAndAReaderLoseNothingUncounted() async throws {
        let ring = SampleRing(capacity: 4_800)
        let chunks = 2_000, chunk = 480
        let finished = Atomic<Bool>(false)
        // Every sample of chunk k holds k, so order survives any amount of dropping.
        let writer = Task.detached {
            var frame = [Int16](repeating: 0, count: chunk)
            var lost = 0
            for k in 0..<chunks {
                for i in 0..<chunk { frame[i] = Int16(k) }
                if !ring.write(frame[...], realTime: true) { lost += chunk }
                if k.isMultiple(of: 64) { await Task.yield() }
            }
            finished.store(true, ordering: .releasing)
            return lost
        }
        var out = [Int16](repeating: 0, count: chunk)
        var read: [Int16] = []
        read.reserveCapacity(chunks * chunk)
        while true {
            let done = finished.load(ordering: .acquiring)
            let n = ring.read(into: &out, wanted: chunk) ?? 0
            read += out[..<n]
            if n == 0 {
                if done { break }
                await Task.yield()
            }
        }
        let lost = await writer.value
        #expect(read.count > 0)
        #expect(read.count + ring.overflowedSamples + lost == chunks * chunk)
        #expect(lost == ring.contention * chunk)
        #expect(zip(read, read.dropFirst()).allSatisfy { $0 <= $1 }, "samples came out of order")
        let perChunk = Dictionary(grouping: read, by: { $0 }).values.map(\.count)
        #expect(perChunk.allSatisfy { $0 <= chunk })
    }
}
