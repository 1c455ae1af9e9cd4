import ArgumentParser
import Foundation
import HoistCore
import HoistHistory
import HoistPlanning

/// `hoist rollback`: deploy the group's last successful revision again (or the revision of a
/// named deployment), as a new deployment whose creator is rollback.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Deploy the group's previous revision (or --to ID's) again.",
        discussion: """
            After a successful deployment, the revision before the current one; after a failed \
            or stopped one, the last revision that succeeded. A deployment a rollback undid is \
            skipped, so rolling back twice steps back twice. --to takes a deployment of the \
            playbook's own deployment group.
            """)

    @Argument(help: "The playbook (deployment group).", completion: Completions.playbook)
    var playbook: String

    @Option(name: .long, help: "Roll back to the revision of this deployment of the group (default: the one before the current).")
    var to: String?

    @Option(name: .long, help: HostPatternHelp.help(note: " Default: the hosts of the group's latest deployment."))
    var hosts: String?

    @Option(name: .long, help: "Deployment configuration for the rollback: OneAtATime, HalfAtATime or AllAtOnce (default: the playbook's).")
    var config: String?

    @OptionGroup var output: OutputFlags

    @Option(name: .customLong("description"), help: "A note on this deployment (why, a ticket), recorded in the history and shown by `hoist show`.")
    var note: String?
    @Option(name: .long, help: "History file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`).") var db: String?
    @Option(name: .long, help: "Wait this long for the group's lock.") var lockWait: String?

    mutating func run() async throws {
        if output.json { JSONEnding.shared.expect() }
        let target = try loadTargetOrExit(playbook)
        guard let pb = target.playbook else { throw invalid("\(playbook) is an inventory; rollback needs a playbook") }
        let store = try openHistory(db: db, playbook: pb.historyPath)
        let history = try store.listDeployments(DeploymentFilter(application: pb.application, deploymentGroup: pb.deploymentGroup))
        let latest = history.first
        let source: DeploymentRecord
        do {
            if let to {
                guard let id = DeploymentID(to), let record = try store.deployment(id) else {
                    let commands = SuggestedCommands.naming(db: db, playbook: pb, at: playbook)
                    throw invalid("\(to): no such deployment in the history; `\(commands.list(group: pb.deploymentGroup))` shows them")
                }
                try RollbackSource.check(record, application: pb.application, deploymentGroup: pb.deploymentGroup)
                source = record
            } else {
                source = try RollbackSource.choose(history: history)
            }
        } catch let problem as RollbackSource.Problem {
            throw invalid(problem.description)
        }
        // The group as it was last deployed: a rollback puts back what those hosts had.
        var targetHosts = hosts.map(splitNames)
        var recordedBy: DeploymentID?
        if targetHosts == nil, let reached = try RollbackHosts.lastReached(history: history, hostsOf: { id in try store.hosts(of: id) }) {
            (targetHosts, recordedBy) = (reached.hosts, reached.by)
        }
        let scope = recordedBy.map { " on the hosts \($0) reached: \(HostNameList.text(targetHosts ?? []))" } ?? ""
        printToStderr("hoist: rolling back \(pb.deploymentGroup) to \(source.id) (\(source.revisionPath))\(scope)")
        let job = DeploymentJob(
            playbookPath: playbook, revisionPath: source.revisionPath, configName: config, fileExistsBehavior: source.fileExistsBehavior.rawValue,
            ignoreApplicationStopFailures: true, onlyHosts: targetHosts, onlyHostsRecordedBy: recordedBy, output: output.options, db: db,
            lockWait: lockWait, autoRollback: false, creator: .rollback, rollbackOf: latest?.id, description: note,
            recorded: RecordedRevision(of: source))
        try await job.runAsCommand()
    }
}

/// `hoist redeploy`: deploy a recorded deployment's revision again, to all its hosts or only
/// to those that failed or were never reached.
struct RedeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeploy",
        abstract: "Deploy the revision of an earlier deployment again.")

    @Argument(help: "The deployment id (d-XXXXXXXXX).", completion: Completions.deploymentID)
    var id: String

    @Flag(name: .long, help: "Only the hosts that failed or were never reached in that deployment.")
    var onlyFailed = false

    @Option(name: .long, help: "Deployment configuration: OneAtATime, HalfAtATime or AllAtOnce (default: the playbook's).")
    var config: String?

    @OptionGroup var output: OutputFlags

    @Option(name: .customLong("description"), help: "A note on this deployment (why, a ticket), recorded in the history and shown by `hoist show`.")
    var note: String?
    @OptionGroup var history: HistoryOptions
    @Option(name: .long, help: "Wait this long for the group's lock.") var lockWait: String?

    mutating func run() async throws {
        if output.json { JSONEnding.shared.expect() }
        let store = try history.openStore()
        guard let deploymentID = DeploymentID(id), let record = try store.deployment(deploymentID) else {
            throw invalid("\(id): no such deployment in the history; `\(history.commands.list())` shows them")
        }
        let hosts = RollbackHosts.redeploy(recorded: try store.hosts(of: deploymentID), onlyFailed: onlyFailed)
        if onlyFailed, hosts?.isEmpty == true {
            printToStderr("hoist: every host of \(id) succeeded; nothing to redeploy")
            return
        }
        let job = DeploymentJob(
            playbookPath: record.playbookPath, revisionPath: record.revisionPath, configName: config,
            fileExistsBehavior: record.fileExistsBehavior.rawValue, onlyHosts: hosts, onlyHostsRecordedBy: hosts == nil ? nil : deploymentID,
            output: output.options, db: history.db, lockWait: lockWait,
            creator: .redeploy, rollbackOf: deploymentID, description: note,
            recorded: RecordedRevision(of: record))
        try await job.runAsCommand()
    }
}

func invalid(_ message: String) -> ExitCode {
    printToStderr("hoist: " + message)
    return ExitCode(HoistExitCode.invalidInput)
}

func loadTargetOrExit(_ path: String) throws -> LoadedTarget {
    do { return try loadTarget(path: path) } catch is InvalidInput { throw ExitCode(HoistExitCode.invalidInput) }
}
