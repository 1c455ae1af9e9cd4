import ArgumentParser
import Foundation
import HoistConfig
import HoistCore
import HoistEngine
import HoistHistory
import HoistNotify
import HoistPlanning
import HoistSSH

/// One deployment as a command starts it (deploy, rollback, redeploy): parses and loads the
/// inputs, builds the `DeploymentPlan`, wires the real adapters into the engine's
/// `Deployment` coordinator, and reports. Deployment logic lives in the engine.
struct DeploymentJob: Sendable {
    var playbookPath: String
    var revisionPath: String?
    var configName: String?
    var fileExistsBehavior: String?
    var ignoreApplicationStopFailures = false
    var onlyHosts: [String]?
    /// Set when `onlyHosts` are the hosts this deployment recorded rather than a `--hosts`
    /// the user typed: those the group no longer has are left out, not refused.
    var onlyHostsRecordedBy: DeploymentID?
    var output = OutputOptions()
    var db: String?
    var lockWait: String?
    /// nil: the playbook's auto_rollback decides.
    var autoRollback: Bool?
    /// Blue/green: move traffic back to the fleet that served before.
    var blueGreenRollback = false
    var creator: DeploymentCreator = .user
    var rollbackOf: DeploymentID?
    var description: String?
    /// A revision recorded in history: its bundle digest, used to find the cached copy when
    /// the original path is gone.
    var recorded: RecordedRevision?

    func runAsCommand() async throws {
        let code: HoistExitCode
        defer { pruneBundleCacheAfterUse() }
        do {
            code = try await execute()
        } catch is InvalidInput {
            code = .invalidInput
        }
        if code != .succeeded { throw ExitCode(code) }
    }

    /// Runs the deployment and returns the exit code.
    func execute() async throws -> HoistExitCode {
        // A closed terminal must not end the deployment while it is still being prepared
        // (bundling a large revision takes a while), as it does not once it runs (SignalWatcher).
        signal(SIGHUP, SIG_IGN)
        let target = try loadTarget(path: playbookPath)
        guard let playbook = target.playbook else {
            printToStderr("hoist: \(playbookPath) is an inventory; deployments need a playbook (a deployment group): see playbooks/")
            throw InvalidInput(diagnostics: [])
        }
        let onlyHosts = try onlyHostsRecordedBy.map { id in
            try self.onlyHosts.map { try recordedHostsStillInGroup($0, of: id, group: target.hosts) }
        } ?? self.onlyHosts
        let hosts = try narrowHosts(target.hosts, toNames: onlyHosts)
        let twins = sameMachineProblems(hosts, inventory: target.inventory.file)
        guard twins.isEmpty else {
            twins.forEach { printToStderr("hoist: " + $0) }
            throw InvalidInput(diagnostics: [])
        }
        // The lock holds a connection to every host of the group, not only those deployed to.
        if let problem = OpenFilesCheck.problem(hosts: target.hosts, limit: OpenFileLimit.current) {
            printToStderr(problem)
            return .couldNotStart
        }
        let config = try configName.map(parseConfigFlag)
        // One connector for the whole job: a bundle read back from a host and the deployment
        // share its handshake limit and known_hosts cache.
        let connector = makeConnector(for: target)
        let held = HeldBundles(hosts: target.hosts, groupID: HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup),
                               connector: connector)
        let flagBehavior = try fileExistsBehavior.map(parseFileExistsFlag)
        let revision: DeployableRevision
        if blueGreenRollback {
            // An in-place group has no other fleet: the rollback ran the in-place lifecycle with
            // no revision, stopped the application everywhere and failed at DownloadBundle.
            guard playbook.blueGreen != nil else {
                printToStderr("hoist: --blue-green-rollback moves traffic back to a blue/green group's other fleet, and \(playbookPath) "
                              + "has no `blue_green`; to put back this in-place group's previous revision, run `hoist rollback \(playbookPath)`")
                throw InvalidInput(diagnostics: [])
            }
            // Traffic goes back to a fleet that runs what it ran: nothing is read, uploaded or
            // installed, so a revision that is gone (the usual reason to roll back) is no obstacle.
            revision = .rerouteOnly
        } else {
            guard let requested = revisionPath ?? playbook.revisionPath else {
                printToStderr("hoist: no revision: pass --revision PATH or set `revision` in \(playbookPath)")
                throw InvalidInput(diagnostics: [])
            }
            revision = try await loadDeployable(path: requested, recorded: recorded, held: held, fileExistsFlag: flagBehavior,
                                          playbookBehavior: playbook.fileExistsBehavior).deployable
        }
        let wait = try lockWait.map(parseDuration)
        let lockTiming: LockTiming
        switch LockTiming.read(ProcessInfo.processInfo.environment) {
        case .success(let timing): lockTiming = timing
        case .failure(let problem):
            printToStderr("hoist: " + problem.message)
            throw InvalidInput(diagnostics: [])
        }
        let store = try openHistory(db: db, playbook: playbook.historyPath)
        // Load balancers are built before anything touches a host (a bad one is invalid input).
        let traffic = try makeTraffic(playbook: playbook, inventory: target.inventory, connector: connector, checking: hosts)

        let plan = DeploymentPlan.plan(DeploymentPlan.Request(
            playbook: playbook, groupHosts: target.hosts, onlyHosts: onlyHosts == nil ? nil : hosts.map(\.name), config: config,
            ignoreApplicationStopFailures: ignoreApplicationStopFailures, autoRollback: autoRollback,
            blueGreenRollback: blueGreenRollback,
            health: store.priorHealth(application: playbook.application, group: playbook.deploymentGroup),
            puttingBack: creator == .rollback ? .rollback : creator == .redeploy ? .redeploy : nil))
        if let note = plan.configNote { printToStderr("hoist: \(note); pass --config to choose another") }
        // Suggested commands read this history: `--db`'s, or the playbook's own.
        let commands = SuggestedCommands.naming(db: db, playbook: playbook, at: playbookPath)
        var output = self.output
        output.commands = commands
        let createdBy = currentCreator()
        let environment = ProcessInfo.processInfo.environment
        let request = DeploymentRequest(
            // Recorded absolute: `hoist continue`, `stop` and `redeploy` read it from any folder.
            plan: plan, revision: revision, playbookPath: ConfigEnvironment.process.absolute(playbook.file), creator: creator, createdBy: createdBy,
            rollbackOf: rollbackOf, description: description,
            origin: DeploymentOrigin.detect(environment: environment, isTerminal: isatty(STDIN_FILENO) == 1 || isatty(STDERR_FILENO) == 1),
            lock: LockSettings(
                user: currentUser(),
                machine: ProcessInfo.processInfo.hostName, pid: getpid(), command: CommandLine.arguments.joined(separator: " "),
                leaseSeconds: lockTiming.leaseSeconds,
                // Frequent enough that `hoist stop` from elsewhere is seen within seconds.
                heartbeat: lockTiming.heartbeat,
                wait: wait),
            commands: commands, parseHooks: hostAppSpecHooks)
        let printer = DeploymentOutput(options: output, hooks: revision.hooks)
        let ports = DeploymentPorts(
            connector: connector, history: store, traffic: traffic,
            bundles: CachedBundles(playbookBehavior: playbook.fileExistsBehavior, held: held),
            continueSignals: NoContinueSignals(),
            signals: DeploymentSignals(
                triggers: playbook.triggers, alarms: playbook.alarms, transport: NotifyTransport(),
                probe: AlarmChecks(environment: [
                    "HOIST_APPLICATION": playbook.application, "HOIST_DEPLOYMENT_GROUP": playbook.deploymentGroup,
                ])),
            observer: { id in printer.observer(deploymentID: id) })
        let stop = StopController()
        let watcher = SignalWatcher(stop: stop, say: printer.say)
        defer { withExtendedLifetime(watcher) {} }
        do {
            let report = try await Deployment(request: request, ports: ports, stop: stop).run()
            let code = DeploymentExit.report(report, strict: output.strict)
            printer.finish(report, code: code)
            return code
        } catch {
            return DeploymentExit.error(error)
        }
    }
}

/// `90`, `90s`, `10m`, `1h`.
func parseDuration(_ text: String) throws -> Duration {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    var seconds: Double?
    for (suffix, factor) in units where t.hasSuffix(suffix) {
        if let n = Double(t.dropLast(suffix.count)) { seconds = n * factor }
    }
    if seconds == nil { seconds = Double(t) }
    if let seconds, seconds >= 0, seconds <= LongestDuration.seconds { return .milliseconds(Int64(seconds * 1000)) }
    if let seconds, seconds > LongestDuration.seconds {
        printToStderr("hoist: \(text): longer than \(LongestDuration.described), the longest wait Hoist takes")
    } else {
        printToStderr("hoist: \(text): not a duration; write e.g. 90s, 10m or 1h")
    }
    throw InvalidInput(diagnostics: [])
}
