import Foundation
import HoistCore
import NIOCore
import PostgresNIO

/// Reads, each one statement (a consistent snapshot of committed writes).
extension PostgresHistoryStore {
    public func listDeployments(_ filter: DeploymentFilter) throws -> [DeploymentRecord] {
        var conditions: [String] = []
        var binds = Binds()
        for (column, value) in [("application", filter.application), ("deploymentGroup", filter.deploymentGroup),
                                ("status", filter.status?.rawValue), ("rollbackOf", filter.rollbackOf?.rawValue)] {
            guard let value else { continue }
            binds.add(value)
            conditions.append("\(column) = $\(binds.count)")
        }
        var sql = "SELECT \(PostgresRows.Columns.deployment) FROM deployment"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY createTime DESC, seq DESC"
        if let limit = filter.limit {
            binds.add(max(0, limit))
            sql += " LIMIT $\(binds.count)"
        }
        return try fetch(sql, binds, rows.deployment)
    }

    public func deployment(_ id: DeploymentID) throws -> DeploymentRecord? {
        try fetch("SELECT \(PostgresRows.Columns.deployment) FROM deployment WHERE id = $1", Binds([id.rawValue]), rows.deployment).first
    }

    public func hosts(of id: DeploymentID) throws -> [HostRecord] {
        try fetch("SELECT \(PostgresRows.Columns.host) FROM host WHERE deploymentID = $1 ORDER BY seq", Binds([id.rawValue]), rows.host)
    }

    public func events(of id: DeploymentID, host: String?) throws -> [EventRecord] {
        if let host {
            return try fetch(
                "SELECT \(PostgresRows.Columns.event) FROM event WHERE deploymentID = $1 AND host = $2 ORDER BY seq",
                Binds([id.rawValue, host]), rows.event)
        }
        return try fetch("SELECT \(PostgresRows.Columns.event) FROM event WHERE deploymentID = $1 ORDER BY seq", Binds([id.rawValue]), rows.event)
    }

    public func output(
        of id: DeploymentID, host: String?, event: LifecycleEvent?, afterSeq: Int64, limit: Int
    ) throws -> [OutputRecord] {
        var sql = "SELECT \(PostgresRows.Columns.output) FROM output WHERE deploymentID = $1 AND seq > $2"
        var binds = Binds([id.rawValue, afterSeq])
        if let host {
            binds.add(host)
            sql += " AND host = $\(binds.count)"
        }
        if let event {
            binds.add(event.rawValue)
            sql += " AND event = $\(binds.count)"
        }
        binds.add(max(0, limit))
        sql += " ORDER BY seq LIMIT $\(binds.count)"
        return try fetch(sql, binds, rows.output)
    }

    public func phases(of id: DeploymentID) throws -> [PhaseRecord] {
        try fetch("SELECT \(PostgresRows.Columns.phase) FROM phase WHERE deploymentID = $1 ORDER BY idx", Binds([id.rawValue]), rows.phase)
    }

    public func deliveries(of id: DeploymentID) throws -> [DeliveryRecord] {
        try fetch("SELECT \(PostgresRows.Columns.delivery) FROM delivery WHERE deploymentID = $1 ORDER BY seq", Binds([id.rawValue]), rows.delivery)
    }

    public func lastSucceeded(group: String) throws -> DeploymentRecord? {
        try fetch(
            """
            SELECT \(PostgresRows.Columns.deployment) FROM deployment WHERE deploymentGroup = $1 AND status = 'Succeeded'
            ORDER BY createTime DESC, seq DESC LIMIT 1
            """, Binds([group]), rows.deployment
        ).first
    }

    public func unfinished(group: String?) throws -> [DeploymentRecord] {
        var binds = Binds()
        var marks: [String] = []
        for status in DeploymentStatus.allCases where !status.isFinal {
            binds.add(status.rawValue)
            marks.append("$\(binds.count)")
        }
        var sql = "SELECT \(PostgresRows.Columns.deployment) FROM deployment WHERE status IN (\(marks.joined(separator: ", ")))"
        if let group {
            binds.add(group)
            sql += " AND deploymentGroup = $\(binds.count)"
        }
        return try fetch(sql + " ORDER BY createTime, seq", binds, rows.deployment)
    }

    /// Waits for a notification naming `id` on a connection of its own (LISTEN), or `limit`.
    public func waitForChange(of id: DeploymentID, limit: Duration) async {
        await followers.wait(for: id.rawValue, limit: limit)
    }

    private func fetch<Record>(_ sql: String, _ binds: Binds, _ decode: (PostgresRow) throws -> Record) throws -> [Record] {
        try read { session in try session.query(sql, binds.bindings).map(decode) }
    }
}
