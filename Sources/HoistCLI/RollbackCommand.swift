import ArgumentParser
import Foundation
import HoistCore
import HoistHistory

/// `hoist rollback`: deploy the group's last successful revision again (or the revision of a
/// named deployment), as a new deployment whose creator is rollback.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Deploy a group's last successful revision (or --to ID's) again.")

    @Argument(help: "The playbook (deployment group).")
    var playbook: String

    @Option(name: .long, help: "Roll back to the revision of this deployment (default: the last that succeeded).")
    var to: String?

    @Option(name: .long, help: "Only these hosts (default: the hosts of the group's latest deployment).")
    var hosts: String?

    @Option(name: .long, help: "Deployment configuration for the rollback: OneAtATime, HalfAtATime or AllAtOnce (default: the playbook's).")
    var config: String?

    @Flag(name: .long) var json = false
    @Flag(name: .shortAndLong) var verbose = false
    @Option(name: .long, help: "History database.") var db: String?
    @Option(name: .long, help: "Wait this long for the group's lock.") var lockWait: String?

    mutating func run() async throws {
        let target = try loadTargetOrExit(playbook)
        guard let pb = target.playbook else { throw invalid("\(playbook) is an inventory; rollback needs a playbook") }
        let store = try openHistory(db: db, playbook: pb.historyPath)
        let source: DeploymentRecord
        if let to {
            guard let id = DeploymentID(to), let record = try store.deployment(id) else {
                throw invalid("\(to): no such deployment in the history; `hoist list \(playbook)` shows them")
            }
            source = record
        } else {
            guard let record = try store.lastSucceeded(group: pb.deploymentGroup) else {
                throw invalid("no successful deployment of \(pb.deploymentGroup) in the history to roll back to")
            }
            source = record
        }
        let latest = try store.listDeployments(DeploymentFilter(application: pb.application, deploymentGroup: pb.deploymentGroup, limit: 1)).first
        // The group as it was last deployed: a rollback puts back what those hosts had.
        var targetHosts = hosts.map(splitNames)
        if targetHosts == nil, let latest {
            let touched = try store.hosts(of: latest.id).filter { $0.status != .skipped && $0.status != .pending }.map(\.host)
            if !touched.isEmpty { targetHosts = touched }
        }
        printToStderr("hoist: rolling back \(pb.deploymentGroup) to \(source.id) (\(source.revisionPath))")
        let job = DeploymentJob(
            playbookPath: playbook, revisionPath: source.revisionPath, configName: config, fileExistsBehavior: source.fileExistsBehavior.rawValue,
            ignoreApplicationStopFailures: true, onlyHosts: targetHosts, output: OutputOptions(json: json, verbose: verbose), db: db,
            lockWait: lockWait, autoRollback: false, creator: .rollback, rollbackOf: latest?.id,
            expectedSHA256: source.revisionSHA256)
        try await job.runAsCommand()
    }
}

/// `hoist redeploy`: deploy a recorded deployment's revision again, to all its hosts or only
/// to those that failed or were never reached.
struct RedeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeploy",
        abstract: "Deploy the revision of an earlier deployment again.")

    @Argument(help: "The deployment id (d-XXXXXXXXX).")
    var id: String

    @Flag(name: .long, help: "Only the hosts that failed or were never reached in that deployment.")
    var onlyFailed = false

    @Option(name: .long, help: "Deployment configuration: OneAtATime, HalfAtATime or AllAtOnce (default: the playbook's).")
    var config: String?

    @Flag(name: .long) var json = false
    @Flag(name: .shortAndLong) var verbose = false
    @Option(name: .long, help: "History database.") var db: String?
    @Option(name: .long, help: "Wait this long for the group's lock.") var lockWait: String?

    mutating func run() async throws {
        let store = try openHistory(db: db, playbook: nil)
        guard let deploymentID = DeploymentID(id), let record = try store.deployment(deploymentID) else {
            throw invalid("\(id): no such deployment in the history; `hoist list` shows them")
        }
        var hosts: [String]?
        if onlyFailed {
            hosts = try store.hosts(of: deploymentID).filter { $0.status != .succeeded }.map(\.host)
            if hosts!.isEmpty {
                printToStderr("hoist: every host of \(id) succeeded; nothing to redeploy")
                return
            }
        }
        let job = DeploymentJob(
            playbookPath: record.playbookPath, revisionPath: record.revisionPath, configName: config,
            fileExistsBehavior: record.fileExistsBehavior.rawValue, onlyHosts: hosts,
            output: OutputOptions(json: json, verbose: verbose), db: db, lockWait: lockWait,
            creator: .redeploy, rollbackOf: deploymentID, expectedSHA256: record.revisionSHA256)
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

func openHistory(db: String?, playbook: String?) throws -> SQLiteHistoryStore {
    let path = HistoryLocation.resolve(flag: db, playbook: playbook, environment: ProcessInfo.processInfo.environment)
    return try SQLiteHistoryStore(path: path)
}
