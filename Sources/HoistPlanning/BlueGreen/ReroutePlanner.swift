import HoistCore

/// Moves traffic from one fleet to another in batches, under the deployment configuration: a
/// value type with no I/O that the engine feeds results and whose actions it carries out, in
/// the style of `RolloutPlanner`.
///
/// The target fleet (the replacement on a deployment, the original on a rollback) is
/// allowed in batches of at most `batchSize` hosts, `healthy − minimum` of the target fleet
/// as the configuration counts it (one for OneAtATime, half for HalfAtATime, all for
/// AllAtOnce). The leaving fleet is blocked in matching batches: after step k, the share of
/// the leaving fleet blocked equals (rounded down) the share of the target fleet allowed, so
/// the last step blocks whatever is left. A step's blocks start only once every allow of that
/// step succeeded (the balancer reports the hosts healthy); so the hosts serving never drop
/// below what served before the step, and never below the configuration's minimum.
///
/// Any allow or block that fails ends the reroute Failed once the hosts in flight report (no
/// new host starts): CodeDeploy fails a blue/green deployment when an original host cannot
/// be deregistered, and a replacement host that never turns healthy cannot carry traffic.
/// A stop ends it Stopped the same way. Traffic is then split between the fleets as the
/// finished steps left it; the automatic rollback reroutes it back.
///
/// A reroute back (a rollback) leaves a target host whose allow fails out of rotation instead
/// (`leavesOutFailedAllows`), as long as the configuration's minimum healthy hosts of the
/// target fleet (at least one) can still take traffic: failing there would leave traffic on
/// the fleet being rolled back, for one original host that did not come back. The hosts in
/// rotation are then fewer, by the hosts left out, than the configuration requires of a
/// reroute; the verdict names them.
public struct ReroutePlanner: Sendable {
    /// One batch: the target hosts to put into rotation, then the leaving hosts to take out.
    public struct Step: Sendable, Hashable {
        public var allow: [String]
        public var block: [String]
        public init(allow: [String], block: [String]) {
            self.allow = allow
            self.block = block
        }
    }

    /// What the engine does next.
    public enum Action: Sendable, Hashable {
        /// Runs the allow-traffic events on a target host (AllowTraffic waits for health).
        case allow(String)
        /// Runs the block-traffic events on a leaving host.
        case block(String)
        /// Step `index` (from 0) of `count` begins.
        case stepStarted(index: Int, count: Int)
        case finished(Outcome)
    }

    /// How the reroute ended.
    public struct Outcome: Sendable, Hashable {
        public var status: DeploymentStatus
        public var message: String
        /// Target hosts now in rotation and leaving hosts now out of it.
        public var allowed: [String]
        public var blocked: [String]
        /// Target hosts a reroute back left out of rotation because their allow failed.
        public var leftOut: [String]
    }

    enum HostState: Sendable, Hashable { case pending, inFlight, done, failed }
    enum Phase: Sendable, Hashable { case notStarted, allowing(Int), blocking(Int), draining(DeploymentStatus), finished }

    public let steps: [Step]
    /// The configuration's minimum healthy hosts, counted over the target fleet.
    public let minimumHealthy: Int
    public let batchSize: Int
    public let leavesOutFailedAllows: Bool
    private var phase: Phase = .notStarted
    private var states: [String: HostState] = [:]
    private var inFlight = 0
    private var allowed: [String] = []
    private var blocked: [String] = []
    private var leftOut: [String] = []
    private var failures: [String] = []

    /// - Parameters:
    ///   - target: the hosts that take the traffic, in the order to allow them.
    ///   - leaving: the hosts that give it up, in the order to block them.
    ///   - leavesOutFailedAllows: a reroute back: a target host whose allow fails stays out
    ///     while enough others can take the traffic.
    public init(target: [String], leaving: [String], config: DeploymentConfig, leavesOutFailedAllows: Bool = false) {
        let limits = RolloutLimits(config: config, fleetSize: target.count, healthyAtStart: target.count)
        minimumHealthy = limits.minimumHealthy
        batchSize = max(1, limits.maxConcurrency)
        self.leavesOutFailedAllows = leavesOutFailedAllows
        steps = Self.steps(target: target, leaving: leaving, batchSize: batchSize)
        for name in target + leaving { states[name] = .pending }
    }

    /// Pairs of batches: allows of at most `batchSize`, and after step k the leaving hosts
    /// blocked are `⌊leaving × allowed / target⌋` (all of them after the last step). With no
    /// target host nothing is blocked: a fleet is never taken out for nothing.
    static func steps(target: [String], leaving: [String], batchSize: Int) -> [Step] {
        guard !target.isEmpty else { return [] }
        var steps: [Step] = []
        var allowedSoFar = 0, blockedSoFar = 0
        while allowedSoFar < target.count {
            let next = min(target.count, allowedSoFar + batchSize)
            let blockTo = next == target.count ? leaving.count : leaving.count * next / target.count
            steps.append(Step(allow: Array(target[allowedSoFar..<next]), block: Array(leaving[blockedSoFar..<blockTo])))
            allowedSoFar = next
            blockedSoFar = blockTo
        }
        return steps
    }

    public var isFinished: Bool { phase == .finished }

    // MARK: Inputs

    public mutating func start() -> [Action] {
        guard phase == .notStarted else { return [] }
        guard !steps.isEmpty else { return [finish(.succeeded)] }
        return begin(step: 0)
    }

    /// A target host's allow-traffic events ended.
    public mutating func allowFinished(_ host: String, succeeded: Bool) -> [Action] {
        guard states[host] == .inFlight else { return [] }
        inFlight -= 1
        states[host] = succeeded ? .done : .failed
        if succeeded {
            allowed.append(host)
        } else if leavesOutFailedAllows, canStillReachMinimum {
            leftOut.append(host)
        } else {
            fail(host, "its allow-traffic events failed")
        }
        return advance()
    }

    /// A host whose traffic events a stop cut short (its After*Traffic hooks not run): no
    /// failure of its own, so the reroute ends Stopped. `moved`: its AllowTraffic put it in
    /// rotation (a target host) or its BlockTraffic took it out (a leaving one), which the
    /// outcome then counts.
    public mutating func stopped(_ host: String, moved: Bool) -> [Action] {
        guard states[host] == .inFlight else { return [] }
        inFlight -= 1
        states[host] = .done
        if moved {
            if steps.contains(where: { $0.allow.contains(host) }) { allowed.append(host) } else { blocked.append(host) }
        }
        return advance()
    }

    /// The target hosts allowed, in flight or not yet started are at least the
    /// configuration's minimum healthy hosts, and at least one.
    private var canStillReachMinimum: Bool {
        let possible = allowed.count + steps.lazy.flatMap(\.allow).filter { self.states[$0] == .pending || self.states[$0] == .inFlight }.count
        return possible >= max(1, minimumHealthy)
    }

    /// A leaving host's block-traffic events ended.
    public mutating func blockFinished(_ host: String, succeeded: Bool) -> [Action] {
        guard states[host] == .inFlight else { return [] }
        inFlight -= 1
        states[host] = succeeded ? .done : .failed
        // A host whose BlockTraffic failed may still be in rotation: it is not counted out.
        if succeeded { blocked.append(host) } else { fail(host, "its block-traffic events failed") }
        return advance()
    }

    /// No new host starts; the reroute ends Stopped when the hosts in flight report.
    public mutating func stopRequested() -> [Action] {
        switch phase {
        case .notStarted, .allowing, .blocking:
            phase = .draining(.stopped)
            return advance()
        case .draining, .finished:
            return []
        }
    }

    // MARK: Scheduling

    private mutating func fail(_ host: String, _ why: String) {
        failures.append("\(host): \(why)")
        if case .draining = phase { return }
        phase = .draining(.failed)
    }

    private mutating func begin(step index: Int) -> [Action] {
        phase = .allowing(index)
        var actions: [Action] = [.stepStarted(index: index, count: steps.count)]
        for host in steps[index].allow {
            states[host] = .inFlight
            inFlight += 1
            actions.append(.allow(host))
        }
        return actions
    }

    private mutating func advance() -> [Action] {
        guard inFlight == 0 else { return [] }
        switch phase {
        case .allowing(let index):
            let hosts = steps[index].block
            guard !hosts.isEmpty else { return next(after: index) }
            phase = .blocking(index)
            for host in hosts {
                states[host] = .inFlight
                inFlight += 1
            }
            return hosts.map(Action.block)
        case .blocking(let index):
            return next(after: index)
        case .draining(let status):
            return [finish(status)]
        case .notStarted, .finished:
            return []
        }
    }

    private mutating func next(after index: Int) -> [Action] {
        index + 1 < steps.count ? begin(step: index + 1) : [finish(.succeeded)]
    }

    private mutating func finish(_ status: DeploymentStatus) -> Action {
        phase = .finished
        // "Target" and "leaving", not "new" and "old": on a rollback the target is the original.
        let split = "\(allowed.count) hosts of the target fleet are in rotation, \(blocked.count) of the leaving fleet taken out"
        let message: String
        switch status {
        case .succeeded:
            message = "Traffic moved: \(allowed.count) hosts in rotation, \(blocked.count) taken out, in \(steps.count) \(steps.count == 1 ? "step" : "steps")"
                + (leftOut.isEmpty ? "." : "; left out of rotation, their allow-traffic events failed: \(leftOut.joined(separator: ", ")).")
        case .stopped:
            message = "The reroute was stopped: \(split)."
        default:
            let left = leftOut.map { "\($0): its allow-traffic events failed, left out" }
            message = "The reroute failed (\((left + failures).joined(separator: "; "))): \(split)."
        }
        return .finished(Outcome(status: status, message: message, allowed: allowed, blocked: blocked, leftOut: leftOut))
    }
}
