import Foundation
import ArgumentParser
import HoistCore
import HoistHistory

/// `hoist logs ID`: the output hosts printed during a deployment, optionally followed live
/// from another process while the deployment runs.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print a deployment's script output: host event [stream] text.")

    @Argument(help: "The deployment id, like d-AB12CD34E.", completion: Completions.deploymentID)
    var id: String

    @OptionGroup var history: HistoryOptions

    @Option(help: "Only this host's output.")
    var host: String?

    @Option(help: "Only this lifecycle event's output, like AfterInstall.")
    var event: String?

    @Flag(help: "Keep printing new output until the deployment ends (or its coordinator, on this machine, is gone).")
    var follow = false

    /// The longest `--follow` waits before reading again, and before it sees that its reader
    /// has gone: a store that announces writes (PostgreSQL) wakes it sooner; the SQLite file
    /// is polled every 300 ms.
    static let followLimit: Duration = .seconds(5)
    static let pageSize = 1000

    func run() async throws {
        let id = try history.deploymentID(self.id)
        let event: LifecycleEvent? = try self.event.map { try HistoryCommandFailure.named($0, "lifecycle event") }
        guard let store = try history.openExistingStore() else { throw history.unknownDeployment(id) }
        var afterSeq: Int64 = 0
        var followedWhileRunning = false
        while true {
            // Read the status before draining: lines written before the deployment ended
            // are then certain to be drained before we stop.
            let deployment = try HistoryCommandFailure.reporting { try store.deployment(id) }
            guard let deployment else {
                throw history.unknownDeployment(id)
            }
            if let host, deployment.status.isFinal || !follow, try !store.hosts(of: id).contains(where: { $0.host == host }) {
                throw HistoryCommandFailure.invalidInput("Deployment \(id) has no host '\(host)'; `\(history.commands.show(id.rawValue))` lists its hosts.")
            }
            // Judged before draining too: a coordinator already gone writes no more lines.
            let abandoned = follow ? abandonedReason(deployment) : nil
            afterSeq = try drain(store, id, event: event, after: afterSeq)
            if let abandoned {
                Console.shared.err("hoist: stopped following \(id): \(abandoned), so it prints nothing more; the history calls it "
                    + "\(deployment.status.rawValue) until the group's next deployment marks it Failed")
                return
            }
            // A reader that went away (`| head`) ends the follow, as SIGPIPE used to, whether or
            // not there was output to write since: a quiet deployment may run for hours.
            if follow, deployment.status.isFinal, followedWhileRunning {
                // The follow's end is the deployment's: without a word, one marked Failed by a
                // teammate's deployment looked the same as one that succeeded.
                let why = deployment.errorMessage.map { ": \($0)" } ?? ""
                Console.shared.err("hoist: \(id) ended \(deployment.status.rawValue)\(why)")
            }
            if !follow || deployment.status.isFinal || Console.shared.isDead(STDOUT_FILENO) { return }
            followedWhileRunning = true
            await store.waitForChange(of: id, limit: Self.followLimit)
        }
    }

    /// Prints every line after `seq`, page by page; returns the last seq printed.
    private func drain(_ store: some HistoryStore, _ id: DeploymentID, event: LifecycleEvent?, after seq: Int64) throws -> Int64 {
        var seq = seq
        while true {
            let page = try store.output(of: id, host: host, event: event, afterSeq: seq, limit: Self.pageSize)
            guard let last = page.last else { return seq }
            writeToStandardOutput(page.map { HistoryText.logLine($0) + "\n" }.joined())
            seq = last.seq
            // Nobody reads any more (`| head -1`): reading the rest of two million lines
            // took as long as printing them all.
            if page.count < Self.pageSize || Console.shared.isDead(STDOUT_FILENO) { return seq }
        }
    }
}
