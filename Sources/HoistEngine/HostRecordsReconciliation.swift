import Foundation
import HoistCore
import HoistPlanning

/// The one rule for bringing the history in line with what a deployment's hosts say of it
/// (`HostRecordReading`), decided before anything is written. The next deployment, finding one
/// abandoned, records its end by it; `hoist show --refresh` applies all of it.
///
/// - No host rows recorded (the history's disk was full): the hosts that hold a record of it
///   are its hosts, when every host answered and they are as many as it had (`hostCount`).
/// - Each host row takes its host's word (status, error code, message).
/// - A deployment left unfinished, or only guessed abandoned (FAILED_AFTER_RESTART), gets its
///   end, with each event as its host recorded it and the last end as its own, so durations
///   stop growing:
///   - every host it went to says it succeeded: Succeeded;
///   - in place, with its configuration known (`config`), and every host it went to at an end
///     (its own record says Succeeded or Failed, or the history saw it fail): the verdict the
///     rollout gives once every host has run (`DeploymentVerdict.everyHostRan`), Succeeded
///     when enough succeeded, else Failed (HEALTH_CONSTRAINTS). No rollback is run for it.
///   A host with no end (never reached, or its record unread) leaves the deployment as it is.
///   A host's record does not say why it failed in a form this can read apart from a script's
///   failure, so a deployment stopped at once (its hooks killed) whose coordinator was then
///   lost is judged as if those hosts had failed: Succeeded or Failed, never Stopped.
public struct HostRecordsReconciliation: Sendable {
    /// A host row that took its host's word.
    public struct HostChange: Sendable, Hashable {
        public var host: String
        public var was: InstanceStatus
        public var now: InstanceStatus
    }

    /// The end recorded for the deployment.
    public enum End: Sendable, Hashable {
        /// Recorded Succeeded; `succeeded` of `hosts` hosts say so.
        case succeeded(was: DeploymentStatus, succeeded: Int, hosts: Int)
        /// Recorded Failed with the rollout's error, as too few hosts succeeded.
        case failed(was: DeploymentStatus, errorCode: DeploymentErrorCode, succeeded: Int, hosts: Int)

        public var was: DeploymentStatus {
            switch self { case .succeeded(let was, _, _), .failed(let was, _, _, _): was }
        }

        /// Whether it was recorded Failed.
        public var isFailure: Bool {
            if case .failed = self { true } else { false }
        }

        /// Whether every host it went to succeeded.
        public var everyHostSucceeded: Bool {
            if case .succeeded(_, let succeeded, let hosts) = self { succeeded == hosts } else { false }
        }

        /// What the hosts said and what it made of it, under `config` (its name), e.g. `3 of 4
        /// hosts say Succeeded and the rest Failed, enough for Canary: Succeeded`.
        public func judgement(config: String) -> String {
            switch self {
            case .succeeded(_, let succeeded, let hosts) where succeeded == hosts:
                "every host says Succeeded"
            case .succeeded(_, let succeeded, let hosts):
                "\(succeeded) of \(hosts) hosts say Succeeded and the rest Failed, enough for \(config): Succeeded"
            case .failed(_, let code, let succeeded, let hosts):
                "only \(succeeded) of \(hosts) hosts say Succeeded and the rest Failed, too few for \(config): Failed (\(code.rawValue))"
            }
        }
    }

    /// What applying it recorded, for the caller to say.
    public struct Applied: Sendable, Hashable {
        public var hosts: [HostChange] = []
        public var end: End?
    }

    /// The end the hosts' word gives the deployment.
    private struct Ending: Sendable {
        var was: DeploymentStatus
        var verdict: DeploymentVerdict
        var events: [EventRecord]
        var end: Date?
    }

    public let id: DeploymentID
    /// The host rows as the hosts' word leaves them.
    public private(set) var rows: [HostRecord]
    /// The rows to write when only the hosts' word is applied: adopted or changed.
    private var rowsChanged: [HostRecord] = []
    private var hostChanges: [HostChange] = []
    private var ending: Ending?

    /// Whether applying this records the deployment's end (Succeeded or Failed).
    public var recordsEnd: Bool { ending != nil }

    /// The same, judged under the configuration `deployment` names: a predefined one, or
    /// `playbookConfig` when that is the custom one of that name (`DeploymentConfig.named`).
    public init(_ deployment: DeploymentRecord, playbookConfig: DeploymentConfig?, rows recorded: [HostRecord],
                readings: [HostRecordReading], now: Date) {
        self.init(deployment, config: DeploymentConfig.named(deployment.deploymentConfigName, custom: playbookConfig),
                  rows: recorded, readings: readings, now: now)
    }

    /// `recorded`: the history's host rows of `deployment`; `config`: the configuration it
    /// ran with, nil when unknown; `now`: the end of a host that recorded no event.
    public init(_ deployment: DeploymentRecord, config: DeploymentConfig?, rows recorded: [HostRecord],
                readings: [HostRecordReading], now: Date) {
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
            hostChanges.append(HostChange(host: host, was: rows[index].status, now: status))
            rows[index].status = status
            rows[index].errorCode = record.errorCode.flatMap(LifecycleErrorCode.init(rawValue:))
            rows[index].message = record.message
            changed.insert(host)
        }
        if !deployment.status.isFinal || deployment.errorCode == .failedAfterRestart, !rows.isEmpty,
           let verdict = Self.verdict(deployment, config: config, rows: rows, records: records) {
            let events = rows.flatMap { records[$0.host]?.eventRecords(id, host: $0.host) ?? [] }
            let end = rows.map { records[$0.host]?.lastEnd ?? $0.endTime ?? now }.max()
            for index in rows.indices { rows[index].endTime = rows[index].endTime ?? records[rows[index].host]?.lastEnd }
            ending = Ending(was: deployment.status, verdict: verdict, events: events, end: end)
            changed = Set(rows.map(\.host))
        }
        self.rows = rows
        rowsChanged = rows.filter { changed.contains($0.host) }
    }

    /// How the deployment ended, when its hosts' word settles it; nil when it does not.
    private static func verdict(_ deployment: DeploymentRecord, config: DeploymentConfig?, rows: [HostRecord],
                                records: [String: HostDeploymentRecord]) -> DeploymentVerdict? {
        // Success is taken only from a host's own record; a failure the history saw is final
        // too: the host's record of it was written before the history heard, and a host
        // unreachable at the end could write none. Not one a FAILED_AFTER_RESTART guess wrote.
        let ends = rows.map { row -> RolloutHostOutcome? in
            switch records[row.host].flatMap({ InstanceStatus(rawValue: $0.status) }) {
            case .succeeded: RolloutHostOutcome(name: row.host, status: .succeeded)
            case .failed: RolloutHostOutcome(name: row.host, status: .failed)
            case nil where row.status == .failed && row.errorCode != .failedAfterRestart:
                RolloutHostOutcome(name: row.host, status: .failed)
            default: nil
            }
        }
        let outcomes = ends.compactMap { $0 }
        guard outcomes.count == ends.count else { return nil }
        // Every host counted healthy at the start (`priorHealth`), so the minimum is the one
        // the rollout used. Blue/green has traffic and two fleets to judge: recorded only when
        // every host succeeded, as before.
        if let config, deployment.deploymentType == .inPlace, rows.count >= deployment.hostCount {
            return DeploymentVerdict.everyHostRan(
                outcomes, limits: RolloutLimits(config: config, fleetSize: rows.count, healthyAtStart: rows.count))
        }
        guard outcomes.allSatisfy({ $0.status == .succeeded }) else { return nil }
        return DeploymentVerdict(status: .succeeded, errorCode: nil, message: "", hosts: outcomes)
    }

    /// Writes it; returns what was recorded. Nothing is when the host rows cannot be written,
    /// and the deployment stays as it was when its events or its end cannot.
    @discardableResult
    public func apply(to store: any HistoryStore) -> Applied {
        if !rowsChanged.isEmpty, (try? store.upsertHosts(rowsChanged)) == nil { return Applied() }
        guard let ending else { return Applied(hosts: hostChanges) }
        let verdict = ending.verdict
        let update = DeploymentUpdate(status: verdict.status, errorCode: verdict.errorCode,
                                      errorMessage: verdict.message.isEmpty ? nil : verdict.message,
                                      endTime: ending.end, replacesVerdict: true)
        guard (try? store.upsertEvents(ending.events)) != nil, (try? store.updateDeployment(id, update)) != nil
        else { return Applied(hosts: hostChanges) }
        let succeeded = verdict.count(.succeeded)
        let end: End = verdict.errorCode.map { .failed(was: ending.was, errorCode: $0, succeeded: succeeded, hosts: rows.count) }
            ?? .succeeded(was: ending.was, succeeded: succeeded, hosts: rows.count)
        return Applied(hosts: hostChanges, end: end)
    }
}
