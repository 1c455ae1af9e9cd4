import ArgumentParser
import HoistCore
import HoistHistory

/// `hoist list`: past and running deployments, newest first.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List deployments from the history, newest first.")

    @OptionGroup var history: HistoryOptions

    @Option(help: "Only deployments of this deployment group.")
    var group: String?

    @Option(help: "Only deployments of this application.")
    var application: String?

    @Option(help: ArgumentHelp(
        "Only deployments with this status: \(DeploymentStatus.allCases.map(\.rawValue).joined(separator: ", ")).",
        valueName: "status"))
    var status: String?

    @Option(help: "At most this many deployments.")
    var limit: Int = 20

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        guard limit > 0 else { throw HistoryCommandFailure.invalidInput("--limit must be a positive number, not \(limit).") }
        let status: DeploymentStatus? = try self.status.map { try HistoryCommandFailure.named($0, "deployment status") }
        guard let store = try history.openExistingStore() else {
            writeToStandardOutput(json ? try HistoryJSON.encode([DeploymentSummary]()) : HistoryText().list([]))
            return
        }
        let filter = DeploymentFilter(application: application, deploymentGroup: group, status: status, limit: limit)
        let rows = try HistoryCommandFailure.reporting { try store.summaries(filter) }.map { row in
            var row = row
            row.abandoned = abandonedReason(row.deployment)
            return row
        }
        writeToStandardOutput(json ? try HistoryJSON.encode(rows) : HistoryText(now: store.now()).list(rows))
    }
}
