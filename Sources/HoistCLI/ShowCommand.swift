import ArgumentParser
import HoistCore
import HoistHistory

/// `hoist show ID`: one deployment, each host and each lifecycle event.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a deployment's hosts and lifecycle events.")

    @Argument(help: "The deployment id, like d-AB12CD34E.")
    var id: String

    @OptionGroup var history: HistoryOptions

    @Flag(help: "Print JSON instead of a report.")
    var json = false

    func run() throws {
        let id = try HistoryCommandFailure.deploymentID(self.id)
        let store = try history.openStore()
        guard let detail = try HistoryCommandFailure.reporting({ try store.detail(id) }) else {
            throw HistoryCommandFailure.invalidInput(HistoryError.unknownDeployment(id).description)
        }
        writeToStandardOutput(json ? try HistoryJSON.encode(detail) : HistoryText().show(detail))
    }
}
