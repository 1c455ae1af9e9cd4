import Foundation
import HoistCore
import HoistPlanning

/// Runs a plan's phases in order (`DeploymentPhase`): a rollout under the deployment
/// configuration, events on a fleet all at once, a wait for `hoist continue`, the live-fleet
/// record. Stops at the first required phase that does not succeed. The phases report their
/// host and event events but not their own start (except the rollout) or verdict: the
/// coordinator reports one verdict for the whole deployment.
struct PhaseRun: Sendable {
    var plan: DeploymentPlan
    /// Carries the context, the connectors, the observer (history and reporter) and stop.
    var runner: DeploymentRunner
    /// Receives the all-at-once phases' events (the reporter; the history records the rollout).
    var phaseObserver: any DeploymentObserver
    var traffic: (any TrafficControl)?
    var clock: any PollingClock
    var continueSignals: any ContinueSignals

    struct Result: Sendable {
        var run: DeploymentRunner.Result
        /// Every host's events over all phases, for `HostAttention`.
        var events: [String: [(LifecycleEvent, EventOutcome)]]
    }

    func run() async -> Result {
        var events: [String: [(LifecycleEvent, EventOutcome)]] = [:]
        func keep(_ result: DeploymentRunner.Result) {
            for (host, outcome) in result.hosts { events[host, default: []] += outcome.events }
        }
        let live = plan.blueGreen == nil ? nil : await liveFleet()
        var primary: DeploymentRunner.Result?
        for phase in plan.phases {
            switch phase {
            case .rollout(let fleet, let list):
                var install = runner
                install.hosts = plan.hosts(of: fleet, live: live)
                install.context.events = list
                install.context.traffic = traffic
                install.observer = PhaseObserver(inner: runner.observer, reportsStart: true)
                let result = await install.run()
                keep(result)
                primary = result
                guard result.verdict.status == .succeeded else { return Result(run: result, events: events) }
            case .allAtOnce(let fleet, let list, let earlier, let required):
                var run = runner
                run.hosts = plan.hosts(of: fleet, live: live)
                run.config = .allAtOnce
                run.observer = PhaseObserver(inner: phaseObserver, reportsStart: false)
                run.context.events = list
                run.context.traffic = traffic
                run.context.isBlueGreenRollback = earlier
                let result = await run.run()
                keep(result)
                if primary == nil { primary = result }
                if required, result.verdict.status != .succeeded { return Result(run: result, events: events) }
            case .waitForContinue(let seconds):
                phaseObserver.handle(.notice(.waitingForContinue(deploymentID: runner.context.id, seconds: seconds)))
                if !(await waitForContinue(seconds: seconds)), let base = primary {
                    let current = live ?? plan.blueGreen?.fleets.first ?? ""
                    if case .alarm(let why) = runner.stop.cause, runner.stop.level > .none {
                        var stopped = Self.ended(base, status: .stopped, message: "The deployment was stopped because \(why); traffic stays on \(current)")
                        stopped.verdict.errorCode = .alarmActive
                        return Result(run: stopped, events: events)
                    }
                    return Result(run: Self.ended(base, status: .stopped,
                        message: "nobody ran `hoist continue \(runner.context.id)` within \(Int(seconds)) s; traffic stays on \(current)"), events: events)
                }
            case .recordLiveFleet:
                if let spec = plan.blueGreen {
                    let current = live ?? spec.fleets.first ?? ""
                    await recordLive(spec.fleets.first { $0 != current } ?? current)
                }
            case .pause(let seconds):
                try? await clock.sleep(seconds: seconds)
            }
        }
        let base = primary ?? DeploymentRunner.Result(verdict: DeploymentVerdictSummary(
            id: runner.context.id, status: .succeeded, errorCode: nil, message: nil, hostStatuses: [:], time: Date()), hosts: [:])
        return Result(run: Self.ended(base, status: .succeeded, message: nil), events: events)
    }

    static func ended(_ result: DeploymentRunner.Result, status: DeploymentStatus, message: String?) -> DeploymentRunner.Result {
        var result = result
        result.verdict.status = status
        result.verdict.message = message ?? result.verdict.message
        result.verdict.time = Date()
        return result
    }

    /// True once `hoist continue` signals, false after `seconds` or a stop.
    func waitForContinue(seconds: Double) async -> Bool {
        let deadline = clock.now() + seconds
        while clock.now() < deadline, runner.stop.level == .none {
            if continueSignals.take(runner.context.id) { return true }
            do { try await clock.sleep(seconds: 0.5) } catch { return false }
        }
        return false
    }

    // MARK: The live-fleet record on the hosts

    func commands(_ host: HostSpec) -> HostCommands {
        HostCommands(layout: HostLayout(root: host.deploymentRoot, groupID: runner.context.groupID),
                     deploymentID: runner.context.id, become: RemoteProgram.usesSudo(host))
    }

    /// The first fleet name any host records, else the first listed fleet.
    func liveFleet() async -> String {
        let fleets = plan.blueGreen?.fleets ?? []
        for host in plan.hosts {
            guard let session = try? await runner.connector.connect(host) else { continue }
            let answer = try? await session.capture(commands(host).readLiveFleet, timeoutSeconds: 30)
            await session.close()
            let name = (answer?.1 ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if fleets.contains(name) { return name }
        }
        return fleets.first ?? ""
    }

    /// Written on every host of both fleets, so any one of them can answer.
    func recordLive(_ fleet: String) async {
        let connector = runner.connector
        await withTaskGroup(of: Void.self) { group in
            for host in plan.hosts {
                let command = commands(host).writeLiveFleet(fleet)
                group.addTask {
                    guard let session = try? await connector.connect(host) else { return }
                    _ = try? await session.capture(command, timeoutSeconds: 30)
                    await session.close()
                }
            }
        }
    }
}

/// Passes a phase's events on, without the phase's own verdict (and start, but for the
/// rollout), so a deployment of several phases reads as one deployment.
struct PhaseObserver: DeploymentObserver {
    var inner: any DeploymentObserver
    var reportsStart: Bool
    func handle(_ event: DeploymentEvent) {
        switch event {
        case .deploymentFinished: return
        case .deploymentStarted where !reportsStart: return
        default: inner.handle(event)
        }
    }
}
