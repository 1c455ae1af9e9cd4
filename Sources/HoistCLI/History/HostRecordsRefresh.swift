import Foundation
import HoistCore
import HoistEngine
import HoistHistory
import HoistPlanning

/// What hosts themselves say about a deployment: each host keeps `deployment.json` for every
/// deployment it received, so a machine with no (or stale) history still sees the truth.
struct HostRecordsRefresh {
    var target: LoadedTarget
    var playbook: Playbook
    var deploymentID: String

    struct Report {
        var host: String
        var address: String = ""
        var record: HostDeploymentRecord?
        var latestOnHost: HostDeploymentRecord?
        var error: String?
    }

    func fetch() async -> [Report] {
        let connector = makeConnector(for: target)
        let groupID = HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup)
        return await withTaskGroup(of: Report.self) { group in
            for host in target.hosts {
                group.addTask {
                    let layout = HostLayout(root: host.deploymentRoot, groupID: groupID)
                    let commands = HostCommands(layout: layout, deploymentID: deploymentID, become: RemoteProgram.usesSudo(host))
                    let program = commands.readRecords
                    do {
                        let session = try await connector.connect(host)
                        defer { Task { await session.close() } }
                        let (_, out, _) = try await session.capture(program, timeoutSeconds: 60)
                        let reply = HostRecordsReply.parse(out)
                        return Report(host: host.name, address: host.address, record: Self.decode(reply.this), latestOnHost: Self.decode(reply.latest))
                    } catch {
                        return Report(host: host.name, address: host.address, error: "\(error)")
                    }
                }
            }
            var reports: [Report] = []
            for await r in group { reports.append(r) }
            return reports.sorted { $0.host < $1.host }
        }
    }

    static func decode(_ text: String) -> HostDeploymentRecord? { HostDeploymentRecord.parse(text) }

    /// Brings the history's host rows in line with what the hosts say; returns what changed.
    static func reconcile(_ reports: [Report], store: any HistoryStore, id: DeploymentID) -> [String] {
        guard var rows = try? store.hosts(of: id) else { return [] }
        // None recorded (the history's disk was full): the hosts that hold a record of it are
        // its hosts, when every host answered and they are as many as it had.
        if rows.isEmpty, reports.allSatisfy({ $0.error == nil }), let deployment = try? store.deployment(id) {
            let holders = reports.filter { $0.record?.deploymentID == id.rawValue }
            if !holders.isEmpty, holders.count == deployment.hostCount {
                rows = holders.map { HostRecord(deploymentID: id, host: $0.host, address: $0.address,
                                                startTime: $0.record?.events.map(\.start).min(), endTime: $0.record?.lastEnd) }
                if (try? store.upsertHosts(rows)) == nil { return [] }
            }
        }
        var changed: [String] = []
        for report in reports {
            guard let record = report.record, let status = InstanceStatus(rawValue: record.status),
                  var row = rows.first(where: { $0.host == report.host }), row.status != status else { continue }
            changed.append("\(report.host): history said \(row.status.rawValue), the host says \(status.rawValue)")
            row.status = status
            row.errorCode = record.errorCode.flatMap(LifecycleErrorCode.init(rawValue:))
            row.message = record.message
            try? store.upsertHost(row)
        }
        // A deployment left unfinished (its coordinator could not record its end), or only
        // guessed abandoned (FAILED_AFTER_RESTART, by a deployment that could not reach every
        // host), that every host it went to says succeeded: Succeeded, as the next deployment
        // records it. Each event as the host recorded it, so durations stop growing.
        if let record = try? store.deployment(id), !record.status.isFinal || record.errorCode == .failedAfterRestart, !rows.isEmpty,
           rows.allSatisfy({ row in reports.first { $0.host == row.host }?.record?.status == InstanceStatus.succeeded.rawValue }) {
            // Only its hosts' records of it: another host's events have no row to belong to.
            let its = reports.filter { report in report.record?.deploymentID == id.rawValue && rows.contains { $0.host == report.host } }
            let end = its.compactMap { $0.record?.lastEnd }.max()
            let events = its.flatMap { $0.record?.eventRecords(id, host: $0.host) ?? [] }
            // As the loop above left them.
            let hostEnds = ((try? store.hosts(of: id)) ?? rows).map { row -> HostRecord in
                var row = row
                row.endTime = row.endTime ?? reports.first { $0.host == row.host }?.record?.lastEnd
                return row
            }
            if (try? store.upsertEvents(events)) != nil, (try? store.upsertHosts(hostEnds)) != nil,
               (try? store.updateDeployment(id, DeploymentUpdate(status: .succeeded, endTime: end, replacesVerdict: true))) != nil {
                changed.append("\(id.rawValue): history said \(record.status.rawValue), every host says Succeeded")
            }
        }
        return changed
    }

    static func text(_ reports: [Report], id: String) -> String {
        var lines = ["", "What the hosts say (read just now):"]
        for r in reports {
            if let error = r.error { lines.append("  \(r.host): unreachable: \(error)"); continue }
            var line = "  \(r.host): "
            if let rec = r.record {
                line += "\(id) \(rec.status)" + (rec.errorCode.map { " \($0)" } ?? "")
                let failed = rec.events.first { $0.status == "Failed" }
                if let failed { line += " at \(failed.event): \(failed.message ?? "")" }
            } else {
                // It may have received it and failed to write its record as it went silent.
                line += "holds no record of \(id)"
            }
            if let latest = r.latestOnHost, latest.deploymentID != id {
                line += "; its latest deployment of the group is \(latest.deploymentID) (\(latest.status), \(latest.revision))"
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
