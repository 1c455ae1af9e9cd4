import Foundation
import HoistCore

/// A history store that fails the writes a test picks, as a full disk or a lost server would,
/// and passes everything else to a real store; its clock may be off this machine's
/// (`clockOffset`), as a server's is for a laptop whose clock is wrong.
public final class FaultyHistory: HistoryStore, @unchecked Sendable {
    /// One write, as the test's `fails` sees it.
    public enum Write: Sendable {
        case create(DeploymentRecord), update(DeploymentID, DeploymentUpdate), hosts, events, output, phase, delivery
    }

    public struct DiskFull: Error, CustomStringConvertible {
        public var description: String { "disk I/O error (disk full)" }
    }

    public let inner: any HistoryStore
    private let fails: @Sendable (Write) -> Bool
    public let clockOffset: TimeInterval

    public init(inner: any HistoryStore, clockOffset: TimeInterval = 0, fails: @escaping @Sendable (Write) -> Bool = { _ in false }) {
        self.inner = inner
        self.clockOffset = clockOffset
        self.fails = fails
    }

    /// A store that takes everything but a deployment's end (a final status): what a
    /// coordinator killed after its hosts finished, or a full disk, leaves unrecorded.
    public static func losingEnds(inner: any HistoryStore) -> FaultyHistory {
        FaultyHistory(inner: inner) { write in
            if case .update(_, let update) = write, update.status?.isFinal == true { return true }
            return false
        }
    }

    /// A store whose writes after the first `count` all fail: an import or a deployment
    /// interrupted at that point.
    public static func stopping(after count: Int, inner: any HistoryStore) -> FaultyHistory {
        let seen = Counter()
        return FaultyHistory(inner: inner) { _ in seen.next() > count }
    }

    private func check(_ write: Write) throws {
        if fails(write) { throw DiskFull() }
    }

    public func createDeployment(_ record: DeploymentRecord) throws { try check(.create(record)); try inner.createDeployment(record) }
    public func updateDeployment(_ id: DeploymentID, _ update: DeploymentUpdate) throws {
        try check(.update(id, update)); try inner.updateDeployment(id, update)
    }
    public func upsertHosts(_ records: [HostRecord]) throws { try check(.hosts); try inner.upsertHosts(records) }
    public func upsertEvents(_ records: [EventRecord]) throws { try check(.events); try inner.upsertEvents(records) }
    public func appendOutput(_ lines: [OutputRecord]) throws { try check(.output); try inner.appendOutput(lines) }
    public func upsertPhase(_ record: PhaseRecord) throws { try check(.phase); try inner.upsertPhase(record) }
    public func recordDelivery(_ record: DeliveryRecord) throws { try check(.delivery); try inner.recordDelivery(record) }

    public func phases(of id: DeploymentID) throws -> [PhaseRecord] { try inner.phases(of: id) }
    public func listDeployments(_ filter: DeploymentFilter) throws -> [DeploymentRecord] { try inner.listDeployments(filter) }
    public func deployment(_ id: DeploymentID) throws -> DeploymentRecord? { try inner.deployment(id) }
    public func hosts(of id: DeploymentID) throws -> [HostRecord] { try inner.hosts(of: id) }
    public func events(of id: DeploymentID, host: String?) throws -> [EventRecord] { try inner.events(of: id, host: host) }
    public func output(of id: DeploymentID, host: String?, event: LifecycleEvent?, afterSeq: Int64, limit: Int) throws -> [OutputRecord] {
        try inner.output(of: id, host: host, event: event, afterSeq: afterSeq, limit: limit)
    }
    public func lastSucceeded(group: String) throws -> DeploymentRecord? { try inner.lastSucceeded(group: group) }
    public func unfinished(group: String?) throws -> [DeploymentRecord] { try inner.unfinished(group: group) }
    public func deliveries(of id: DeploymentID) throws -> [DeliveryRecord] { try inner.deliveries(of: id) }
    public func markFailedAfterRestart(_ id: DeploymentID, reason: String, at time: Date) throws -> Bool {
        try inner.markFailedAfterRestart(id, reason: reason, at: time)
    }

    /// Counts calls across threads.
    public final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        public init() {}
        public func next() -> Int { lock.withLock { value += 1; return value } }
    }
}
