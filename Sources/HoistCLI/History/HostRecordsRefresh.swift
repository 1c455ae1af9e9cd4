import Foundation
import HoistCore
import HoistEngine
import HoistHistory
import HoistPlanning

/// `hoist show --refresh`: what hosts themselves say about a deployment. Each keeps
/// `deployment.json` for every deployment it received, so a machine with no (or stale) history
/// still sees the truth. The engine reads them (`HostRecordsReader`) and judges them
/// (`HostRecordsReconciliation`); this says what it found.
struct HostRecordsRefresh {
    var target: LoadedTarget
    var playbook: Playbook
    var deploymentID: String

    func fetch() async -> [HostRecordReading] {
        let groupID = HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup)
        let reader = HostRecordsReader(connector: makeConnector(for: target), groupID: groupID)
        return await reader.read(deploymentID, on: target.hosts).sorted { $0.host < $1.host }
    }

    /// Brings the history's host rows in line with what the hosts say; returns what changed.
    /// `playbookConfig`: the playbook's configuration, the only place a custom one is known.
    static func reconcile(_ reports: [HostRecordReading], store: any HistoryStore, id: DeploymentID, playbookConfig: DeploymentConfig? = nil) -> [String] {
        guard let deployment = try? store.deployment(id), let rows = try? store.hosts(of: id) else { return [] }
        let reconciliation = HostRecordsReconciliation(deployment, playbookConfig: playbookConfig, rows: rows, readings: reports,
                                                       now: store.now())
        let applied = reconciliation.apply(to: store)
        return applied.hosts.map { "\($0.host): history said \($0.was.rawValue), the host says \($0.now.rawValue)" }
            + (applied.end.map { ["\(id.rawValue): history said \($0.was.rawValue), \($0.judgement(config: deployment.deploymentConfigName))"] } ?? [])
    }

    static func text(_ reports: [HostRecordReading], id: String) -> String {
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
