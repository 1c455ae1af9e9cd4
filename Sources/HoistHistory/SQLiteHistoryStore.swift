import Foundation
import GRDB
import HoistCore

/// The deployment history in one SQLite file, shared by every `hoist` process on the
/// machine: one deploying, others running `hoist list` or `hoist logs --follow`.
///
/// The file is in WAL mode (readers never block the writer, nor it them) with a busy
/// timeout, so a second process waits for the write lock instead of failing. A write lock
/// held longer (another program's open transaction) is waited for up to `lockLimit`, as a
/// shared store's outage is: hook output was dropped after the busy timeout's 10 s.
///
/// Durability: a deployment's own state change is committed with `synchronous=FULL`, which
/// syncs the WAL to disk before the call returns. Host and event steps are committed in WAL
/// mode with `synchronous=NORMAL`: durable against a crash or kill of the coordinator the
/// moment the call returns (a power cut may lose the last steps, synced at the next
/// deployment-level change). Output batches are committed with
/// `synchronous=NORMAL`: they survive a crash of the process at once, and a power cut once
/// the next state change syncs the WAL (at the latest when their event ends), without a
/// disk sync per batch of lines.
public final class SQLiteHistoryStore: HistoryStore {
    public let path: String
    let pool: DatabasePool
    let values: StoredValues
    let lockLimit: Duration
    let notices: @Sendable (String) -> Void

    /// Opens the history file at `path`, creating it and its folder if needed, and brings
    /// its schema up to date.
    public init(path: String, busyTimeoutSeconds: Double = 10, lockLimit: Duration = .seconds(900),
                notices: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.path = path
        self.values = StoredValues(path: path)
        self.lockLimit = lockLimit
        self.notices = notices
        let folder = parentFolder(of: path)
        try HistoryFileCheck.check(path)
        // Openings of one file take turns (see HistoryFileLock).
        var turn: HistoryFileLock?
        defer { turn?.release() }
        do {
            // Every hook's output is in here: the file is the user's alone, in a folder that
            // is too when Hoist makes it (or it is Hoist's own, named `hoist`).
            if !folder.isEmpty { try PrivateFiles.makeFolder(folder, narrowExisting: (folder as NSString).lastPathComponent == "hoist") }
            turn = HistoryFileLock(beside: path, suffix: HistoryFileLock.opening, waitSeconds: busyTimeoutSeconds * 3)
            try PrivateFiles.makeFile(path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(busyTimeoutSeconds)
            configuration.foreignKeysEnabled = true
            configuration.label = "hoist-history"
            pool = try DatabasePool(path: path, configuration: configuration)
            for suffix in ["-wal", "-shm"] { try PrivateFiles.narrow(path + suffix, to: 0o600) }
        } catch {
            throw HistoryError.cannotOpen(path: path, reason: Self.reason(error), trouble: Self.trouble(error))
        }
        do {
            try migrate()
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError.cannotOpen(path: path, reason: Self.reason(error), trouble: Self.trouble(error))
        }
    }

    private func migrate() throws {
        let migrator = HistorySchema.migrator
        if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
            throw HistoryError.newerSchema(path: path)
        }
        // Another process opening the same file may apply a migration between the
        // migrator's check and its write, failing ours ("table already exists"). Each such
        // failure means a migration got applied, so a pass per migration is enough; a real
        // error fails every pass and is thrown.
        let passes = migrator.migrations.count + 1
        for pass in 1...passes {
            do {
                try migrator.migrate(pool)
                return
            } catch where pass < passes {
                continue
            }
        }
    }

    /// The migrations this file has had, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { try HistorySchema.migrator.appliedMigrations($0) }
    }

    /// What kind of failure kept the file from opening, by SQLite's result code.
    static func trouble(_ error: any Error) -> HistoryError.OpenTrouble {
        guard let code = (error as? DatabaseError)?.resultCode else { return .other }
        if [.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(code) { return .damaged }
        if [.SQLITE_BUSY, .SQLITE_LOCKED].contains(code) { return .busy }
        return .other
    }

    static func reason(_ error: any Error) -> String {
        let text = (error as? DatabaseError).map { $0.message ?? "\($0.resultCode)" } ?? error.localizedDescription
        return text.trimmingCharacters(in: CharacterSet(charactersIn: ". "))
    }

    /// A host's or an event's step: committed in WAL mode with synchronous=NORMAL, so it
    /// survives the coordinator being killed the moment the call returns, without a disk sync
    /// per step (hundreds of hosts × a dozen events each made the history the bottleneck).
    func stepWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try waitingForTheLock { try pool.write { db in try body(db) } }
    }

    /// One transaction whose commit is on disk when this returns (see the type's comment).
    func durableWrite<T>(_ body: (Database) throws -> T) throws -> T {
        try waitingForTheLock {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    /// `write` again while another process holds the file's write lock (each try waits the
    /// busy timeout), until `lockLimit` has passed since the first refusal; said once.
    func waitingForTheLock<T>(_ write: () throws -> T) throws -> T {
        var since: ContinuousClock.Instant?
        while true {
            do {
                return try write()
            } catch let error as DatabaseError where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode) {
                // SQLITE_LOCKED comes back at once, without the busy timeout's wait: no spin.
                if error.resultCode == .SQLITE_LOCKED { usleep(100_000) }
                let now = ContinuousClock.now
                if let since, now - since >= lockLimit { throw error }
                if since == nil {
                    since = now
                    notices("the history file \(path) is locked by another process; waiting for it (at most HOIST_HISTORY_OUTAGE_LIMIT, "
                            + "\(lockLimit.components.seconds) s)")
                }
            }
        }
    }

    private func exists(_ db: Database, _ id: DeploymentID) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM deployment WHERE id = ?", arguments: [id.rawValue]) ?? false
    }

    private static func isForeignKeyFailure(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY
    }

    // MARK: Writes

    public func createDeployment(_ r: DeploymentRecord) throws {
        try durableWrite { db in
            if try exists(db, r.id) { throw HistoryError.duplicateDeployment(r.id) }
            if let target = r.rollbackOf, try !exists(db, target) { throw HistoryError.unknownDeployment(target) }
            try db.execute(
                sql: """
                    INSERT INTO deployment (id, application, deploymentGroup, playbookPath, status, errorCode,
                        errorMessage, creator, createdBy, revisionPath, revisionSHA256, deploymentConfigName,
                        fileExistsBehavior, rollbackOf, deploymentType, description, createTime, startTime,
                        endTime, hostCount, revisionCommit, origin, coordinatorMachine, coordinatorPid, coordinatorStart)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: StoredValues.arguments([
                    r.id.rawValue, r.application, r.deploymentGroup, r.playbookPath, r.status.rawValue,
                    r.errorCode?.rawValue, r.errorMessage, r.creator.rawValue, r.createdBy, r.revisionPath,
                    r.revisionSHA256, r.deploymentConfigName, r.fileExistsBehavior.rawValue, r.rollbackOf?.rawValue,
                    r.deploymentType.rawValue, r.description, StoredValues.millis(r.createTime),
                    StoredValues.millis(r.startTime), StoredValues.millis(r.endTime), r.hostCount,
                    r.revisionCommit, r.origin?.rawValue, r.coordinator?.machine, r.coordinator.map { Int64($0.pid) },
                    r.coordinator?.processStart,
                ]))
        }
    }

    public func updateDeployment(_ id: DeploymentID, _ u: DeploymentUpdate) throws {
        try durableWrite { db in
            try db.execute(
                sql: """
                    UPDATE deployment SET status = COALESCE(?, status),
                        errorCode = CASE WHEN ? THEN ? ELSE COALESCE(?, errorCode) END,
                        errorMessage = CASE WHEN ? THEN ? ELSE COALESCE(?, errorMessage) END,
                        revisionSHA256 = COALESCE(?, revisionSHA256),
                        startTime = COALESCE(?, startTime), endTime = COALESCE(?, endTime),
                        hostCount = COALESCE(?, hostCount)
                    WHERE id = ?
                    """,
                arguments: StoredValues.arguments([
                    u.status?.rawValue, u.replacesVerdict, u.errorCode?.rawValue, u.errorCode?.rawValue,
                    u.replacesVerdict, u.errorMessage, u.errorMessage, u.revisionSHA256,
                    StoredValues.millis(u.startTime), StoredValues.millis(u.endTime), u.hostCount, id.rawValue,
                ]))
            if db.changesCount == 0 { throw HistoryError.unknownDeployment(id) }
        }
    }

    public func upsertHosts(_ records: [HostRecord]) throws {
        guard !records.isEmpty else { return }
        do {
            try stepWrite { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO host (deploymentID, host, address, status, errorCode, message, startTime, endTime)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (deploymentID, host) DO UPDATE SET address = excluded.address,
                        status = excluded.status, errorCode = excluded.errorCode, message = excluded.message,
                        startTime = excluded.startTime, endTime = excluded.endTime
                    """)
                for r in records {
                    try upsert.execute(arguments: StoredValues.arguments([
                        r.deploymentID.rawValue, r.host, r.address, r.status.rawValue, r.errorCode?.rawValue,
                        r.message, StoredValues.millis(r.startTime), StoredValues.millis(r.endTime),
                    ]))
                }
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw try missingParent(records.map { ($0.deploymentID, nil) })
        }
    }

    public func upsertEvents(_ records: [EventRecord]) throws {
        guard !records.isEmpty else { return }
        do {
            try stepWrite { db in
                let upsert = try db.cachedStatement(sql: """
                    INSERT INTO event (deploymentID, host, event, status, errorCode, message, scriptName,
                        startTime, endTime)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (deploymentID, host, event) DO UPDATE SET status = excluded.status,
                        errorCode = excluded.errorCode, message = excluded.message,
                        scriptName = excluded.scriptName, startTime = excluded.startTime,
                        endTime = excluded.endTime
                    """)
                for r in records {
                    try upsert.execute(arguments: StoredValues.arguments([
                        r.deploymentID.rawValue, r.host, r.event.rawValue, r.status.rawValue, r.errorCode?.rawValue,
                        r.message, r.scriptName, StoredValues.millis(r.startTime), StoredValues.millis(r.endTime),
                    ]))
                }
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw try missingParent(records.map { ($0.deploymentID, $0.host) })
        }
    }

    /// After a foreign-key failure: the first deployment, or host of a deployment, that
    /// the history does not hold.
    private func missingParent(_ parents: [(DeploymentID, host: String?)]) throws -> HistoryError {
        try pool.read { db in
            for (id, host) in parents {
                if try !exists(db, id) { return .unknownDeployment(id) }
                if let host, try !(Bool.fetchOne(
                    db, sql: "SELECT 1 FROM host WHERE deploymentID = ? AND host = ?", arguments: [id.rawValue, host]) ?? false) {
                    return .unknownHost(id, host: host)
                }
            }
            return .unknownDeployment(parents[0].0)
        }
    }

    public func upsertPhase(_ r: PhaseRecord) throws {
        do {
            try stepWrite { db in
                try db.execute(
                    sql: """
                        INSERT INTO phase (deploymentID, idx, name, detail, hosts, startTime, endTime)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (deploymentID, idx) DO UPDATE SET name = excluded.name, detail = excluded.detail,
                            hosts = excluded.hosts, startTime = excluded.startTime, endTime = excluded.endTime
                        """,
                    arguments: StoredValues.arguments([
                        r.deploymentID.rawValue, r.index, r.name, r.detail, r.hosts.joined(separator: "\n"),
                        StoredValues.millis(r.startTime), StoredValues.millis(r.endTime),
                    ]))
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw HistoryError.unknownDeployment(r.deploymentID)
        }
    }

    public func appendOutput(_ lines: [OutputRecord]) throws {
        guard !lines.isEmpty else { return }
        do {
            try stepWrite { db in
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO output (deploymentID, host, event, stream, time, text) VALUES (?, ?, ?, ?, ?, CAST(? AS TEXT))")
                for line in lines {
                    insert.setUncheckedArguments(StoredValues.arguments([
                        line.deploymentID.rawValue, line.host, line.event.rawValue, line.stream.rawValue,
                        StoredValues.millis(line.time), StoredValues.wholeText(line.text),
                    ]))
                    try insert.execute()
                }
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw try missingParent(lines.map { ($0.deploymentID, nil) })
        }
    }

    public func markFailedAfterRestart(_ id: DeploymentID, reason: String, at time: Date) throws -> Bool {
        try durableWrite { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM deployment WHERE id = ?", arguments: [id.rawValue])
            else { throw HistoryError.unknownDeployment(id) }
            if DeploymentStatus(rawValue: status)?.isFinal ?? true { return false }
            let end = StoredValues.millis(time)
            let failed = LifecycleErrorCode.failedAfterRestart.rawValue
            try db.execute(
                sql: """
                    UPDATE deployment SET status = 'Failed', errorCode = ?, errorMessage = ?,
                        endTime = COALESCE(endTime, ?) WHERE id = ?;
                    UPDATE host SET status = 'Failed', errorCode = ?, message = ?, endTime = COALESCE(endTime, ?)
                        WHERE deploymentID = ? AND status = 'InProgress';
                    UPDATE host SET status = 'Skipped' WHERE deploymentID = ? AND status = 'Pending';
                    UPDATE event SET status = 'Failed', errorCode = ?, message = ?, endTime = COALESCE(endTime, ?)
                        WHERE deploymentID = ? AND status = 'InProgress';
                    UPDATE event SET status = 'Skipped' WHERE deploymentID = ? AND status = 'Pending';
                    """,
                arguments: StoredValues.arguments([
                    DeploymentErrorCode.failedAfterRestart.rawValue, reason, end, id.rawValue,
                    failed, reason, end, id.rawValue,
                    id.rawValue,
                    failed, reason, end, id.rawValue,
                    id.rawValue,
                ]))
            return true
        }
    }

    public func recordDelivery(_ r: DeliveryRecord) throws {
        do {
            try stepWrite { db in
                try db.execute(
                    sql: """
                        INSERT INTO delivery (deploymentID, triggerName, event, host, target, status, attempts, error,
                            eventTime, endTime)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: StoredValues.arguments([
                        r.deploymentID.rawValue, r.trigger, r.event.rawValue, r.host, r.target, r.status.rawValue,
                        r.attempts, r.error, StoredValues.millis(r.eventTime), StoredValues.millis(r.endTime),
                    ]))
            }
        } catch where Self.isForeignKeyFailure(error) {
            throw HistoryError.unknownDeployment(r.deploymentID)
        }
    }
}
