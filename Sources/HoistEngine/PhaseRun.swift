import Foundation
import HoistCore
import HoistPlanning

/// Runs a plan's phases in order (`DeploymentPhase`): a rollout under the deployment
/// configuration, events on a fleet all at once, a wait for `hoist continue`, a batched
/// reroute. Stops at the first required phase that does not succeed. The phases report
/// their host and event events but not their own verdict: the coordinator reports one
/// verdict for the whole deployment. A blue/green deployment also reports one start naming
/// every host of both fleets, and announces each phase (`.phaseStarted`) before its hosts.
struct PhaseRun: Sendable {
    var plan: DeploymentPlan
    /// Carries the context, the connectors, the observer (history and reporter) and stop.
    var runner: DeploymentRunner
    var traffic: (any TrafficControl)?
    var clock: any PollingClock
    var continueSignals: any ContinueSignals
    /// For the `hoist continue` command the ready wait names.
    var commands: SuggestedCommands
    /// A plan that only reroutes: where traffic goes back to, decided (with the fleet records
    /// it read) before the deployment was recorded; its verdict says so.
    var back: RerouteBack? = nil

    static let allowEvents: [LifecycleEvent] = [.beforeAllowTraffic, .allowTraffic, .afterAllowTraffic]

    struct Result: Sendable {
        var run: DeploymentRunner.Result
        /// Every host's events over all phases, for `HostAttention`.
        var events: [String: [(LifecycleEvent, EventOutcome)]]
        /// Hosts a blue/green reroute left out of rotation, each with why.
        var leftOut: [String] = []
    }

    func run() async -> Result {
        guard let spec = plan.blueGreen else { return await inPlace() }
        var record = PhaseRecordBook(hosts: plan.hosts.map(\.name))
        let records = if let back { back.records } else { await reader.fleets() }
        let live = records.live ?? spec.fleets.first ?? ""
        let phases = plan.phases.map { $0.resolved(live: live, servedBefore: records.servedBefore) }
        let installs = phases.contains { if case .rollout = $0 { return true } else { return false } }
        // A deployment that installs says, before any traffic moves, which fleet served
        // before it: the fleet `--blue-green-rollback` returns to, whatever its outcome.
        if installs {
            await writeOnEveryHost { $0.writeServedBeforeFleet(live) }
        }
        let name = { (fleet: FleetRole) in plan.fleetName(fleet, live: live) }
        var inRotation: [String] = []
        // Hosts of the fleet traffic goes back to that stay out of rotation, and why.
        var leftOut: [String] = []
        announce(rolloutOver: plan.hosts(of: Self.rolloutFleet(phases), live: live))
        phases: for phase in phases {
            switch phase {
            case .rollout(let fleet, let list):
                let hosts = plan.hosts(of: fleet, live: live)
                announce(phase: "Install on \(name(fleet))", detail: "\(plan.config.name) over \(hosts.count) hosts", hosts: hosts)
                var install = runner
                install.hosts = hosts
                install.context.events = list
                install.context.traffic = traffic
                install.observer = PhaseObserver(inner: runner.observer)
                guard record.merge(await install.run()) else { break phases }
            case .allAtOnce(let fleet, let list, let earlier, let required):
                let hosts = plan.hosts(of: fleet, live: live)
                let title = list == [.blockTraffic] ? "Block \(name(fleet))" : list == [.applicationStop] ? "Terminate \(name(fleet))" : name(fleet)
                announce(phase: title, detail: list.map(\.rawValue).joined(separator: ", ") + " on every host at once", hosts: hosts)
                let result = await allAtOnce(hosts, events: list, earlierScripts: earlier)
                if required {
                    guard record.merge(result) else { break phases }
                } else {
                    record.add(result)
                }
            case .waitForContinue(let seconds):
                let ready = plan.hosts(of: .replacement, live: live).filter { record.statuses[$0.name] == .succeeded }
                let command = commands.continueDeployment(runner.context.id)
                announce(phase: "Ready", detail: "waiting up to \(Int(seconds)) s for `\(command)`; traffic stays on \(live)", hosts: ready)
                // The triggers send DeploymentReady and InstanceReady for it.
                runner.observer.handle(.notice(.waitingForContinue(deploymentID: runner.context.id, seconds: seconds, command: command)))
                switch await waitForContinue(seconds: seconds) {
                case .continued: break
                case .timedOut:
                    record.end(.stopped, code: .timeout,
                               message: "nobody ran `\(command)` within \(Int(seconds)) s; traffic stays on \(live)")
                    break phases
                case .stopped:
                    record.end(.stopped, code: stopCause.code, message: "\(stopCause.words) during the ready wait; traffic stays on \(live)")
                    break phases
                }
            case .reroute(let fleet, let earlier, let checkHealth):
                // A deployment reroutes to the replacement hosts its rollout installed.
                var target = plan.hosts(of: fleet, live: live)
                if installs {
                    target = target.filter { record.statuses[$0.name] == .succeeded }
                }
                let leaving = plan.hosts(of: fleet == .original ? .replacement : .original, live: live)
                if checkHealth {
                    announce(phase: "Health check of \(name(fleet))", detail: "each host of \(name(fleet)) must answer its balancers' health checks",
                             hosts: target)
                    switch FleetHealthGate.decide(fleet: name(fleet), answers: await healthAnswers(target), config: plan.config) {
                    case .refuse(let message):
                        record.end(.failed, code: .healthConstraints, message: message)
                        break phases
                    case .proceed(let healthy, let unhealthy):
                        let names = Set(healthy)
                        target = target.filter { names.contains($0.name) }
                        leftOut += unhealthy.map { "\($0.host) (\($0.problem ?? "unhealthy"))" }
                    }
                }
                guard let moved = await reroute(to: target, from: leaving, newLive: name(fleet), earlierScripts: earlier, &record) else { break phases }
                // In the plan's order, not the order the hosts finished in.
                inRotation = target.map(\.name).filter(Set(moved.allowed).contains)
                leftOut += moved.leftOut.map { "\($0) (its allow-traffic events failed)" }
            case .pause(let seconds):
                let original = name(.original), whole = Int(seconds.rounded(.up))
                runner.observer.handle(.notice(.terminationWait(fleet: original, seconds: whole, until: Date().addingTimeInterval(seconds))))
                // Traffic has moved already: a stop keeps the original fleet, which a rollback can use.
                if await pauseEndedByStop(seconds: seconds) {
                    record.end(.stopped, code: stopCause.code,
                               message: "\(stopCause.words) during the wait before terminating the \(original) fleet; traffic is on the \(name(.replacement)) fleet and the \(original) fleet keeps running")
                    break phases
                }
            }
        }
        let verdict = DeploymentVerdictSummary(
            id: runner.context.id, status: record.status, errorCode: record.errorCode,
            message: record.message ?? (record.status == .succeeded ? back?.verdict(inRotation: inRotation, leftOut: leftOut) ?? "Traffic moved; every phase succeeded." : nil),
            hostStatuses: record.statuses, time: Date())
        return Result(run: DeploymentRunner.Result(verdict: verdict, hosts: record.outcomes), events: record.outcomes.mapValues(\.events),
                      leftOut: record.status == .succeeded ? leftOut : [])
    }

    /// An in-place deployment: its one rollout reports its own start.
    func inPlace() async -> Result {
        var result: DeploymentRunner.Result?
        for case .rollout(let fleet, let list) in plan.phases {
            var install = runner
            install.hosts = plan.hosts(of: fleet, live: nil)
            install.context.events = list
            install.context.traffic = traffic
            install.observer = PhaseObserver(inner: runner.observer, reportsStart: true)
            result = await install.run()
        }
        let run = result ?? DeploymentRunner.Result(verdict: DeploymentVerdictSummary(
            id: runner.context.id, status: .succeeded, errorCode: nil, message: nil, hostStatuses: [:], time: Date()), hosts: [:])
        return Result(run: run, events: run.hosts.mapValues(\.events))
    }

    /// The fleet whose numbers the start announces: the one that installs, else the one
    /// traffic goes to.
    static func rolloutFleet(_ phases: [DeploymentPhase]) -> FleetRole {
        for phase in phases {
            if case .rollout(let fleet, _) = phase { return fleet }
            if case .reroute(let fleet, _, _) = phase { return fleet }
        }
        return .replacement
    }

    /// Moves traffic in the planner's batches; the outcome when every batch succeeded (the
    /// live record then names `newLive`), else nil. After a stop no further batch starts. A
    /// reroute back leaves out a target host whose allow fails, while enough others take
    /// the traffic (`ReroutePlanner`).
    func reroute(to target: [HostSpec], from leaving: [HostSpec], newLive: String, earlierScripts: Bool,
                 _ record: inout PhaseRecordBook) async -> ReroutePlanner.Outcome? {
        var planner = ReroutePlanner(target: target.map(\.name), leaving: leaving.map(\.name), config: plan.config,
                                     leavesOutFailedAllows: back != nil)
        let byName = Dictionary(uniqueKeysWithValues: (target + leaving).map { ($0.name, $0) })
        var actions = planner.start()
        while !actions.isEmpty {
            var allows: [HostSpec] = [], blocks: [HostSpec] = []
            for action in actions {
                switch action {
                case .stepStarted(let index, let count):
                    let step = planner.steps[index]
                    announce(phase: "Reroute \(index + 1) of \(count)",
                             detail: "allow \(step.allow.joined(separator: ", ")); then block \(step.block.isEmpty ? "none" : step.block.joined(separator: ", "))",
                             hosts: step.allow + step.block)
                case .allow(let host): if let spec = byName[host] { allows.append(spec) }
                case .block(let host): if let spec = byName[host] { blocks.append(spec) }
                case .finished(let outcome):
                    if outcome.status == .succeeded {
                        await recordLive(newLive)
                        return outcome
                    }
                    if outcome.status == .stopped {
                        record.end(.stopped, code: stopCause.code, message: "\(stopCause.words). \(outcome.message)")
                    } else {
                        record.end(outcome.status, code: .healthConstraints, message: outcome.message)
                    }
                    return nil
                }
            }
            actions = []
            for (batch, allowing) in [(allows, true), (blocks, false)] where !batch.isEmpty {
                // After a stop nothing more starts: the batch counts as not done. The
                // planner, not the batch's own verdict, decides how the reroute ends.
                var done: [String: HostOutcome] = [:]
                if runner.stop.level < .graceful {
                    let result = await allAtOnce(batch, events: allowing ? Self.allowEvents : LifecycleEvent.blueGreenOriginal,
                                                 earlierScripts: earlierScripts)
                    record.add(result)
                    done = result.hosts
                }
                // A stop before or during the batch ends the reroute Stopped: the hosts it cut
                // short did not fail (it was a Failed verdict, and the automatic rollback for
                // a failure ran on one Ctrl-C).
                if runner.stop.level >= .graceful { actions += planner.stopRequested() }
                for host in batch {
                    guard let outcome = done[host.name] else {
                        actions += allowing ? planner.allowFinished(host.name, succeeded: false) : planner.blockFinished(host.name, succeeded: false)
                        continue
                    }
                    if outcome.cutShortByStop {
                        actions += planner.stopped(host.name, moved: outcome.succeeded(allowing ? .allowTraffic : .blockTraffic))
                    } else {
                        actions += allowing ? planner.allowFinished(host.name, succeeded: outcome.succeeded)
                            : planner.blockFinished(host.name, succeeded: outcome.succeeded)
                    }
                }
            }
        }
        return nil
    }

    /// Some events on some hosts, all at once, under the same deployment ID (so the
    /// allow-traffic hooks come from this deployment's revision folder).
    func allAtOnce(_ hosts: [HostSpec], events: [LifecycleEvent], earlierScripts: Bool) async -> DeploymentRunner.Result {
        var run = runner
        run.hosts = hosts
        run.config = .allAtOnce
        run.observer = PhaseObserver(inner: runner.observer)
        run.context.events = events
        run.context.traffic = traffic
        run.context.isBlueGreenRollback = earlierScripts
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

    /// Why the deployment was stopped: an alarm check in ALARM (ALARM_ACTIVE), the lock lost
    /// (INTERNAL_ERROR), else a person (MANUAL_STOP), with the words that begin the verdict's message.
    var stopCause: (code: DeploymentErrorCode, words: String) {
        switch runner.stop.cause {
        case .alarm(let why): return (.alarmActive, "The deployment was stopped because \(why)")
        case .lockLost(let why): return (.internalError, "The deployment was stopped because \(why)")
        case .request: return (.manualStop, "The deployment was stopped on request (\(runner.stop.reason ?? "stop"))")
        }
    }

    enum WaitEnding { case continued, timedOut, stopped }

    /// Until `hoist continue` signals, `seconds` pass, or a stop.
    func waitForContinue(seconds: Double) async -> WaitEnding {
        let deadline = clock.now() + seconds
        while true {
            if continueSignals.take(runner.context.id) { return .continued }
            if runner.stop.level >= .graceful { return .stopped }
            if clock.now() >= deadline { return .timedOut }
            do { try await clock.sleep(seconds: 0.2) } catch { return .stopped }
        }
    }

    /// Waits `seconds` on the clock; true when a stop came first.
    func pauseEndedByStop(seconds: Double) async -> Bool {
        let deadline = clock.now() + seconds
        while clock.now() < deadline {
            if runner.stop.level >= .graceful { return true }
            do { try await clock.sleep(seconds: min(0.2, deadline - clock.now())) } catch { return true }
        }
        return runner.stop.level >= .graceful
    }

    // MARK: Reporting

    /// One start for the whole deployment, naming every host of both fleets; the numbers are
    /// the configuration's over the fleet that installs or takes the traffic.
    func announce(rolloutOver fleet: [HostSpec]) {
        let planner = plan.rollout(of: fleet)
        let context = runner.context
        runner.observer.handle(.deploymentStarted(DeploymentStart(
            id: context.id, application: context.application, deploymentGroup: context.deploymentGroup,
            revision: context.revision.displayName, revisionSHA256: context.revision.sha256, config: plan.config.name,
            hosts: plan.hosts.map(\.name), maxConcurrency: planner.maxConcurrency,
            minimumHealthy: planner.minimumHealthy, time: Date())))
    }

    func announce(phase name: String, detail: String, hosts: [HostSpec]) {
        announce(phase: name, detail: detail, hosts: hosts.map(\.name))
    }

    func announce(phase name: String, detail: String, hosts: [String]) {
        runner.observer.handle(.phaseStarted(PhaseStart(name: name, detail: detail, hosts: hosts)))
    }

    // MARK: The live-fleet record on the hosts

    var reader: FleetRecordReader {
        FleetRecordReader(connector: runner.connector, plan: plan, deploymentID: runner.context.id)
    }

    func recordLive(_ fleet: String) async {
        await writeOnEveryHost { $0.writeLiveFleet(fleet) }
    }

    /// Written on every host of both fleets, so any one of them can answer.
    func writeOnEveryHost(_ write: (HostCommands) -> String) async {
        let connector = runner.connector
        await withTaskGroup(of: Void.self) { group in
            for host in plan.hosts {
                let command = write(reader.commands(host))
                group.addTask {
                    guard let session = try? await connector.connect(host) else { return }
                    _ = try? await session.capture(command, timeoutSeconds: 30)
                    await session.close()
                }
            }
        }
    }
}

/// What the phases so far add up to: each host's status over every phase it ran in (failed
/// in any phase is failed), its events, and the first ending that was not a success.
struct PhaseRecordBook: Sendable {
    var statuses: [String: InstanceStatus]
    var outcomes: [String: HostOutcome] = [:]
    var status = DeploymentStatus.succeeded
    var errorCode: DeploymentErrorCode?
    var message: String?

    init(hosts: [String]) {
        statuses = Dictionary(uniqueKeysWithValues: hosts.map { ($0, InstanceStatus.skipped) })
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
            if statuses[name] != .failed, outcome.status != .skipped { statuses[name] = outcome.status }
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

/// Passes a phase's events on without the phase's own verdict (nor its start, but for an
/// in-place rollout), so a deployment of several phases reads as one deployment.
struct PhaseObserver: DeploymentObserver {
    var inner: any DeploymentObserver
    var reportsStart = false
    func handle(_ event: DeploymentEvent) {
        switch event {
        case .deploymentFinished: return
        case .deploymentStarted where !reportsStart: return
        default: inner.handle(event)
        }
    }
}
