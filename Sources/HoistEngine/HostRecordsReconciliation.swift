import Foundation
import HoistCore

/// The one rule for bringing the history in line with what a deployment's hosts say of it
/// (`HostRecordReading`), decided before anything is written. The next deployment, finding one
/// abandoned, records it Succeeded by it; `hoist show --refresh` applies all of it.
///
/// - No host rows recorded (the history's disk was full): the hosts that hold a record of it
///   are its hosts, when every host answered and they are as many as it had (`hostCount`).
/// - Each host row takes its host's word (status, error code, message).
/// - A deployment left unfinished, or only guessed abandoned (FAILED_AFTER_RESTART), that
///   every host it went to says succeeded is Succeeded, with each event as its host recorded
///   it and the last end as its own, so durations stop growing.
public struct HostRecordsReconciliation: Sendable {
    /// What applying it changed, for the caller to say.
    public enum Change: Sendable, Hashable {
        case host(String, was: InstanceStatus, now: InstanceStatus)
        case succeeded(was: DeploymentStatus)
    }

    public let id: DeploymentID
    /// The host rows as the hosts' word leaves them.
    public private(set) var rows: [HostRecord]
    /// The rows to write when only the hosts' word is applied: adopted or changed.
    private var rowsChanged: [HostRecord] = []
    private var hostChanges: [Change] = []
    private var success: (was: DeploymentStatus, events: [EventRecord], end: Date?)?

    /// Whether every host the deployment went to says it succeeded, so that applying this
    /// records the deployment Succeeded.
    public var recordsSucceeded: Bool { success != nil }

    /// `recorded`: the history's host rows of `deployment`; `now`: the end of a host that
    /// recorded no event.
    public init(_ deployment: DeploymentRecord, rows recorded: [HostRecord], readings: [HostRecordReading], now: Date) {
        let id = deployment.id
        self.id = id
        var records: [String: HostDeploymentRecord] = [:]
        for reading in readings {
            if let record = reading.record, record.deploymentID == id.rawValue { records[reading.host] = record }
        }
        var rows = recorded
        var changed: Set<String> = []
        if rows.isEmpty, readings.allSatisfy({ $0.error == nil }) {
            let holders = readings.filter { records[$0.host] != nil }
            if !holders.isEmpty, holders.count == deployment.hostCount {
                rows = holders.map { holder in
                    let record = records[holder.host]
                    return HostRecord(deploymentID: id, host: holder.host, address: holder.address,
                                      startTime: record?.events.map(\.start).min(), endTime: record?.lastEnd)
                }
                changed = Set(rows.map(\.host))
            }
        }
        for index in rows.indices {
            let host = rows[index].host
            guard let record = records[host], let status = InstanceStatus(rawValue: record.status), rows[index].status != status else { continue }
            hostChanges.append(.host(host, was: rows[index].status, now: status))
            rows[index].status = status
            rows[index].errorCode = record.errorCode.flatMap(LifecycleErrorCode.init(rawValue:))
            rows[index].message = record.message
            changed.insert(host)
        }
        if !deployment.status.isFinal || deployment.errorCode == .failedAfterRestart, !rows.isEmpty,
           rows.allSatisfy({ records[$0.host]?.status == InstanceStatus.succeeded.rawValue }) {
            let events = rows.flatMap { records[$0.host]?.eventRecords(id, host: $0.host) ?? [] }
            let end = rows.map { records[$0.host]?.lastEnd ?? now }.max()
            for index in rows.indices { rows[index].endTime = rows[index].endTime ?? records[rows[index].host]?.lastEnd }
            success = (deployment.status, events, end)
            changed = Set(rows.map(\.host))
        }
        self.rows = rows
        rowsChanged = rows.filter { changed.contains($0.host) }
    }

    /// Writes it; returns what was recorded. Nothing is when the host rows cannot be written,
    /// and the deployment stays as it was when its events or its end cannot.
    @discardableResult
    public func apply(to store: any HistoryStore) -> [Change] {
        if !rowsChanged.isEmpty, (try? store.upsertHosts(rowsChanged)) == nil { return [] }
        guard let success else { return hostChanges }
        guard (try? store.upsertEvents(success.events)) != nil,
              (try? store.updateDeployment(id, DeploymentUpdate(status: .succeeded, endTime: success.end, replacesVerdict: true))) != nil
        else { return hostChanges }
        return hostChanges + [.succeeded(was: success.was)]
    }
}
