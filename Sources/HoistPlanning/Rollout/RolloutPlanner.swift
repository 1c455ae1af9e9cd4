import HoistCore

/// Decides which hosts to deploy to, and when, under CodeDeploy's minimum-healthy-hosts rules.
///
/// A value type with no I/O, in the style of swift-nio-ssh's `SSHConnectionStateMachine`: the
/// engine feeds it inputs (`start`, `hostFinished`, `stopRequested`, `bakeFinished`) and carries
/// out the actions each input returns. Hosts go out through a sliding window, not lockstep
/// batches: a host starts as soon as starting it keeps "succeeded hosts + healthy hosts not
/// yet started" at or above the minimum even if every host in flight failed, and never more
/// than `maxConcurrency` hosts are in flight.
///
/// Verdicts:
/// - no hosts: Failed, NO_INSTANCES; healthy at start ≤ minimum (or a zone's healthy ≤ its
///   nonzero minimum): Failed, HEALTH_CONSTRAINTS_INVALID; nothing starts.
/// - the next host can never start (nothing in flight, and starting it would drop the healthy
///   count below a minimum), or under OneAtATime any host but the last fails: Failed,
///   HEALTH_CONSTRAINTS; the rest are Skipped.
/// - every host ran: Succeeded if at least `max(minimum, 1)` succeeded, else Failed,
///   HEALTH_CONSTRAINTS. (OneAtATime's minimum is all healthy hosts but one, so only its last
///   host may fail; a single host must succeed.)
/// - a stop input before the verdict: Stopped, MANUAL_STOP (ALARM_ACTIVE when an alarm asked),
///   once the hosts in flight report.
public struct RolloutPlanner: Sendable {
    /// Who stopped the deployment.
    public enum StopReason: Sendable, Hashable {
        case manual
        /// An alarm check is in ALARM; the text names the checks and what they saw.
        case alarm(String)
        /// The deployment no longer holds the group's lock (another took it over, or this
        /// coordinator could not renew it for a lease); the text says which.
        case lockLost(String)
    }

    enum HostState: Sendable, Hashable { case pending, inFlight, succeeded, failed, skipped }

    /// Why the deployment is ending once the hosts in flight have reported.
    enum Ending: Sendable, Hashable { case completed, failed, stopped(StopReason) }

    enum Phase: Sendable, Hashable {
        case notStarted
        case deploying(zone: Int)
        case baking(nextZone: Int)
        /// No new hosts start; the verdict comes when the last host in flight reports.
        case draining(Ending)
        case finished(DeploymentVerdict)
    }

    public let config: DeploymentConfig
    /// The targets in the order they will be started.
    public let orderedHosts: [RolloutHost]
    public let limits: RolloutLimits
    /// Set when the deployment can't start at all; `start()` then finishes at once with it.
    public let refusal: RolloutRefusal?
    let zones: [RolloutZone]
    private let zoneOfHost: [Int]
    private let indexByName: [String: Int]

    private var phase: Phase = .notStarted
    private var states: [HostState]
    /// Hosts are started strictly in order: every host before this one has been started.
    private var nextHost = 0
    private var inFlightCount = 0
    /// Succeeded hosts plus hosts not yet started that were healthy at start; per zone too.
    private var healthyNow: Int
    private var zoneHealthyNow: [Int]

    /// - Precondition: host names are unique.
    /// - Parameter concurrencyCap: the playbook's `ssh.concurrency`, a cap on hosts in flight.
    public init(hosts: [RolloutHost], config: DeploymentConfig, concurrencyCap: Int? = nil) {
        self.config = config
        let ordered = RolloutHost.deploymentOrder(hosts, zonal: config.zonal != nil)
        orderedHosts = ordered
        var indexByName: [String: Int] = [:]
        for (index, host) in ordered.enumerated() {
            precondition(indexByName.updateValue(index, forKey: host.name) == nil,
                         "duplicate host name \(host.name) in a rollout")
        }
        self.indexByName = indexByName
        let limits = RolloutLimits(
            config: config, fleetSize: ordered.count,
            healthyAtStart: ordered.count(where: \.isHealthyAtStart), concurrencyCap: concurrencyCap)
        self.limits = limits
        let zones = RolloutZone.zones(of: ordered, config: config)
        self.zones = zones
        var zoneOfHost = [Int](repeating: 0, count: ordered.count)
        for (zoneIndex, zone) in zones.enumerated() {
            for host in zone.hosts { zoneOfHost[host] = zoneIndex }
        }
        self.zoneOfHost = zoneOfHost
        refusal = limits.refusal(config: config)
            ?? config.zonal.flatMap { zonal in
                zones.lazy.compactMap { $0.refusal(rule: zonal.minimumHealthyHostsPerZone) }.first
            }
        states = Array(repeating: .pending, count: ordered.count)
        healthyNow = limits.healthyAtStart
        zoneHealthyNow = zones.map(\.healthyAtStart)
    }

    public var minimumHealthy: Int { limits.minimumHealthy }
    public var maxConcurrency: Int { limits.maxConcurrency }

    /// Hosts started and not yet reported, in deployment order.
    public var inFlightHosts: [String] {
        states.indices.filter { states[$0] == .inFlight }.map { orderedHosts[$0].name }
    }

    /// Succeeded hosts plus hosts not yet started that were healthy at start.
    public var healthyHostCount: Int { healthyNow }

    /// The deployment's status now: Created, InProgress, Baking, or the verdict's.
    public var status: DeploymentStatus {
        switch phase {
        case .notStarted: .created
        case .deploying, .draining: .inProgress
        case .baking: .baking
        case .finished(let verdict): verdict.status
        }
    }

    /// A host's status now (Pending, InProgress, Succeeded, Failed, Skipped), `nil` if unknown.
    public func status(of host: String) -> InstanceStatus? {
        guard let index = indexByName[host] else { return nil }
        switch states[index] {
        case .pending: return .pending
        case .inFlight: return .inProgress
        case .succeeded: return .succeeded
        case .failed: return .failed
        case .skipped: return .skipped
        }
    }

    /// The verdict, once the deployment has finished.
    public var verdict: DeploymentVerdict? {
        if case .finished(let verdict) = phase { return verdict }
        return nil
    }

    // MARK: Inputs

    /// Begins the deployment: the first hosts to start, or at once the refusal verdict.
    public mutating func start() -> [RolloutAction] {
        guard case .notStarted = phase else { return [] }
        if let refusal {
            return [finish(status: .failed, code: refusal.code, message: refusal.message)]
        }
        phase = .deploying(zone: 0)
        return advance()
    }

    /// Records a host's result; a report for a host that is not in flight is ignored.
    public mutating func hostFinished(_ name: String, succeeded: Bool) -> [RolloutAction] {
        guard let index = indexByName[name], states[index] == .inFlight else { return [] }
        states[index] = succeeded ? .succeeded : .failed
        inFlightCount -= 1
        if succeeded {
            healthyNow += 1
            zoneHealthyNow[zoneOfHost[index]] += 1
        } else if case .deploying = phase, mustStopAfterFailure() {
            phase = .draining(.failed)
        }
        return advance()
    }

    /// A stop (Ctrl-C, or an alarm): no new hosts start; the deployment ends Stopped once the
    /// hosts in flight report, with MANUAL_STOP or ALARM_ACTIVE. A deployment already failing
    /// stays Failed.
    public mutating func stopRequested(_ reason: StopReason = .manual) -> [RolloutAction] {
        switch phase {
        case .notStarted, .deploying, .baking:
            phase = .draining(.stopped(reason))
            return advance()
        case .draining, .finished:
            return []
        }
    }

    /// The bake after a zone is over: the next zone may start.
    public mutating func bakeFinished() -> [RolloutAction] {
        guard case .baking(let nextZone) = phase else { return [] }
        phase = .deploying(zone: nextZone)
        return advance()
    }

    // MARK: Scheduling

    /// Starts every host that may start now, and moves between zones and to the verdict.
    private mutating func advance() -> [RolloutAction] {
        var actions: [RolloutAction] = []
        while true {
            switch phase {
            case .deploying(let zone):
                let end = zones[zone].hosts.upperBound
                while nextHost < end, mayStart(nextHost, zone: zone) {
                    states[nextHost] = .inFlight
                    inFlightCount += 1
                    if orderedHosts[nextHost].isHealthyAtStart {
                        healthyNow -= 1
                        zoneHealthyNow[zone] -= 1
                    }
                    actions.append(.startHost(orderedHosts[nextHost].name))
                    nextHost += 1
                }
                guard inFlightCount == 0 else { return actions }
                if nextHost < end {
                    // Nothing in flight and the next host may not start: no success can come
                    // to make room, so the minimum is out of reach (HEALTH_CONSTRAINTS).
                    phase = .draining(.failed)
                } else if zone == zones.count - 1 {
                    phase = .draining(.completed)
                } else if zones[zone].bakeSeconds > 0 {
                    phase = .baking(nextZone: zone + 1)
                    actions.append(.bake(seconds: zones[zone].bakeSeconds))
                    return actions
                } else {
                    phase = .deploying(zone: zone + 1)
                }
            case .draining(let ending):
                if inFlightCount == 0 { actions.append(finish(ending)) }
                return actions
            case .notStarted, .baking, .finished:
                return actions
            }
        }
    }

    private func mayStart(_ index: Int, zone: Int) -> Bool {
        guard inFlightCount < limits.maxConcurrency else { return false }
        guard orderedHosts[index].isHealthyAtStart else { return true }
        return healthyNow - 1 >= limits.minimumHealthy
            && zoneHealthyNow[zone] - 1 >= zones[zone].minimumHealthy
    }

    /// OneAtATime stops on any failure but the last host's. Every other configuration stops
    /// when the next host can never start (see `advance`): the window never takes out more
    /// than `healthy − minimum` hosts, so a failure can only strand the deployment once
    /// nothing else is in flight, and a host that may not start then never will.
    private func mustStopAfterFailure() -> Bool {
        config.isOneAtATime && nextHost < orderedHosts.count
    }

    // MARK: Verdict

    private mutating func finish(_ ending: Ending) -> RolloutAction {
        switch ending {
        case .stopped(.manual):
            let skipped = states.count(where: { $0 == .pending })
            return finish(status: .stopped, code: .manualStop, message: RolloutMessages.stopped(skipped: skipped))
        case .stopped(.alarm(let why)):
            let skipped = states.count(where: { $0 == .pending })
            return finish(status: .stopped, code: .alarmActive, message: RolloutMessages.stoppedOnAlarm(why, skipped: skipped))
        case .stopped(.lockLost(let why)):
            let skipped = states.count(where: { $0 == .pending })
            return finish(status: .stopped, code: .internalError, message: RolloutMessages.stoppedOnLostLock(why, skipped: skipped))
        case .failed:
            return finish(status: .failed, code: .healthConstraints, message: RolloutMessages.healthConstraints)
        case .completed:
            return finish(DeploymentVerdict.everyHostRan(outcomes, limits: limits))
        }
    }

    private var outcomes: [RolloutHostOutcome] {
        orderedHosts.indices.map { index -> RolloutHostOutcome in
            let final: InstanceStatus
            switch states[index] {
            case .succeeded: final = .succeeded
            case .failed: final = .failed
            case .pending, .inFlight, .skipped: final = .skipped
            }
            return RolloutHostOutcome(name: orderedHosts[index].name, status: final)
        }
    }

    private mutating func finish(status: DeploymentStatus, code: DeploymentErrorCode?, message: String) -> RolloutAction {
        finish(DeploymentVerdict(status: status, errorCode: code, message: message, hosts: outcomes))
    }

    private mutating func finish(_ verdict: DeploymentVerdict) -> RolloutAction {
        states = states.map { $0 == .pending ? .skipped : $0 }
        phase = .finished(verdict)
        return .finished(verdict)
    }
}
