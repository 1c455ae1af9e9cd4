import Foundation
import HoistCore
import HoistEngine
import HoistPlanning

/// A blue/green deployment on long-lived hosts: two fleets named by a tag take turns serving.
/// The fleet that is not live (the replacement) is taken out of rotation, gets the new
/// revision with the in-place events under the deployment configuration, then traffic moves
/// in batches (`ReroutePlanner`): each batch of replacement hosts is allowed (and healthy)
/// before the matching batch of original hosts is blocked. Which fleet is live is recorded on
/// the hosts of both fleets (`<root>/deployment-instructions/<group-id>_live_fleet`); with no
/// record, the first listed fleet is live. Rollbacks reroute too, after checking that the
/// fleet traffic goes back to answers its health checks (`FleetHealthGate`).
struct BlueGreenRun: Sendable {
    /// Carries the context (with the in-place events), every host of both fleets, the
    /// deployment configuration, the connector, the observer and the stop controller.
    var runner: DeploymentRunner
    var spec: BlueGreenSpec
    var traffic: (any TrafficControl)?
    /// Set when `hoist continue` reaches this deployment (through the lock's heartbeat).
    var continueLatch: ContinueLatch

    static let allowEvents: [LifecycleEvent] = [.beforeAllowTraffic, .allowTraffic, .afterAllowTraffic]

    /// The hosts of one fleet, in the order the playbook selected them.
    func hosts(of fleet: String) -> [HostSpec] {
        runner.hosts.filter { $0.tagValue(spec.fleetTag) == .some(fleet) }
    }

    func other(than fleet: String) -> String { spec.fleets.first { $0 != fleet } ?? fleet }

    /// Deploys to the replacement fleet and moves traffic to it.
    func deploy() async -> DeploymentRunner.Result {
        var record = Record(hosts: runner.hosts.map(\.name))
        let live = await liveFleet()
        announce(rolloutOver: hosts(of: other(than: live)))
        await deployPhases(&record, live: live)
        return finish(record)
    }

    /// Moves traffic back: to the fleet that served before the last deployment (`toLive`
    /// false, `--blue-green-rollback`), or to the fleet still recorded live (true: the
    /// automatic rollback of a blue/green deployment that failed before its reroute
    /// finished). The fleet traffic goes to gets the allow-traffic events with scripts from
    /// its last successful revision, the other the block-traffic events with scripts from its
    /// most recent revision (§2.1); nothing is reinstalled.
    func rollback(toLive: Bool) async -> DeploymentRunner.Result {
        var record = Record(hosts: runner.hosts.map(\.name))
        let live = await liveFleet()
        let target = toLive ? live : other(than: live)
        let targetHosts = hosts(of: target)
        announce(rolloutOver: targetHosts)
        let leaving = hosts(of: other(than: target))

        phase("Health check of \(target)", detail: "each host of \(target) must answer its balancers' health checks", hosts: targetHosts)
        let answers = await healthAnswers(targetHosts)
        switch FleetHealthGate.decide(fleet: target, answers: answers, config: runner.config) {
        case .refuse(let message):
            record.end(.failed, code: .healthConstraints, message: message)
        case .proceed(let healthy, let unhealthy):
            for answer in unhealthy { record.note(answer.host, .skipped) }
            let names = Set(healthy)
            await reroute(to: targetHosts.filter { names.contains($0.name) }, from: leaving, newLive: target, rollback: true, &record)
        }
        return finish(record)
    }

    // MARK: Phases

    func deployPhases(_ record: inout Record, live: String) async {
        let replacement = other(than: live)
        let newHosts = hosts(of: replacement), oldHosts = hosts(of: live)

        if traffic != nil {
            phase("Block \(replacement)", detail: "take the replacement fleet \(replacement) out of rotation before installing", hosts: newHosts)
            guard record.merge(await run(newHosts, events: [.blockTraffic])) else { return }
        }
        phase("Install on \(replacement)", detail: "\(runner.config.name) over \(newHosts.count) hosts", hosts: newHosts)
        var install = runner
        install.observer = PhaseObserver(inner: runner.observer)
        install.hosts = newHosts
        install.context.events = LifecycleEvent.inPlace
        install.context.traffic = nil
        let installed = await install.run()
        guard record.merge(installed) else { return }
        let ready = newHosts.filter { installed.hosts[$0.name]?.succeeded == true }

        if let wait = spec.readyWaitSeconds {
            phase("Ready", detail: "waiting up to \(Int(wait)) s for `hoist continue \(runner.context.id)`; traffic stays on \(live)", hosts: ready.map(\.name))
            switch await continueLatch.wait(seconds: wait, stop: runner.stop) {
            case .continued: break
            case .timedOut:
                return record.end(.stopped, code: .timeout,
                                  message: "nobody ran `hoist continue \(runner.context.id)` within \(Int(wait)) s; traffic stays on \(live)")
            case .stopped:
                return record.end(.stopped, code: .manualStop,
                                  message: "stopped on request (\(runner.stop.reason ?? "stop")) during the ready wait; traffic stays on \(live)")
            }
        }
        guard await reroute(to: ready, from: oldHosts, newLive: replacement, rollback: false, &record) else { return }
        if spec.originalFleetAction == .terminate {
            if spec.terminationWaitSeconds > 0 { try? await Task.sleep(for: .seconds(spec.terminationWaitSeconds)) }
            // The termination hook: the originals' ApplicationStop from their last successful revision.
            phase("Terminate \(live)", detail: "ApplicationStop on the original fleet", hosts: oldHosts)
            _ = record.merge(await run(oldHosts, events: [.applicationStop]))
        }
    }

    /// Moves traffic in the planner's batches; true when every batch succeeded (the live
    /// record then names `newLive`). A stop is seen between batches.
    @discardableResult
    func reroute(to target: [HostSpec], from leaving: [HostSpec], newLive: String, rollback: Bool, _ record: inout Record) async -> Bool {
        var planner = ReroutePlanner(target: target.map(\.name), leaving: leaving.map(\.name), config: runner.config)
        let byName = Dictionary(uniqueKeysWithValues: (target + leaving).map { ($0.name, $0) })
        var actions = planner.start()
        while !actions.isEmpty {
            var allows: [HostSpec] = [], blocks: [HostSpec] = []
            for action in actions {
                switch action {
                case .stepStarted(let index, let count):
                    let step = planner.steps[index]
                    phase("Reroute \(index + 1) of \(count)",
                          detail: "allow \(step.allow.joined(separator: ", ")); then block \(step.block.isEmpty ? "none" : step.block.joined(separator: ", "))",
                          hosts: step.allow + step.block)
                case .allow(let host): if let spec = byName[host] { allows.append(spec) }
                case .block(let host): if let spec = byName[host] { blocks.append(spec) }
                case .finished(let outcome):
                    if outcome.status == .succeeded {
                        await recordLive(newLive)
                        return true
                    }
                    record.end(outcome.status, code: outcome.status == .stopped ? .manualStop : .healthConstraints, message: outcome.message)
                    return false
                }
            }
            actions = []
            for (batch, allowing) in [(allows, true), (blocks, false)] where !batch.isEmpty {
                if runner.stop.level >= .graceful { actions += planner.stopRequested() }
                // After a stop nothing more starts: the batch counts as not done.
                let events = allowing ? Self.allowEvents : LifecycleEvent.blueGreenOriginal
                let done = runner.stop.level >= .graceful ? [:] : await runBatch(batch, events: events, rollback: rollback, &record)
                for host in batch {
                    let ok = done[host.name] ?? false
                    actions += allowing ? planner.allowFinished(host.name, succeeded: ok) : planner.blockFinished(host.name, succeeded: ok)
                }
            }
        }
        return false
    }

    /// One reroute batch: which hosts succeeded. The planner, not the batch, decides how
    /// the reroute ends.
    func runBatch(_ hosts: [HostSpec], events: [LifecycleEvent], rollback: Bool, _ record: inout Record) async -> [String: Bool] {
        let result = await run(hosts, events: events, rollback: rollback)
        record.add(result)
        return result.hosts.mapValues(\.succeeded)
    }

    /// Runs some events on some hosts, all at once, under the same deployment ID (so the
    /// allow-traffic hooks come from this deployment's revision folder).
    func run(_ hosts: [HostSpec], events: [LifecycleEvent], rollback: Bool = false) async -> DeploymentRunner.Result {
        var run = runner
        run.hosts = hosts
        run.config = .allAtOnce
        run.observer = PhaseObserver(inner: runner.observer)
        run.context.events = events
        run.context.traffic = traffic
        run.context.isBlueGreenRollback = rollback
        return await run.run()
    }

    /// Every host's answer to its balancers' health checks, asked all at once.
    func healthAnswers(_ hosts: [HostSpec]) async -> [FleetHealthGate.Answer] {
        guard let traffic else { return hosts.map { FleetHealthGate.Answer(host: $0.name, problem: nil) } }
        let problems = await withTaskGroup(of: (String, String?).self) { group in
            for host in hosts { group.addTask { (host.name, await traffic.healthProblem(host)) } }
            var found: [String: String?] = [:]
            for await (name, problem) in group { found[name] = problem }
            return found
        }
        return hosts.map { FleetHealthGate.Answer(host: $0.name, problem: problems[$0.name] ?? nil) }
    }

    // MARK: Reporting

    /// One start for the whole deployment, naming every host of both fleets; the numbers
    /// are the configuration's over the fleet that installs or takes the traffic.
    func announce(rolloutOver fleet: [HostSpec]) {
        var fleetRunner = runner
        fleetRunner.hosts = fleet
        let planner = fleetRunner.planner
        let context = runner.context
        runner.observer.handle(.deploymentStarted(DeploymentStart(
            id: context.id, application: context.application, deploymentGroup: context.deploymentGroup,
            revision: context.revision.displayName, revisionSHA256: context.revision.sha256, config: runner.config.name,
            hosts: runner.hosts.map(\.name), maxConcurrency: planner.maxConcurrency,
            minimumHealthy: planner.minimumHealthy, time: Date())))
    }

    func phase(_ name: String, detail: String, hosts: [HostSpec]) {
        phase(name, detail: detail, hosts: hosts.map(\.name))
    }

    func phase(_ name: String, detail: String, hosts: [String]) {
        runner.observer.handle(.phaseStarted(DeploymentPhase(name: name, detail: detail, hosts: hosts)))
    }

    /// The whole deployment's verdict, reported once.
    func finish(_ record: Record) -> DeploymentRunner.Result {
        let verdict = DeploymentVerdictSummary(
            id: runner.context.id, status: record.status, errorCode: record.errorCode,
            message: record.message ?? (record.status == .succeeded ? "Traffic moved; every phase succeeded." : nil),
            hostStatuses: record.statuses, time: Date())
        runner.observer.handle(.deploymentFinished(verdict))
        return DeploymentRunner.Result(verdict: verdict, hosts: record.outcomes)
    }

    /// What the phases so far add up to: each host's status over every phase it ran in
    /// (failed in any phase is failed), and the first ending that was not a success.
    struct Record: Sendable {
        var statuses: [String: InstanceStatus]
        var outcomes: [String: HostOutcome] = [:]
        var status = DeploymentStatus.succeeded
        var errorCode: DeploymentErrorCode?
        var message: String?

        init(hosts: [String]) {
            statuses = Dictionary(uniqueKeysWithValues: hosts.map { ($0, InstanceStatus.skipped) })
        }

        mutating func note(_ host: String, _ status: InstanceStatus) {
            switch (statuses[host], status) {
            case (.failed?, _): return
            case (_, .skipped): return
            default: statuses[host] = status
            }
        }

        /// Adds a phase's results; false (with the phase's verdict kept) when it did not succeed.
        mutating func merge(_ result: DeploymentRunner.Result) -> Bool {
            add(result)
            guard result.verdict.status == .succeeded else {
                end(result.verdict.status, code: result.verdict.errorCode, message: result.verdict.message)
                return false
            }
            return true
        }

        /// Adds a phase's host results, leaving the ending alone.
        mutating func add(_ result: DeploymentRunner.Result) {
            for (name, outcome) in result.hosts {
                note(name, outcome.status)
                if var previous = outcomes[name] {
                    previous.events += outcome.events
                    if outcome.status == .failed || previous.status != .failed { previous.status = outcome.status }
                    outcomes[name] = previous
                } else {
                    outcomes[name] = outcome
                }
            }
        }

        mutating func end(_ status: DeploymentStatus, code: DeploymentErrorCode?, message: String?) {
            guard self.status == .succeeded else { return }
            self.status = status
            errorCode = code
            self.message = message
        }
    }

    // MARK: The live-fleet record on the hosts

    func layout(_ host: HostSpec) -> HostLayout { HostLayout(root: host.deploymentRoot, groupID: runner.context.groupID) }
    func liveFile(_ host: HostSpec) -> String { layout(host).instructionsDir + "/\(runner.context.groupID)_live_fleet" }

    func remote(_ host: HostSpec, _ program: String) -> String {
        host.become && host.user != "root" ? "sudo -n sh -c " + shellQuote(program) : program
    }

    /// The first fleet name any host records, else the first listed fleet.
    func liveFleet() async -> String {
        for host in runner.hosts {
            guard let session = try? await runner.connector.connect(host) else { continue }
            let answer = try? await session.capture(remote(host, "cat \(shellQuote(liveFile(host))) 2>/dev/null || true"), timeoutSeconds: 30)
            await session.close()
            let name = (answer?.1 ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if spec.fleets.contains(name) { return name }
        }
        return spec.fleets.first ?? ""
    }

    /// Written on every host of both fleets, so any one of them can answer.
    func recordLive(_ fleet: String) async {
        await withTaskGroup(of: Void.self) { group in
            for host in runner.hosts {
                let program = "mkdir -p \(shellQuote(layout(host).instructionsDir)) && "
                    + HostCommands(layout: layout(host), deploymentID: runner.context.id, become: false).writePointer(liveFile(host), value: fleet)
                let command = remote(host, program)
                let connector = runner.connector
                group.addTask {
                    guard let session = try? await connector.connect(host) else { return }
                    _ = try? await session.capture(command, timeoutSeconds: 30)
                    await session.close()
                }
            }
        }
    }
}

/// Passes a phase's events on without the phase's own start and verdict, so a blue/green
/// deployment reads as one deployment with one start and one verdict.
struct PhaseObserver: DeploymentObserver {
    var inner: any DeploymentObserver
    func handle(_ event: DeploymentEvent) {
        switch event {
        case .deploymentStarted, .deploymentFinished: return
        default: inner.handle(event)
        }
    }
}

/// `hoist continue ID` as the waiting deployment sees it: the lock's heartbeat finds the
/// request on a host and signals this latch; the ready wait returns as soon as it is set.
final class ContinueLatch: Sendable {
    enum Ending: Sendable { case continued, timedOut, stopped }
    private let state = Locked<(set: Bool, by: String?)>((false, nil))

    func signal(_ by: String) {
        state.withLock { if !$0.set { $0 = (true, by) } }
    }

    var isSet: Bool { state.current.set }

    /// Polls the latch (a local flag: cheap) until it is set, `seconds` pass, or a stop.
    func wait(seconds: Double, stop: StopController) async -> Ending {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while true {
            if isSet { return .continued }
            if stop.level >= .graceful { return .stopped }
            if ContinuousClock.now >= deadline { return .timedOut }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
