import ArgumentParser
import Foundation
import HoistCore
import HoistEngine
import HoistHistory

/// `hoist show ID`: one deployment, each host and each lifecycle event.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a deployment's hosts and lifecycle events.")

    @Argument(help: "The deployment id, like d-AB12CD34E.", completion: Completions.deploymentID)
    var id: String

    @OptionGroup var history: HistoryOptions

    @Flag(help: "Print JSON instead of a report.")
    var json = false

    @Flag(help: "Also ask the hosts: each keeps its own record of what it received; the history is brought in line with them.")
    var refresh = false

    func run() async throws {
        let id = try history.deploymentID(self.id)
        // With --refresh the hosts are asked even when this machine has no history yet.
        guard let store = try refresh ? history.openStore() : history.openExistingStore() else { throw history.unknownDeployment(id) }
        let detail = try HistoryCommandFailure.reporting({ try store.detail(id, commands: history.commands) })
        var reports: [HostRecordReading] = []
        if refresh {
            guard let path = history.playbook ?? detail?.deployment.playbookPath else {
                throw HistoryCommandFailure.invalidInput("\(id) is not in this history; pass --playbook PLAYBOOK so the hosts can be asked")
            }
            let target = try loadTargetOrExit(path)
            guard let pb = target.playbook else { throw invalid("\(path) is an inventory; --playbook needs a playbook") }
            reports = await HostRecordsRefresh(target: target, playbook: pb, deploymentID: id.rawValue).fetch()
            for change in HostRecordsRefresh.reconcile(reports, store: store, id: id, playbookConfig: pb.deploymentConfig) { printToStderr("hoist: updated history: \(change)") }
        }
        if var detail = try HistoryCommandFailure.reporting({ try store.detail(id, commands: history.commands) }) ?? detail {
            detail.abandoned = abandonedReason(detail.deployment)
            // Its failed events' output tails are what hooks printed.
            writeToStandardOutput(json ? try HistoryJSON.encode(detail) : HistoryText(now: store.now()).show(detail))
        } else if !refresh {
            throw history.unknownDeployment(id)
        }
        if refresh && !json { writeToStandardOutput(HostRecordsRefresh.text(reports, id: id.rawValue)) }
    }
}
