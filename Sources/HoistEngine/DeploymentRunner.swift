import Foundation
import HoistCore
import HoistPlanning

/// Runs a deployment across hosts: the rollout planner decides which host starts when
/// (minimum healthy hosts, a sliding window, stop rules); this type carries out its actions,
/// one task per host, and reports every event to the observer.
public struct DeploymentRunner: Sendable {
    public var context: DeploymentContext
    public var hosts: [HostSpec]
    public var config: DeploymentConfig
    /// The playbook's `ssh.concurrency`: at most this many hosts at once.
    public var concurrencyCap: Int?
    public var health: [String: HostHealth]
    public var connector: any HostConnector
    /// Opens extra connections for stopping running hooks; defaults to `connector`.
    public var sideConnector: (any HostConnector)?
    public var observer: any DeploymentObserver
    public var stop: StopController

    public init(context: DeploymentContext, hosts: [HostSpec], config: DeploymentConfig, concurrencyCap: Int? = nil,
                health: [String: HostHealth] = [:], connector: any HostConnector,
                sideConnector: (any HostConnector)? = nil,
                observer: any DeploymentObserver, stop: StopController = StopController()) {
        self.sideConnector = sideConnector
        self.context = context
        self.hosts = hosts
        self.config = config
        self.concurrencyCap = concurrencyCap
        self.health = health
        self.connector = connector
        self.observer = observer
        self.stop = stop
    }

    /// The planner for these hosts, for `hoist plan` and for the run itself.
    public var planner: RolloutPlanner {
        let zoneTag = config.zonal?.zoneTag
        return RolloutPlanner(hosts: hosts.map { host in
            RolloutHost(name: host.name, health: health[host.name] ?? .neverDeployed,
                        zone: zoneTag.flatMap { host.tagValue($0) ?? nil })
        }, config: config, concurrencyCap: concurrencyCap)
    }

    enum Message: Sendable {
        case hostDone(HostOutcome)
        case stopLevel(StopLevel)
        case bakeDone
    }

    public struct Result: Sendable {
        public var verdict: DeploymentVerdictSummary
        public var hosts: [String: HostOutcome]
        public init(verdict: DeploymentVerdictSummary, hosts: [String: HostOutcome]) {
            self.verdict = verdict
            self.hosts = hosts
        }
    }

    public func run() async -> Result {
        var planner = self.planner
        let byName = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0) })
        observer.handle(.deploymentStarted(DeploymentStart(
            id: context.id, application: context.application, deploymentGroup: context.deploymentGroup,
            revision: context.revision.displayName, revisionSHA256: context.revision.sha256, config: config.name,
            hosts: planner.orderedHosts.map(\.name), maxConcurrency: planner.maxConcurrency,
            minimumHealthy: planner.minimumHealthy, time: Date())))

        var outcomes: [String: HostOutcome] = [:]
        var verdict: DeploymentVerdict?
        let context = self.context
        let connector = self.connector
        let side = self.sideConnector ?? self.connector
        let observer = self.observer
        let stop = self.stop
        let zoneTag = config.zonal?.zoneTag

        await withTaskGroup(of: Message.self) { group in
            var running = 0
            var stopSeen = StopLevel.none
            // The host whose end finished a zone names the zone that bakes.
            var lastFinished: String?
            group.addTask { .stopLevel(await stop.wait(above: .none)) }

            // Hosts about to start get their connections made ahead (as many as may run at
            // once), so a host's turn does not begin with a handshake.
            let upcoming = planner.orderedHosts.compactMap { byName[$0.name] }
            let lookahead = max(1, min(planner.maxConcurrency, upcoming.count))
            var started = 0
            var prepared = 0
            func prepareAhead() {
                while prepared < min(upcoming.count, started + lookahead) {
                    connector.prepare(upcoming[prepared])
                    prepared += 1
                }
            }
            // The next prepared host whose turn has not come gets its probe and upload now,
            // while the running hosts run their hooks (hosts started together need none: their
            // turn is now). One host ahead at most: uploads share the connector's permits, and
            // a running host waiting for one has its application stopped meanwhile.
            var startedNames: Set<String> = []
            var staged: [String: StagedBundle] = [:]
            func stageAhead() {
                guard !staged.keys.contains(where: { !startedNames.contains($0) }),
                      let next = upcoming.prefix(prepared).first(where: { !startedNames.contains($0.name) && staged[$0.name] == nil })
                else { return }
                staged[next.name] = StagedBundle(host: next, context: context, connector: connector, observer: observer, stop: stop)
            }

            func apply(_ actions: [RolloutAction]) {
                for action in actions {
                    switch action {
                    case .startHost(let name):
                        guard let host = byName[name] else { continue }
                        started += 1
                        startedNames.insert(name)
                        prepareAhead()
                        running += 1
                        let ahead = staged[name]
                        group.addTask {
                            .hostDone(await Self.deployHost(host, context: context, connector: connector, side: side, observer: observer,
                                                            stop: stop, staged: ahead))
                        }
                    case .bake(let seconds):
                        let zone = lastFinished.flatMap { byName[$0] }.flatMap { host in zoneTag.flatMap { host.tagValue($0) ?? nil } }
                        observer.handle(.notice(.zoneBaking(zone: zone, seconds: seconds, until: Date().addingTimeInterval(Double(seconds)))))
                        running += 1
                        group.addTask {
                            await Self.bake(seconds: seconds, stop: stop)
                            return .bakeDone
                        }
                    case .finished(let v):
                        verdict = v
                    }
                }
            }

            // A stop that came before the first host (Ctrl-C while the lock was taken) starts
            // none: every host ends Skipped, none Failed for a deployment it never saw.
            if stop.level >= .graceful { apply(planner.stopRequested(Self.stopReason(stop))) }
            apply(planner.start())
            stageAhead()
            while verdict == nil || running > 0, let message = await group.next() {
                switch message {
                case .hostDone(let outcome):
                    running -= 1
                    outcomes[outcome.host] = outcome
                    lastFinished = outcome.host
                    apply(planner.hostFinished(outcome.host, succeeded: outcome.succeeded))
                case .bakeDone:
                    running -= 1
                    apply(planner.bakeFinished())
                case .stopLevel(let level):
                    if Task.isCancelled || level == .none { break }
                    if level > stopSeen {
                        stopSeen = level
                        // An upload ahead of a turn that will not come stops now, not when it
                        // ends; at a stop at once, so does a started host's.
                        for (name, ahead) in staged where level >= .immediate || !startedNames.contains(name) { ahead.cancel() }
                        apply(planner.stopRequested(Self.stopReason(stop)))
                        if level < .immediate { group.addTask { .stopLevel(await stop.wait(above: level)) } }
                    }
                }
                stageAhead()
            }
            group.cancelAll()
            // Before the sessions close: what was sent ahead to a host whose turn never came (a
            // stop, a failed deployment) is removed again.
            for (name, ahead) in staged {
                if startedNames.contains(name) { await ahead.cancelAndWait() } else { await ahead.discard() }
            }
        }
        let final = verdict ?? planner.verdict
        var statuses: [String: InstanceStatus] = [:]
        for host in final?.hosts ?? [] { statuses[host.name] = host.status }
        for (name, outcome) in outcomes where statuses[name] == nil { statuses[name] = outcome.status }
        let summary = DeploymentVerdictSummary(
            id: context.id, status: final?.status ?? .failed, errorCode: final?.errorCode,
            message: final?.message, hostStatuses: statuses, time: Date())
        observer.handle(.deploymentFinished(summary))
        return Result(verdict: summary, hosts: outcomes)
    }

    /// A zone's bake time (`monitor_duration`): ends early when the deployment is stopped (by
    /// a person or an alarm polled during the bake), so a stop never waits the bake out.
    static func bake(seconds: Int, stop: StopController) async {
        _ = await stop.sleep(for: .seconds(seconds))
    }

    static func stopReason(_ stop: StopController) -> RolloutPlanner.StopReason {
        switch stop.cause {
        case .request: return .manual
        case .alarm(let why): return .alarm(why)
        case .lockLost(let why): return .lockLost(why)
        }
    }

    /// Connects, runs the host's lifecycle, and closes the session; a host that cannot be
    /// reached fails with HostUnreachable and every event Skipped.
    @inline(never)  // not into each host's task, whose frame it would grow for the whole deployment
    static func deployHost(_ host: HostSpec, context: DeploymentContext, connector: any HostConnector,
                           side: any HostConnector, observer: any DeploymentObserver, stop: StopController,
                           staged: StagedBundle? = nil) async -> HostOutcome {
        let start = Date()
        observer.handle(.hostStarted(host: host.name, time: start))
        let session: any HostSession
        do {
            session = try await connector.connect(host)
        } catch {
            return unreachable(host, error, context: context, observer: observer, since: start)
        }
        var deployment = HostDeployment(host: host, session: session, context: context, observer: observer, stop: stop,
                                        connector: side)
        deployment.staged = staged
        let outcome = await deployment.run()
        await session.close()
        return outcome
    }

    @inline(never)
    private static func unreachable(_ host: HostSpec, _ error: any Error, context: DeploymentContext,
                                    observer: any DeploymentObserver, since start: Date) -> HostOutcome {
        let (code, message) = HostDeployment.describe(error)
        let events = context.events.map { ($0, EventOutcome(status: .skipped, message: "not run: \(message)", start: start, end: Date())) }
        observer.handle(.hostFinished(host: host.name, status: .failed, errorCode: code, message: message, time: Date()))
        return HostOutcome(host: host.name, status: .failed, errorCode: code, message: message, events: events)
    }
}
