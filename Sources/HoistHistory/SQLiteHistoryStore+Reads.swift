import Foundation
import GRDB
import HoistCore

/// Reads. Each runs on a WAL snapshot, so it sees whole committed steps only and never
/// waits for a deployment that is writing.
extension SQLiteHistoryStore {
    public func listDeployments(_ filter: DeploymentFilter) throws -> [DeploymentRecord] {
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let application = filter.application {
            conditions.append("application = ?")
            arguments += [application.storable]
        }
        if let group = filter.deploymentGroup {
            conditions.append("deploymentGroup = ?")
            arguments += [group.storable]
        }
        if let status = filter.status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let earlier = filter.rollbackOf {
            conditions.append("rollbackOf = ?")
            arguments += [earlier.rawValue]
        }
        var sql = "SELECT * FROM deployment"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY createTime DESC, seq DESC"
        if let limit = filter.limit {
            sql += " LIMIT ?"
            arguments += [max(0, limit)]
        }
        return try fetch(sql, arguments, values.deployment)
    }

    public func deployment(_ id: DeploymentID) throws -> DeploymentRecord? {
        try fetch("SELECT * FROM deployment WHERE id = ?", [id.rawValue], values.deployment).first
    }

    public func hosts(of id: DeploymentID) throws -> [HostRecord] {
        try fetch("SELECT * FROM host WHERE deploymentID = ? ORDER BY seq", [id.rawValue], values.host)
    }

    public func events(of id: DeploymentID, host: String?) throws -> [EventRecord] {
        if let host {
            return try fetch(
                "SELECT * FROM event WHERE deploymentID = ? AND host = ? ORDER BY seq", [id.rawValue, host], values.event)
        }
        return try fetch("SELECT * FROM event WHERE deploymentID = ? ORDER BY seq", [id.rawValue], values.event)
    }

    public func output(
        of id: DeploymentID, host: String?, event: LifecycleEvent?, afterSeq: Int64, limit: Int
    ) throws -> [OutputRecord] {
        var sql = "SELECT deploymentID, host, event, seq, stream, time, \(StoredValues.wholeTextColumn("text")) FROM output WHERE deploymentID = ? AND seq > ?"
        var arguments: StatementArguments = [id.rawValue, afterSeq]
        if let host {
            sql += " AND host = ?"
            arguments += [host.storable]
        }
        if let event {
            sql += " AND event = ?"
            arguments += [event.rawValue]
        }
        sql += " ORDER BY seq LIMIT ?"
        arguments += [max(0, limit)]
        return try fetch(sql, arguments, values.output)
    }

    public func phases(of id: DeploymentID) throws -> [PhaseRecord] {
        try fetch("SELECT * FROM phase WHERE deploymentID = ? ORDER BY idx", [id.rawValue], values.phase)
    }

    public func deliveries(of id: DeploymentID) throws -> [DeliveryRecord] {
        try fetch("SELECT * FROM delivery WHERE deploymentID = ? ORDER BY seq", [id.rawValue], values.delivery)
    }

    public func lastSucceeded(group: String) throws -> DeploymentRecord? {
        try fetch(
            """
            SELECT * FROM deployment WHERE deploymentGroup = ? AND status = 'Succeeded'
            ORDER BY createTime DESC, seq DESC LIMIT 1
            """, [group], values.deployment
        ).first
    }

    public func unfinished(group: String?) throws -> [DeploymentRecord] {
        let open = DeploymentStatus.allCases.filter { !$0.isFinal }
        let marks = Array(repeating: "?", count: open.count).joined(separator: ", ")
        var sql = "SELECT * FROM deployment WHERE status IN (\(marks))"
        var arguments = StatementArguments(open.map(\.rawValue))
        if let group {
            sql += " AND deploymentGroup = ?"
            arguments += [group.storable]
        }
        return try fetch(sql + " ORDER BY createTime, seq", arguments, values.deployment)
    }

    private func fetch<Record>(
        _ sql: String, _ arguments: StatementArguments, _ decode: (Row) throws -> Record
    ) throws -> [Record] {
        try pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map(decode)
        }
    }
}
