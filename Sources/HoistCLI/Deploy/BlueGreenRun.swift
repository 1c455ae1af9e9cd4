import Foundation
import HoistCore
import HoistEngine
import HoistPlanning

/// A blue/green deployment on long-lived hosts: two fleets named by a tag take turns serving.
/// The fleet that is not live (the replacement) is taken out of rotation, gets the new
/// revision with the in-place events under the deployment configuration, then traffic moves:
/// every replacement host is allowed (and healthy) before any original host is blocked, so
/// the serving capacity never drops below a whole fleet. Which fleet is live is recorded on
/// the hosts of both fleets (`<root>/deployment-instructions/<group-id>_live_fleet`); with no
/// record, the first listed fleet is live.
struct BlueGreenRun: Sendable {
    /// Carries the context (with the in-place events), every host of both fleets, the
    /// deployment configuration, the connector, the observer and the stop controller.
    var runner: DeploymentRunner
    var spec: BlueGreenSpec
    var traffic: (any TrafficControl)?
    /// Receives the traffic phases (the history recorder sees only the install phase).
    var trafficObserver: any DeploymentObserver

    static let allowEvents: [LifecycleEvent] = [.beforeAllowTraffic, .allowTraffic, .afterAllowTraffic]

    /// The hosts of one fleet, in the order the playbook selected them.
    func hosts(of fleet: String) -> [HostSpec] {
        runner.hosts.filter { $0.tagValue(spec.fleetTag) == .some(fleet) }
    }

    func other(than fleet: String) -> String { spec.fleets.first { $0 != fleet } ?? fleet }

    /// Deploys to the replacement fleet and moves traffic to it.
    func deploy() async -> DeploymentRunner.Result { finish(await deployPhases()) }

    /// Moves traffic back to the fleet that served before the last deployment (§2.1): it gets
    /// the allow-traffic events with scripts from its last successful revision, the fleet
    /// going out gets the block-traffic events with scripts from its most recent revision.
    func rollback() async -> DeploymentRunner.Result {
        let live = await liveFleet()
        let original = other(than: live)
        return finish(await reroute(to: hosts(of: original), from: hosts(of: live), newLive: original, rollback: true))
    }

    /// Phases report everything but their own verdicts; the whole deployment's is reported once.
    func finish(_ result: DeploymentRunner.Result) -> DeploymentRunner.Result {
        runner.observer.handle(.deploymentFinished(result.verdict))
        return result
    }

    func deployPhases() async -> DeploymentRunner.Result {
        let live = await liveFleet()
        let replacement = other(than: live)
        let newHosts = hosts(of: replacement), oldHosts = hosts(of: live)

        if traffic != nil {
            let out = await phase(newHosts, events: [.blockTraffic], observer: trafficObserver)
            if out.verdict.status != .succeeded { return out }
        }
        var install = runner
        install.observer = PhaseObserver(inner: runner.observer, reportsStart: true)
        install.hosts = newHosts
        install.context.events = LifecycleEvent.inPlace
        install.context.traffic = nil
        let installed = await install.run()
        guard installed.verdict.status == .succeeded else { return installed }

        if spec.readyWaitSeconds != nil {
            trafficObserver.handle(.milestone(.ready, time: Date()))
        }
        if let wait = spec.readyWaitSeconds, !(await ContinueSignal.wait(id: runner.context.id, seconds: wait, stop: runner.stop)) {
            if case .alarm(let why) = runner.stop.cause, runner.stop.level > .none {
                var stopped = Self.ended(installed, status: .stopped, message: "The deployment was stopped because \(why); traffic stays on \(live)")
                stopped.verdict.errorCode = .alarmActive
                return stopped
            }
            return Self.ended(installed, status: .stopped,
                              message: "nobody ran `hoist continue \(runner.context.id)` within \(Int(wait)) s; traffic stays on \(live)")
        }
        let rerouted = await reroute(to: newHosts, from: oldHosts, newLive: replacement, rollback: false)
        guard rerouted.verdict.status == .succeeded else { return rerouted }
        if spec.originalFleetAction == .terminate {
            if spec.terminationWaitSeconds > 0 { try? await Task.sleep(for: .seconds(spec.terminationWaitSeconds)) }
            // The termination hook: the originals' ApplicationStop from their last successful revision.
            _ = await phase(oldHosts, events: [.applicationStop], observer: trafficObserver)
        }
        return Self.ended(installed, status: .succeeded, message: nil)
    }

    func reroute(to newHosts: [HostSpec], from oldHosts: [HostSpec], newLive: String, rollback: Bool) async -> DeploymentRunner.Result {
        let allowed = await phase(newHosts, events: Self.allowEvents, observer: trafficObserver, rollback: rollback)
        guard allowed.verdict.status == .succeeded else { return allowed }
        let blocked = await phase(oldHosts, events: LifecycleEvent.blueGreenOriginal, observer: trafficObserver, rollback: rollback)
        guard blocked.verdict.status == .succeeded else { return blocked }
        await recordLive(newLive)
        return allowed
    }

    /// Runs some events on some hosts, all at once, under the same deployment ID (so the
    /// allow-traffic hooks come from this deployment's revision folder).
    func phase(_ hosts: [HostSpec], events: [LifecycleEvent], observer: any DeploymentObserver, rollback: Bool = false) async -> DeploymentRunner.Result {
        var run = runner
        run.hosts = hosts
        run.config = .allAtOnce
        run.observer = PhaseObserver(inner: observer, reportsStart: false)
        run.context.events = events
        run.context.traffic = traffic
        run.context.isBlueGreenRollback = rollback
        return await run.run()
    }

    static func ended(_ result: DeploymentRunner.Result, status: DeploymentStatus, message: String?) -> DeploymentRunner.Result {
        var result = result
        result.verdict.status = status
        result.verdict.message = message ?? result.verdict.message
        return result
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

/// Passes a phase's events on, without the phase's own verdict (and start, but for the
/// install phase), so a blue/green deployment reads as one deployment.
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

/// `hoist continue ID`: a file under the user's state folder that a blue/green deployment
/// waiting for its `ready_wait` polls. The waiting coordinator and the command run on the
/// same machine, as the lock and history do.
enum ContinueSignal {
    static func file(id: String) -> URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return base.appendingPathComponent("hoist/continue/\(id)")
    }

    static func signal(id: String) throws {
        let url = file(id: id)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data().write(to: url)
    }

    /// True once the file appears (it is removed then), false after `seconds` or a stop.
    static func wait(id: String, seconds: Double, stop: StopController) async -> Bool {
        let url = file(id: id)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, stop.level == .none {
            if FileManager.default.fileExists(atPath: url.path) {
                try? FileManager.default.removeItem(at: url)
                return true
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return false
    }
}
