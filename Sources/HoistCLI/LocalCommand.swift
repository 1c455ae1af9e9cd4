import ArgumentParser
import Foundation
import HoistCore
import HoistEngine
import HoistNotify
import HoistPlanning

/// `hoist local`: the lifecycle of a revision on this machine, without SSH, like
/// `codedeploy-local`. It runs the same deployment runner, install program and hook runner
/// as a remote deployment, with one host (`localhost`) reached through a local shell, so
/// what passes here behaves the same on a host.
struct LocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run a revision's lifecycle on this machine (like codedeploy-local).",
        discussion: """
            Default events, as codedeploy-local: BeforeBlockTraffic, AfterBlockTraffic, \
            ApplicationStop, DownloadBundle, BeforeInstall, Install, AfterInstall, \
            ApplicationStart, ValidateService, BeforeAllowTraffic, AfterAllowTraffic. With \
            --events only those run, in that order; DownloadBundle and Install are added in \
            front when missing, and swapped when Install comes first.
            State lives under the deployment root as on a host: \
            <root>/<application>_<group>/<deployment id>/ (bundle, unpacked revision, \
            logs/scripts.log), so a second run's ApplicationStop runs the previous revision's \
            script.
            With --playbook, that playbook's triggers and alarm checks apply as in `hoist deploy` \
            (docs/triggers-and-alarms.md); an alarm stops the run (exit 4, ALARM_ACTIVE).
            Exit codes: 0 succeeded, 2 invalid input, 3 the deployment failed, 4 it was stopped.
            """)

    @Argument(help: "The revision: a directory or a .tar, .tar.gz, .tgz, .tar.zst or .zip bundle.", completion: Completions.revision)
    var path: String

    @Option(name: .long, help: "Comma-separated lifecycle events to run, in order.")
    var events: String?

    @Option(name: .long, help: "DISALLOW (default), OVERWRITE or RETAIN (the AppSpec's own value still wins).")
    var fileExistsBehavior: String?

    @Option(name: .long, help: "Deployment group name.")
    var deploymentGroup = "default-local-deployment-group"

    @Option(name: .long, help: "Application name (default: the revision's folder or file name).")
    var application: String?

    @Option(name: .long, help: "Where deployments are kept (default: /var/lib/hoist as root, else ~/.local/share/hoist/local).")
    var deploymentRoot: String?

    @Option(name: .long, help: "A playbook whose triggers and alarm checks apply to this run (nothing else of it is used).")
    var playbook: String?

    @Flag(name: .long, help: "One JSON object per line for each deployment, lifecycle event and output line.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show every hook output line on the terminal.")
    var verbose = false

    mutating func run() async throws {
        let outcome: HoistExitCode
        defer { pruneBundleCacheAfterUse() }
        do {
            outcome = try await LocalRun(options: self).execute()
        } catch is InvalidInput {
            outcome = .invalidInput
        }
        if outcome != .succeeded { throw ExitCode(outcome) }
    }
}

/// One run of `hoist local`.
struct LocalRun {
    var options: LocalCommand

    func execute() async throws -> HoistExitCode {
        let events: [LifecycleEvent]
        switch LocalEvents.resolve(options.events) {
        case .success(let chosen): events = chosen
        case .failure(let problem):
            printToStderr("hoist local: \(problem.message)")
            throw InvalidInput(diagnostics: [])
        }
        let flagBehavior = try parseFileExistsFlag(options.fileExistsBehavior ?? FileExistsBehavior.disallow.rawValue)
        let application = try validName(options.application ?? defaultApplicationName(options.path), flag: "--application")
        let group = try validName(options.deploymentGroup, flag: "--deployment-group")
        let root = absolutePath(options.deploymentRoot ?? defaultLocalDeploymentRoot())

        let signalsFrom = try options.playbook.map { try loadPlaybookOnly(path: $0) }
        let revision = try loadRevision(path: options.path)
        let behavior = revision.appSpec.effectiveFileExistsBehavior(deployment: flagBehavior)
        let bundle = try prepareBundle(revision)
        let id = DeploymentID.random()
        var deployable = deployableRevision(revision, bundle: bundle, fileExistsBehavior: behavior)
        // The local session copies bundles whole (it cannot decode a delta): none is made.
        deployable.delta = { _, _ in nil }
        let context = DeploymentContext(
            id: id.rawValue, application: application, deploymentGroup: group,
            creator: .user, createdBy: currentCreator(),
            revision: deployable,
            events: events, parseHooks: hostAppSpecHooks)
        let host = HostSpec(name: "localhost", address: "127.0.0.1", user: currentUserName(), deploymentRoot: root)

        let reporter = DeploymentOutput(options: OutputOptions(json: options.json, verbose: options.verbose, recorded: false,
                                                             logFile: HostLayout(root: root, groupID: HostLayout.groupID(application: application, group: group)).logFile(id.rawValue)), hooks: context.revision.hooks)
            .observer(deploymentID: id.rawValue)
        let failure = FirstFailure()
        let stop = StopController()
        let watcher = SignalWatcher(stop: stop)
        let json = options.json
        let say = { (text: String) in
            json ? Console.shared.err(text) : Console.shared.out(text)
        }
        let signals = await DeploymentSignals(
            triggers: signalsFrom?.triggers ?? [], alarms: signalsFrom?.alarms, transport: NotifyTransport(),
            probe: AlarmChecks(environment: ["HOIST_APPLICATION": application, "HOIST_DEPLOYMENT_GROUP": group])
        ).start(id: id, application: application, deploymentGroup: group, hosts: [host], reporter: reporter, stop: stop,
                record: { record in
                    // No history here: each delivery is reported as it ends (on stderr with --json).
                    let console = Console.shared
                    (json ? console.err : { console.out($0) })("trigger \(record.trigger) \(record.event.rawValue): \(record.status.rawValue)"
                        + (record.attempts > 1 ? " after \(record.attempts) attempts" : "") + (record.error.map { ": \($0)" } ?? ""))
                })
        let runner = DeploymentRunner(
            context: context, hosts: [host], config: DeploymentConfig.predefined("AllAtOnce")!,
            connector: LocalConnector(), observer: ObserverFanout([reporter, failure, signals]), stop: stop)
        let result = await runner.run()
        await signals.drain()
        withExtendedLifetime(watcher) {}

        // With --json, stdout carries JSON lines only; the closing words go to stderr.
        if result.verdict.status == .succeeded {
            say("Local deployment successful")
        } else {
            if let f = failure.failure {
                let script = f.outcome.scriptName.map { "script \($0)" } ?? "no script (Hoist's own step)"
                say("Local deployment failed: \(f.event.rawValue) failed in \(script): \(f.outcome.message ?? "no message")")
            } else {
                say("Local deployment failed: \(result.verdict.message ?? "see the output above")")
            }
            let log = HostLayout(root: root, groupID: context.groupID).logFile(id.rawValue)
            say("See the deployment log at \(log)")
        }
        return DeploymentExit.code(for: result.verdict)
    }
}

/// `/var/lib/hoist` for root (as on a host), else a folder in the user's data home.
func defaultLocalDeploymentRoot() -> String {
    if getuid() == 0 { return HostSpec.defaultDeploymentRoot }
    return XDGDirectory.data.path("hoist/local", ProcessInfo.processInfo.environment)
}

/// The revision's folder name, or its file name without the archive extension.
func defaultApplicationName(_ path: String) -> String {
    var name = URL(fileURLWithPath: absolutePath(path)).lastPathComponent
    for suffix in [".tar.gz", ".tar.zst", ".tgz", ".tar", ".zip"] where name.lowercased().hasSuffix(suffix) {
        name = String(name.dropLast(suffix.count))
        break
    }
    return name
}

private func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
}

/// Application and group names become a directory name on the host, so they keep to
/// CodeDeploy's characters.
private func validName(_ name: String, flag: String) throws -> String {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+=,@-")
    guard !name.isEmpty, name.count <= 100, name.allSatisfy(allowed.contains), name != ".", name != ".." else {
        printToStderr("hoist local: \(flag) '\(name)': use 1 to 100 of the characters A-Z a-z 0-9 . _ + = , @ - (it names a folder under the deployment root)")
        throw InvalidInput(diagnostics: [])
    }
    return name
}

private func currentUserName() -> String {
    getpwuid(getuid()).flatMap { String(cString: $0.pointee.pw_name) } ?? "root"
}
