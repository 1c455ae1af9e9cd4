import Foundation

/// The deployment history port: the engine records each step through it, and the CLI,
/// rollback and crash recovery read it back. HoistHistory implements it with SQLite.
///
/// Each call that changes a deployment's state is its own durable write, so a crash loses
/// at most the step in flight. Calls block briefly; they never wait on the network. Times
/// are kept to the millisecond.
public protocol HistoryStore: Sendable {
    /// Records a new deployment. Fails with `HistoryError.duplicateDeployment` if the id exists.
    func createDeployment(_ record: DeploymentRecord) throws
    /// Changes the non-nil fields of `update`. Fails with `HistoryError.unknownDeployment`.
    func updateDeployment(_ id: DeploymentID, _ update: DeploymentUpdate) throws
    /// Inserts hosts of a deployment, or replaces every field of those with the same names,
    /// in one write (a whole fleet recorded Pending at the start costs one disk sync).
    func upsertHosts(_ records: [HostRecord]) throws
    /// Inserts hosts' events, or replaces every field of the same host and event, in one
    /// write. Each host must have been recorded first.
    func upsertEvents(_ records: [EventRecord]) throws
    /// Appends a batch of output lines in one write, in order, giving each its `seq`.
    func appendOutput(_ lines: [OutputRecord]) throws
    /// Inserts a phase of a deployment, or replaces the one with the same index.
    func upsertPhase(_ record: PhaseRecord) throws
    /// A deployment's phases in order; empty for a deployment of one phase (in place).
    func phases(of id: DeploymentID) throws -> [PhaseRecord]

    /// Deployments matching `filter`, newest first.
    func listDeployments(_ filter: DeploymentFilter) throws -> [DeploymentRecord]
    func deployment(_ id: DeploymentID) throws -> DeploymentRecord?
    /// A deployment's hosts, in the order they were first recorded.
    func hosts(of id: DeploymentID) throws -> [HostRecord]
    /// A deployment's events, of one host or of all, in the order they were first recorded.
    func events(of id: DeploymentID, host: String?) throws -> [EventRecord]
    /// Output lines with `seq` greater than `afterSeq`, oldest first, at most `limit`.
    func output(of id: DeploymentID, host: String?, event: LifecycleEvent?, afterSeq: Int64, limit: Int) throws -> [OutputRecord]

    /// The newest deployment of the group that succeeded: the revision a rollback restores.
    func lastSucceeded(group: String) throws -> DeploymentRecord?
    /// Deployments still Created or InProgress (of one group, or all when nil), oldest first:
    /// after a crash, nobody will finish them.
    func unfinished(group: String?) throws -> [DeploymentRecord]
    /// Ends a deployment its coordinator abandoned: the deployment Failed with
    /// FAILED_AFTER_RESTART and `reason`; running hosts and events Failed with
    /// FailedAfterRestart; pending ones Skipped. Returns false, changing nothing, when the
    /// deployment had already ended.
    @discardableResult
    func markFailedAfterRestart(_ id: DeploymentID, reason: String, at time: Date) throws -> Bool

    /// Records how one trigger notification's delivery ended.
    func recordDelivery(_ record: DeliveryRecord) throws
    /// A deployment's trigger deliveries, in the order they were recorded.
    func deliveries(of id: DeploymentID) throws -> [DeliveryRecord]

    /// Returns when the deployment may have new output or a new status, or after `limit`:
    /// `logs --follow` reads again then. A store that can be told of changes (PostgreSQL's
    /// LISTEN/NOTIFY) returns as soon as another process writes; the default just waits.
    func waitForChange(of id: DeploymentID, limit: Duration) async

    /// How far the store's clock is ahead of this machine's, in seconds: every time the
    /// coordinator records is this machine's clock plus it, so that deployments from machines
    /// whose clocks disagree are still recorded (and listed, and rolled back) in the order they
    /// ran. A SQLite file is this machine's (0); a PostgreSQL server's is the server's clock.
    var clockOffset: TimeInterval { get }

    /// Runs `body` while no other `hoist history import` into this store runs: an import copies
    /// a deployment in many writes, resuming after the rows the store holds, so two at once
    /// would both copy the same output. Calls `waiting` first when another holds it.
    func whileImporting<T>(waiting: () -> Void, _ body: () throws -> T) throws -> T
}

extension HistoryStore {
    /// A store on this machine keeps this machine's time.
    public var clockOffset: TimeInterval { 0 }

    /// A time of this machine's clock on the store's.
    public func onStoreClock(_ time: Date) -> Date { time.addingTimeInterval(clockOffset) }

    /// Now on the store's clock.
    public func now() -> Date { onStoreClock(Date()) }

    /// A store only one process writes (a test's fake) needs no lock.
    public func whileImporting<T>(waiting: () -> Void, _ body: () throws -> T) throws -> T { try body() }

    /// Polling: the caller reads again after `limit` or 300 ms, whichever is shorter.
    public func waitForChange(of id: DeploymentID, limit: Duration) async {
        try? await Task.sleep(for: min(limit, .milliseconds(300)))
    }

    /// A store that keeps no phases still records every event; `show` lists them by host.
    public func upsertPhase(_ record: PhaseRecord) throws {}
    public func phases(of id: DeploymentID) throws -> [PhaseRecord] { [] }

    public func upsertHost(_ record: HostRecord) throws { try upsertHosts([record]) }

    public func upsertEvent(_ record: EventRecord) throws { try upsertEvents([record]) }

    public func listDeployments() throws -> [DeploymentRecord] { try listDeployments(DeploymentFilter()) }

    public func events(of id: DeploymentID) throws -> [EventRecord] { try events(of: id, host: nil) }

    public func output(of id: DeploymentID, afterSeq: Int64 = 0, limit: Int = 1000) throws -> [OutputRecord] {
        try output(of: id, host: nil, event: nil, afterSeq: afterSeq, limit: limit)
    }

    @discardableResult
    public func markFailedAfterRestart(_ id: DeploymentID, reason: String) throws -> Bool {
        try markFailedAfterRestart(id, reason: reason, at: Date())
    }
}
