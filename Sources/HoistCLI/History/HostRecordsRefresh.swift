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

    typealias Report = HostRecordReading

    func fetch() async -> [Report] {
        let groupID = HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup)
        let reader = HostRecordsReader(connector: makeConnector(for: target), groupID: groupID)
        return await reader.read(deploymentID, on: target.hosts).sorted { $0.host < $1.host }
    }

    /// Brings the history's host rows in line with what the hosts say; returns what changed.
    /// `playbookConfig`: the playbook's configuration, the only place a custom one is known.
    static func reconcile(_ reports: [Report], store: any HistoryStore, id: DeploymentID, playbookConfig: DeploymentConfig? = nil) -> [String] {
        guard let deployment = try? store.deployment(id), let rows = try? store.hosts(of: id) else { return [] }
        let config = DeploymentConfig.named(deployment.deploymentConfigName, custom: playbookConfig.map { [$0] } ?? [])
        let reconciliation = HostRecordsReconciliation(deployment, config: config, rows: rows, readings: reports, now: store.now())
        return reconciliation.apply(to: store).map { change in
            switch change {
            case .host(let host, let was, let now): "\(host): history said \(was.rawValue), the host says \(now.rawValue)"
            case .succeeded(let was, let succeeded, let hosts) where succeeded == hosts:
                "\(id.rawValue): history said \(was.rawValue), every host says Succeeded"
            case .succeeded(let was, let succeeded, let hosts):
                "\(id.rawValue): history said \(was.rawValue), \(succeeded) of \(hosts) hosts say Succeeded and the rest Failed, "
                    + "enough for \(deployment.deploymentConfigName): Succeeded"
            case .failed(let was, let code, let succeeded, let hosts):
                "\(id.rawValue): history said \(was.rawValue), only \(succeeded) of \(hosts) hosts say Succeeded and the rest Failed, "
                    + "too few for \(deployment.deploymentConfigName): Failed (\(code.rawValue))"
            }
        }
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
