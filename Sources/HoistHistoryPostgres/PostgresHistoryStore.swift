import Foundation
import HoistCore
import PostgresNIO

/// The deployment history on a PostgreSQL server, shared by every Hoist that points at it
/// (`history: postgresql://…` or HOIST_HISTORY_URL): a laptop, cron and CI see and control
/// each other's deployments. Same schema, migrations and contract as `SQLiteHistoryStore`.
///
/// Every write is one transaction, committed when the call returns. A write also checks the
/// schema version (a newer Hoist may have migrated the store since) and, for output and
/// status, notifies `hoist_history` so `logs --follow` elsewhere wakes at once. A lost
/// connection is retried (see `PostgresLink`); an unreachable server at start is an error.
public final class PostgresHistoryStore: HistoryStore {
    public let url: PostgresURL
    let link: PostgresLink
    let rows: PostgresRows
    let followers: PostgresListener
    /// The server's clock less this machine's, read once at connection (`measureClock`).
    public let clockOffset: TimeInterval
    /// The channel writes notify with the deployment id, read by `waitForChange`.
    static let channel = "hoist_history"

    /// Connects (once: an unreachable server throws `HistoryError.unreachable`), then brings
    /// the schema up to date under an advisory lock. `notices` hears of outages and recovery
    /// mid-deployment; `outageLimit` is how long a call keeps reconnecting before it fails.
    public init(url: PostgresURL, outageLimit: Duration = .seconds(900),
                notices: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.url = url
        self.link = PostgresLink(url: url, outageLimit: outageLimit, notices: notices)
        self.rows = PostgresRows(store: url.description)
        self.followers = PostgresListener(link: link)
        try link.connectNow()
        do {
            clockOffset = try link.run(Self.measureClock)
        } catch {
            throw HistoryError.unreachable(store: url.description, reason: PostgresLink.reason(error))
        }
        do {
            try translating { try link.run { try PostgresSchema.migrate($0, store: url.description) } }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError.unreachable(store: url.description, reason: PostgresLink.reason(error))
        }
    }

    /// How far the server's clock is ahead of this machine's: its time against the middle of
    /// the round trip that read it. Under a second is taken as agreement (the round trip blurs
    /// it anyway, and a coordinator's times then stay exactly its own).
    static func measureClock(_ session: Session) throws -> TimeInterval {
        let sent = Date()
        let millis: Int64 = try session.one("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint")
        let received = Date()
        let offset = Double(millis) / 1000 - (sent.timeIntervalSince1970 + received.timeIntervalSince1970) / 2
        return abs(offset) < 1 ? 0 : offset
    }

    /// The migrations the store has had, oldest first.
    public func appliedMigrations() throws -> [String] {
        try link.run { session in
            try session.query("SELECT identifier FROM hoist_migrations ORDER BY appliedAt, identifier")
                .map { try $0.makeRandomAccess()[0].decode(String.self) }
        }
    }

    func write<T>(_ body: (Session) throws -> T) throws -> T {
        try translating { try link.transaction(check: { try PostgresSchema.checkCurrent($0, store: url.description) }, body) }
    }

    func read<T>(_ body: (Session) throws -> T) throws -> T {
        try translating { try link.run(body) }
    }

    /// Turns the server's refusals into the history's own errors (a missing parent is left
    /// for the caller, which names it).
    private func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HistoryError {
            throw error
        } catch let error as PSQLError where error.code == .server && !Self.isForeignKeyFailure(error) {
            throw HistoryError.storeFailed(store: url.description, reason: PostgresLink.reason(error),
                                           advice: Self.advice(sqlState: error.serverInfo?[.sqlState] ?? ""))
        }
    }

    /// What to do about a refusal, by its SQLSTATE's class: only a refusal of rights is the
    /// role's business.
    static func advice(sqlState: String) -> String {
        switch sqlState.prefix(2) {
        case "23", "40":  // a unique key or a serialization conflict: another writer got there first
            return "Another Hoist wrote the same rows at the same moment; run the command again."
        case "53":
            return "The server is short of disk, memory or connections; tell its administrator."
        case "42" where sqlState == "42501":
            return "Check the role's rights on its database (it must create, read and write Hoist's tables)."
        default:
            return "Check the role's rights on its database and the server's log."
        }
    }

    private static func isForeignKeyFailure(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23503"
    }

    private func exists(_ session: Session, _ id: DeploymentID) throws -> Bool {
        try !session.query("SELECT 1 FROM deployment WHERE id = $1", Binds([id.rawValue]).bindings).isEmpty
    }

    private func notify(_ session: Session, _ id: DeploymentID) throws {
        try session.execute("SELECT pg_notify('\(Self.channel)', $1)", Binds([id.rawValue]).bindings)
    }

    /// The key of the advisory lock imports take ("hoisti" in ASCII; migrations take "hoist").
    static let importLockKey: Int64 = 0x68_6f_69_73_74_69

    /// Imports take turns through an advisory lock held on a connection of their own for the
    /// whole import (the store's connection may be replaced after an outage, which would
    /// drop a lock held there). Taken by polling, as a call that waits longer than
    /// `PostgresLink.callTimeout` counts as a lost connection.
    public func whileImporting<T>(waiting: () -> Void, _ body: () throws -> T) throws -> T {
        let connection: PostgresConnection
        do {
            connection = try link.connectionFuture().wait()
        } catch {
            throw HistoryError.unreachable(store: url.description, reason: PostgresLink.reason(error))
        }
        defer { connection.closeSoon() }
        let session = Session(connection: connection, logger: link.logger)
        var told = false
        while try !translating({ try session.one("SELECT pg_try_advisory_lock(\(Self.importLockKey))") as Bool }) {
            if !told { waiting(); told = true }
            Thread.sleep(forTimeInterval: 0.5)
        }
        return try body()
    }

    // MARK: Writes

    public func createDeployment(_ r: DeploymentRecord) throws {
        try write { session in
            if let target = r.rollbackOf, try !exists(session, target) { throw HistoryError.unknownDeployment(target) }
            let values: [(any PostgresValue)?] = [
                r.id.rawValue, r.application, r.deploymentGroup, r.playbookPath, r.status.rawValue,
                r.errorCode?.rawValue, r.errorMessage, r.creator.rawValue, r.createdBy, r.revisionPath,
                r.revisionSHA256, r.deploymentConfigName, r.fileExistsBehavior.rawValue, r.rollbackOf?.rawValue,
                r.deploymentType.rawValue, r.description, PostgresRows.millis(r.createTime),
                PostgresRows.millis(r.startTime), PostgresRows.millis(r.endTime), r.hostCount, r.revisionCommit,
                r.origin?.rawValue, r.coordinator?.machine, r.coordinator.map { Int64($0.pid) }, r.coordinator?.processStart,
            ]
            let marks = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
            // An id already there (or inserted meanwhile by another writer, two `history
            // import`s at once) inserts nothing: the insert is the one check.
            let inserted = try session.query(
                "INSERT INTO deployment (\(PostgresRows.Columns.deployment)) VALUES (\(marks)) ON CONFLICT (id) DO NOTHING",
                Binds(values).bindings)
            if inserted.metadata.rows == 0 { throw HistoryError.duplicateDeployment(r.id) }
            try notify(session, r.id)
        }
    }

    public func updateDeployment(_ id: DeploymentID, _ u: DeploymentUpdate) throws {
        try write { session in
            let result = try session.query(
                """
                UPDATE deployment SET status = COALESCE($1, status),
                    errorCode = CASE WHEN $9 THEN $2 ELSE COALESCE($2, errorCode) END,
                    errorMessage = CASE WHEN $9 THEN $3 ELSE COALESCE($3, errorMessage) END,
                    revisionSHA256 = COALESCE($4, revisionSHA256),
                    startTime = COALESCE($5, startTime), endTime = COALESCE($6, endTime),
                    hostCount = COALESCE($7, hostCount)
                WHERE id = $8
                """,
                Binds([
                    u.status?.rawValue, u.errorCode?.rawValue, u.errorMessage, u.revisionSHA256,
                    PostgresRows.millis(u.startTime), PostgresRows.millis(u.endTime), u.hostCount, id.rawValue, u.replacesVerdict,
                ]).bindings)
            if result.metadata.rows == 0 { throw HistoryError.unknownDeployment(id) }
            try notify(session, id)
        }
    }

    public func upsertHosts(_ records: [HostRecord]) throws {
        guard !records.isEmpty else { return }
        do {
            try write { session in
                for r in records {
                    try session.execute(
                        """
                        INSERT INTO host (\(PostgresRows.Columns.host)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (deploymentID, host) DO UPDATE SET address = excluded.address,
                            status = excluded.status, errorCode = excluded.errorCode, message = excluded.message,
                            startTime = excluded.startTime, endTime = excluded.endTime
                        """,
                        Binds([
                            r.deploymentID.rawValue, r.host, r.address, r.status.rawValue, r.errorCode?.rawValue,
                            r.message, PostgresRows.millis(r.startTime), PostgresRows.millis(r.endTime),
                        ]).bindings)
                }
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw try missingParent(records.map { ($0.deploymentID, nil) })
        }
    }

    public func upsertEvents(_ records: [EventRecord]) throws {
        guard !records.isEmpty else { return }
        do {
            try write { session in
                for r in records {
                    try session.execute(
                        """
                        INSERT INTO event (\(PostgresRows.Columns.event)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                        ON CONFLICT (deploymentID, host, event) DO UPDATE SET status = excluded.status,
                            errorCode = excluded.errorCode, message = excluded.message,
                            scriptName = excluded.scriptName, startTime = excluded.startTime,
                            endTime = excluded.endTime
                        """,
                        Binds([
                            r.deploymentID.rawValue, r.host, r.event.rawValue, r.status.rawValue, r.errorCode?.rawValue,
                            r.message, r.scriptName, PostgresRows.millis(r.startTime), PostgresRows.millis(r.endTime),
                        ]).bindings)
                }
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw try missingParent(records.map { ($0.deploymentID, $0.host) })
        }
    }

    /// After a foreign-key failure: the first deployment, or host of a deployment, that the
    /// history does not hold.
    private func missingParent(_ parents: [(DeploymentID, host: String?)]) throws -> HistoryError {
        try read { session in
            for (id, host) in parents {
                if try !exists(session, id) { return .unknownDeployment(id) }
                if let host, try session.query(
                    "SELECT 1 FROM host WHERE deploymentID = $1 AND host = $2", Binds([id.rawValue, host]).bindings).isEmpty {
                    return .unknownHost(id, host: host)
                }
            }
            return .unknownDeployment(parents[0].0)
        }
    }

    public func upsertPhase(_ r: PhaseRecord) throws {
        do {
            try write { session in
                try session.execute(
                    """
                    INSERT INTO phase (\(PostgresRows.Columns.phase)) VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (deploymentID, idx) DO UPDATE SET name = excluded.name, detail = excluded.detail,
                        hosts = excluded.hosts, startTime = excluded.startTime, endTime = excluded.endTime
                    """,
                    Binds([
                        r.deploymentID.rawValue, r.index, r.name, r.detail, r.hosts.joined(separator: "\n"),
                        PostgresRows.millis(r.startTime), PostgresRows.millis(r.endTime),
                    ]).bindings)
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw HistoryError.unknownDeployment(r.deploymentID)
        }
    }

    /// One statement per batch, whatever its size: the lines travel as arrays, in order, and
    /// `WITH ORDINALITY` keeps that order in their `seq`.
    public func appendOutput(_ lines: [OutputRecord]) throws {
        guard !lines.isEmpty else { return }
        do {
            try write { session in
                try session.execute(
                    """
                    INSERT INTO output (deploymentID, host, event, stream, time, text)
                    SELECT d, h, e, s, t, x FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[])
                        WITH ORDINALITY AS line(d, h, e, s, t, x, n)
                    ORDER BY n
                    """,
                    Binds([
                        lines.map(\.deploymentID.rawValue), lines.map(\.host), lines.map(\.event.rawValue),
                        lines.map(\.stream.rawValue), NumberArray(values: lines.map { PostgresRows.millis($0.time) }),
                        lines.map(\.text),
                    ]).bindings)
                for id in Set(lines.map(\.deploymentID)) { try notify(session, id) }
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw try missingParent(lines.map { ($0.deploymentID, nil) })
        }
    }

    public func markFailedAfterRestart(_ id: DeploymentID, reason: String, at time: Date) throws -> Bool {
        try write { session in
            let status = try session.query("SELECT status FROM deployment WHERE id = $1 FOR UPDATE", Binds([id.rawValue]).bindings)
                .first.map { try $0.makeRandomAccess()[0].decode(String.self) }
            guard let status else { throw HistoryError.unknownDeployment(id) }
            if DeploymentStatus(rawValue: status)?.isFinal ?? true { return false }
            let end = PostgresRows.millis(time)
            let failed = LifecycleErrorCode.failedAfterRestart.rawValue
            try session.execute(
                """
                UPDATE deployment SET status = 'Failed', errorCode = $1, errorMessage = $2,
                    endTime = COALESCE(endTime, $3) WHERE id = $4
                """, Binds([DeploymentErrorCode.failedAfterRestart.rawValue, reason, end, id.rawValue]).bindings)
            for table in ["host", "event"] {
                try session.execute(
                    """
                    UPDATE \(table) SET status = 'Failed', errorCode = $1, message = $2, endTime = COALESCE(endTime, $3)
                        WHERE deploymentID = $4 AND status = 'InProgress'
                    """, Binds([failed, reason, end, id.rawValue]).bindings)
                try session.execute(
                    "UPDATE \(table) SET status = 'Skipped' WHERE deploymentID = $1 AND status = 'Pending'",
                    Binds([id.rawValue]).bindings)
            }
            try notify(session, id)
            return true
        }
    }

    public func recordDelivery(_ r: DeliveryRecord) throws {
        do {
            try write { session in
                try session.execute(
                    "INSERT INTO delivery (\(PostgresRows.Columns.delivery)) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    Binds([
                        r.deploymentID.rawValue, r.trigger, r.event.rawValue, r.host, r.target, r.status.rawValue,
                        r.attempts, r.error, PostgresRows.millis(r.eventTime), PostgresRows.millis(r.endTime),
                    ]).bindings)
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw HistoryError.unknownDeployment(r.deploymentID)
        }
    }
}
