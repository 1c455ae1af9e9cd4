import HoistCore

/// A deployment as it will run, decided before any host is contacted: which hosts, in what
/// order and how many at once (`ssh.concurrency` included), which phases (one rollout in
/// place; a list for blue/green), what the lock covers, and when it rolls back. Pure: `hoist
/// plan` prints this value and `hoist deploy` hands the same value to the engine's
/// `Deployment` coordinator.
public struct DeploymentPlan: Sendable {
    public var application: String
    public var deploymentGroup: String
    public var groupID: String
    /// The hosts this deployment targets (the group's selection, narrowed by `--hosts`).
    public var hosts: [HostSpec]
    /// Every host of the deployment group: the lock covers the group whatever the selection,
    /// so two deployments to disjoint `--hosts` of one group cannot run at once.
    public var lockHosts: [HostSpec]
    public var config: DeploymentConfig
    /// The playbook's `ssh.concurrency`.
    public var concurrencyCap: Int?
    /// Revision health from the group's history (hosts that failed go first).
    public var health: [String: HostHealth]
    public var phases: [DeploymentPhase]
    /// Blue/green: the fleet tag and names (nil in place).
    public var blueGreen: BlueGreenSpec?
    public var rollback: RollbackPolicy
    public var ignoreApplicationStopFailures: Bool
    public var maxRevisions: Int
    /// The deployment moves traffic through load balancers.
    public var hasTraffic: Bool
    /// Why `config` is not the one asked for (a rollback or redeploy that the playbook's
    /// configuration could not run on its hosts); nil when it is.
    public var configNote: String?
    /// The playbook's own configuration, whatever `--config` chose for this one: an earlier
    /// deployment of the group left unfinished is judged by the one it names, and a custom
    /// one is known only here (nil: `config`).
    public var playbookConfig: DeploymentConfig?

    /// The inputs `plan` reads: the playbook and the command's flags, already parsed.
    public struct Request: Sendable {
        public var playbook: Playbook
        /// The group's hosts as the playbook's tag groups select them.
        public var groupHosts: [HostSpec]
        /// `--hosts`, already checked against the group (nil: all).
        public var onlyHosts: [String]?
        /// `--config` (nil: the playbook's).
        public var config: DeploymentConfig?
        public var ignoreApplicationStopFailures: Bool
        /// `--rollback` / `--no-rollback` (nil: the playbook's auto_rollback).
        public var autoRollback: Bool?
        /// `--blue-green-rollback`: move traffic back instead of deploying.
        public var blueGreenRollback: Bool
        /// Host health from history.
        public var health: [String: HostHealth]
        /// Set for `hoist rollback` and `hoist redeploy`: without `config`, they run where
        /// they are asked to, as an automatic rollback does (`RollbackPolicy.config`). The
        /// `redeploy --only-failed` Hoist suggests after a failure, on the one failed host,
        /// was refused under HalfAtATime.
        public var puttingBack: PuttingBack?

        public enum PuttingBack: String, Sendable {
            case rollback = "roll back", redeploy
        }

        public init(playbook: Playbook, groupHosts: [HostSpec], onlyHosts: [String]? = nil, config: DeploymentConfig? = nil,
                    ignoreApplicationStopFailures: Bool = false, autoRollback: Bool? = nil, blueGreenRollback: Bool = false,
                    health: [String: HostHealth] = [:], puttingBack: PuttingBack? = nil) {
            self.playbook = playbook
            self.groupHosts = groupHosts
            self.onlyHosts = onlyHosts
            self.config = config
            self.ignoreApplicationStopFailures = ignoreApplicationStopFailures
            self.autoRollback = autoRollback
            self.blueGreenRollback = blueGreenRollback
            self.health = health
            self.puttingBack = puttingBack
        }
    }

    /// The one function that turns a playbook and flags into a plan.
    public static func plan(_ request: Request) -> DeploymentPlan {
        let playbook = request.playbook
        let hosts = request.onlyHosts.map { names in
            let wanted = Set(names)
            return request.groupHosts.filter { wanted.contains($0.name) }
        } ?? request.groupHosts
        let config = request.config ?? playbook.deploymentConfig
        let traffic = !playbook.loadBalancers.isEmpty
        let phases: [DeploymentPhase]
        if let spec = playbook.blueGreen {
            phases = request.blueGreenRollback ? DeploymentPhase.blueGreenRollback() : DeploymentPhase.blueGreen(spec, traffic: traffic)
        } else {
            phases = DeploymentPhase.inPlace(traffic: traffic)
        }
        var plan = DeploymentPlan(
            application: playbook.application, deploymentGroup: playbook.deploymentGroup,
            groupID: HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup),
            hosts: hosts, lockHosts: request.groupHosts, config: config, concurrencyCap: playbook.ssh.concurrency,
            health: request.health, phases: phases, blueGreen: playbook.blueGreen,
            rollback: RollbackPolicy(onFailure: request.autoRollback ?? playbook.autoRollback.onFailure,
                                     onStop: request.autoRollback ?? playbook.autoRollback.onStop,
                                     onAlarm: request.autoRollback ?? playbook.autoRollback.onAlarm, config: config),
            ignoreApplicationStopFailures: request.ignoreApplicationStopFailures || playbook.ignoreApplicationStopFailures,
            maxRevisions: playbook.maxRevisions, hasTraffic: traffic)
        plan.playbookConfig = playbook.deploymentConfig
        if request.config == nil, playbook.blueGreen == nil, let purpose = request.puttingBack {
            let (fitting, note) = plan.rollback.config(forHosts: hosts.map(\.name), health: request.health, purpose: purpose.rawValue)
            if let note { (plan.config, plan.configNote) = (fitting, note) }
        }
        return plan
    }

    public init(application: String, deploymentGroup: String, groupID: String? = nil, hosts: [HostSpec], lockHosts: [HostSpec]? = nil,
                config: DeploymentConfig, concurrencyCap: Int? = nil, health: [String: HostHealth] = [:],
                phases: [DeploymentPhase] = DeploymentPhase.inPlace(traffic: false), blueGreen: BlueGreenSpec? = nil,
                rollback: RollbackPolicy? = nil, ignoreApplicationStopFailures: Bool = false,
                maxRevisions: Int = Playbook.defaultMaxRevisions, hasTraffic: Bool = false) {
        self.application = application
        self.deploymentGroup = deploymentGroup
        self.groupID = groupID ?? HostLayout.groupID(application: application, group: deploymentGroup)
        self.hosts = hosts
        self.lockHosts = lockHosts ?? hosts
        self.config = config
        self.concurrencyCap = concurrencyCap
        self.health = health
        self.phases = phases
        self.blueGreen = blueGreen
        self.rollback = rollback ?? RollbackPolicy(onFailure: false, onStop: false, config: config)
        self.ignoreApplicationStopFailures = ignoreApplicationStopFailures
        self.maxRevisions = maxRevisions
        self.hasTraffic = hasTraffic
    }

    /// The hosts of `fleet` given which blue/green fleet is live, in the plan's order
    /// (`servedBefore`, unless resolved first, as the fleet not live).
    public func hosts(of fleet: FleetRole, live: String?) -> [HostSpec] {
        guard let spec = blueGreen, fleet != .all else { return hosts }
        let name = fleetName(fleet, live: live)
        return hosts.filter { $0.tagValue(spec.fleetTag) == .some(name) }
    }

    /// The blue/green fleet tag value of `fleet` given the live fleet (nil: the first fleet
    /// is taken as live): the live one for `original`, the other for every other role.
    public func fleetName(_ fleet: FleetRole, live: String?) -> String {
        let fleets = blueGreen?.fleets ?? []
        let live = live ?? fleets.first ?? ""
        return fleet == .original ? live : fleets.first { $0 != live } ?? live
    }

    /// The fleet a blue/green plan that installs nothing sends traffic to (a rollback by
    /// reroute: `DeploymentPhase.blueGreenRollback`, `blueGreenReturn`); nil for any plan
    /// that installs, and in place.
    public var rerouteOnlyTarget: FleetRole? {
        guard blueGreen != nil else { return nil }
        var target: FleetRole?
        for phase in phases {
            switch phase {
            case .rollout: return nil
            case .reroute(let fleet, _, _): target = target ?? fleet
            case .allAtOnce, .waitForContinue, .pause: continue
            }
        }
        return target
    }

    /// The rollout of `hosts` under this plan's configuration, cap and health.
    public func rollout(of hosts: [HostSpec], config: DeploymentConfig? = nil) -> RolloutPlanner {
        let config = config ?? self.config
        let zoneTag = config.zonal?.zoneTag
        return RolloutPlanner(hosts: hosts.map { host in
            RolloutHost(name: host.name, health: health[host.name] ?? .neverDeployed,
                        zone: zoneTag.flatMap { host.tagValue($0) ?? nil })
        }, config: config, concurrencyCap: concurrencyCap)
    }

    /// The events each host of the rollout runs (the replacement fleet's for blue/green).
    public var rolloutEvents: [LifecycleEvent] {
        for phase in phases { if case .rollout(_, let events) = phase { return events } }
        return []
    }

    /// The same plan for a rollback to `hosts` with `config`, never rolling back itself. A
    /// blue/green rollback reroutes instead (`DeploymentPhase.blueGreenReturn`): every host
    /// of both fleets, traffic back on the live fleet, nothing reinstalled.
    public func forRollback(hosts names: [String], config: DeploymentConfig) -> DeploymentPlan {
        var plan = self
        if blueGreen != nil {
            plan.phases = DeploymentPhase.blueGreenReturn()
        } else {
            let wanted = Set(names)
            plan.hosts = hosts.filter { wanted.contains($0.name) }
        }
        plan.config = config
        plan.rollback = RollbackPolicy(onFailure: false, onStop: false, config: config)
        plan.ignoreApplicationStopFailures = true
        return plan
    }
}
