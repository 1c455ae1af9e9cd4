import ArgumentParser
import Foundation
import HoistConfig
import HoistCore
import HoistEngine
import HoistHistory
import HoistPlanning

/// `hoist deploy`: the main job. Deploys a revision to the playbook's hosts over SSH, in the
/// order and concurrency its deployment configuration allows, running the AppSpec lifecycle
/// on each host as the CodeDeploy agent would.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a revision to a deployment group.",
        discussion: """
            Exit codes: 0 succeeded, 2 invalid input (nothing was changed on any host), 3 the \
            deployment failed, 4 it was stopped, 5 it could not start (too few healthy hosts), \
            6 another deployment holds the group's lock.
            Output: a live view on a terminal; one line per host and event otherwise; with \
            --json one JSON object per line (see `hoist help deploy`).
            """)

    @Argument(help: "The playbook (deployment group) to deploy to.")
    var playbook: String

    @Option(name: .long, help: "Revision: a directory or a .tar, .tar.gz, .tgz, .tar.zst or .zip bundle (default: the playbook's revision).")
    var revision: String?

    @Option(name: .long, help: "Deployment configuration for this run: OneAtATime, HalfAtATime or AllAtOnce.")
    var config: String?

    @Option(name: .long, help: "DISALLOW, OVERWRITE or RETAIN for this run (the AppSpec's own value still wins).")
    var fileExistsBehavior: String?

    @Flag(name: .long, help: "Go on when ApplicationStop (or the block-traffic hooks) of the previous revision fail.")
    var ignoreApplicationStopFailures = false

    @Option(name: .long, help: "Deploy only to these of the selected hosts (comma-separated names).")
    var hosts: String?

    @Flag(name: .long, help: "One JSON object per line for each deployment, host, lifecycle event and output line.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show every hook output line on the terminal.")
    var verbose = false

    @Flag(name: .long, help: "Blue/green: move traffic back to the fleet that served before the last deployment.")
    var blueGreenRollback = false

    @Option(name: .long, help: "History database (default: the playbook's `history`, else $XDG_STATE_HOME/hoist/history.sqlite3).")
    var db: String?

    mutating func run() async throws {
        let outcome: Int32
        do {
            outcome = try await DeployRun(options: self).execute()
        } catch is InvalidInput {
            throw ExitCode(HoistExitCode.invalidInput)
        }
        if outcome != 0 { throw ExitCode(outcome) }
    }
}

/// One run of `hoist deploy`, split out so rollback and redeploy can reuse it.
struct DeployRun {
    var options: DeployCommand

    func execute() async throws -> Int32 {
        let target = try loadTarget(path: options.playbook)
        guard let playbook = target.playbook else {
            printToStderr("hoist: \(options.playbook) is an inventory; deploy needs a playbook (a deployment group): see playbooks/")
            throw InvalidInput(diagnostics: [])
        }
        var hosts = target.hosts
        if let only = options.hosts {
            let names = only.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let unknown = names.filter { name in !hosts.contains { $0.name == name } }
            guard unknown.isEmpty else {
                printToStderr("hoist: --hosts: \(unknown.joined(separator: ", ")) not among the selected hosts (\(hosts.map(\.name).joined(separator: ", ")))")
                throw InvalidInput(diagnostics: [])
            }
            hosts = hosts.filter { names.contains($0.name) }
        }
        guard let revisionPath = options.revision ?? playbook.revisionPath else {
            printToStderr("hoist: no revision: pass --revision PATH or set `revision` in \(options.playbook)")
            throw InvalidInput(diagnostics: [])
        }
        let revision = try loadRevision(path: revisionPath)
        let config = try options.config.map(parseConfigFlag) ?? playbook.deploymentConfig
        let flagBehavior = try options.fileExistsBehavior.map(parseFileExistsFlag)
        let behavior = revision.appSpec.effectiveFileExistsBehavior(deployment: flagBehavior ?? playbook.fileExistsBehavior)
        let bundle = try prepareBundle(revision)

        let id = DeploymentID.random()
        let connector = makeConnector(for: target)
        let trafficSetup = try TrafficSetup(playbook: playbook, inventory: target.inventory, connector: connector)
        let context = DeploymentContext(
            id: id.rawValue, application: playbook.application, deploymentGroup: playbook.deploymentGroup,
            creator: .user, createdBy: currentCreator(),
            revision: deployableRevision(revision, bundle: bundle, fileExistsBehavior: behavior),
            events: trafficSetup.events,
            ignoreApplicationStopFailures: options.ignoreApplicationStopFailures || playbook.ignoreApplicationStopFailures,
            maxRevisions: playbook.maxRevisions, traffic: trafficSetup.traffic, parseHooks: hostAppSpecHooks)

        let dbPath = HistoryLocation.resolve(flag: options.db, playbook: playbook.historyPath, environment: ProcessInfo.processInfo.environment)
        let store = try SQLiteHistoryStore(path: dbPath)
        try store.createDeployment(DeploymentRecord(
            id: id, application: playbook.application, deploymentGroup: playbook.deploymentGroup,
            playbookPath: playbook.file, creator: .user, createdBy: context.createdBy, revisionPath: revisionPath,
            revisionSHA256: bundle.sha256, deploymentConfigName: config.name, fileExistsBehavior: behavior,
            createTime: Date(), hostCount: hosts.count))
        let recorder = HistoryRecorder(store: store, id: id, hosts: hosts)
        let reporter = makeReporter(json: options.json, verbose: options.verbose, deploymentID: id.rawValue)
        let stop = StopController()
        let watcher = SignalWatcher(stop: stop)
        let runner = DeploymentRunner(
            context: context, hosts: hosts, config: config, health: [:],
            connector: connector, observer: ObserverFanout([recorder, reporter]), stop: stop)
        let result = await runWithTraffic(runner, playbook: playbook, traffic: trafficSetup, reporter: reporter, rollback: options.blueGreenRollback)
        withExtendedLifetime(watcher) {}
        recorder.flush()
        for failure in recorder.failures.prefix(3) { printToStderr("hoist: history: \(failure)") }
        return exitCode(for: result.verdict)
    }
}

func exitCode(for verdict: DeploymentVerdictSummary) -> Int32 {
    switch verdict.status {
    case .succeeded: return HoistExitCode.succeeded
    case .stopped: return HoistExitCode.stopped
    default:
        if verdict.errorCode == .healthConstraintsInvalid || verdict.errorCode == .noInstances { return HoistExitCode.couldNotStart }
        return HoistExitCode.deploymentFailed
    }
}

/// The live view on a terminal, plain lines for cron and CI, or JSON lines.
func makeReporter(json: Bool, verbose: Bool, deploymentID: String) -> any DeploymentObserver {
    if json { return JSONLinesReporter(deploymentID: deploymentID) }
    if Console.shared.isTerminal { return TerminalReporter(verbose: verbose) }
    return PlainReporter()
}
