/// Outstanding client transactions over UDP with RFC 8489 §6.2.1 retransmission: sends at 0, RTO,
/// 3·RTO, 7·RTO, … (doubling), `maximumSends` in all, then waits `finalWaitFactor`·RTO for the
/// answer before giving up. Sans-IO: `due(now:)` hands back what to resend and what timed out.
public struct StunTransactions<Context: Sendable>: Sendable {
    public struct Outstanding: Sendable {
        public var id: [UInt8]
        public var bytes: [UInt8]
        public var destination: TransportAddress
        public var context: Context
        public internal(set) var sends: Int
        var interval: Int64
        var nextAt: Int64
        public let startedAt: Int64
    }

    public var rto: Int64
    public var maximumSends: Int
    public var finalWaitFactor: Int64
    private var table: [[UInt8]: Outstanding] = [:]

    /// RFC 8489 defaults: RTO 500 ms, Rc = 7, Rm = 16 (a transaction fails after 39.5 s).
    public init(rto: Int64 = 500, maximumSends: Int = 7, finalWaitFactor: Int64 = 16) {
        self.rto = rto
        self.maximumSends = maximumSends
        self.finalWaitFactor = finalWaitFactor
    }

    public var isEmpty: Bool { table.isEmpty }
    public var count: Int { table.count }
    public var all: [Outstanding] { Array(table.values) }

    /// Records a request that the caller sends now (the first transmission is the caller's).
    public mutating func started(id: [UInt8], bytes: [UInt8], to destination: TransportAddress, context: Context, now: Int64) {
        table[id] = Outstanding(id: id, bytes: bytes, destination: destination, context: context,
                                sends: 1, interval: rto, nextAt: now + rto, startedAt: now)
    }

    /// The answer arrived: forget the transaction and return it (nil for an unknown or finished one).
    public mutating func finish(id: [UInt8]) -> Outstanding? { table.removeValue(forKey: id) }

    public func context(of id: [UInt8]) -> Context? { table[id]?.context }

    /// Drops every transaction whose context matches (a pair reset, a restart).
    public mutating func cancel(where matches: (Context) -> Bool) {
        table = table.filter { !matches($0.value.context) }
    }

    /// Sends no more of the matching transactions but still takes their answers, until the final
    /// wait from `now` runs out (RFC 8445 §7.3.1.4 "cancellation" of an in-progress check).
    public mutating func stopRetransmitting(now: Int64, where matches: (Context) -> Bool) {
        for (id, var t) in table where matches(t.context) {
            t.sends = maximumSends
            t.nextAt = now + finalWaitFactor * rto
            table[id] = t
        }
    }

    /// Retransmissions due at `now`, and transactions that have now failed (removed).
    public mutating func due(now: Int64) -> (resend: [Outstanding], failed: [Outstanding]) {
        var resend: [Outstanding] = [], failed: [Outstanding] = []
        for (id, var t) in table where t.nextAt <= now {
            if t.sends >= maximumSends {
                failed.append(t)
                table[id] = nil
                continue
            }
            t.sends += 1
            t.interval *= 2
            t.nextAt = t.sends == maximumSends ? now + finalWaitFactor * rto : now + t.interval
            table[id] = t
            resend.append(t)
        }
        return (resend.sorted { $0.startedAt < $1.startedAt }, failed)
    }

    /// When `due` next has something to do.
    /// (A loop, not `map(\.nextAt)`: a key path into this generic type is built at run time on
    /// every call, and the event loop asks on every turn.)
    public var nextDeadline: Int64? {
        var earliest: Int64?
        for t in table.values where earliest.map({ t.nextAt < $0 }) ?? true { earliest = t.nextAt }
        return earliest
    }
}
