import HoistCore

/// Which hosts a phase works on. Blue/green fleets are named by role, because which fleet is
/// live is read from the hosts when the deployment runs, not when it is planned.
public enum FleetRole: String, Sendable, Hashable, Codable {
    /// Every targeted host (in-place deployments).
    case all
    /// The blue/green fleet that is not live: it gets the revision, then the traffic.
    case replacement
    /// The live blue/green fleet: it keeps serving until traffic moves.
    case original
    /// The blue/green fleet that was live when the group's last deployment began (recorded on
    /// the hosts): where `--blue-green-rollback` sends traffic. It is the live fleet when that
    /// deployment failed or stopped before its reroute finished, the other one when it moved
    /// traffic. Resolved to `original` or `replacement` when the deployment runs.
    case servedBefore

    /// `servedBefore` as `original` or `replacement`, given the live fleet and the one
    /// recorded as serving when the last deployment began (nil when none is, as on hosts that
    /// an older Hoist deployed: the fleet not live, which a deployment that moved traffic left).
    public func resolved(live: String, servedBefore: String?) -> FleetRole {
        guard self == .servedBefore else { return self }
        return servedBefore == live ? .original : .replacement
    }
}

/// One step of a deployment. An in-place deployment is one `.rollout`; blue/green is a list
/// of phases (block the replacement, install it, maybe wait, allow it, block the original,
/// record which fleet is live, maybe stop the original's app). The coordinator runs the
/// phases in order and stops at the first required one that does not succeed, so a new kind
/// of deployment (batched blue/green, canaries) is a new list, not a new coordinator.
public enum DeploymentPhase: Sendable, Hashable {
    /// The lifecycle `events` on `fleet`, host by host under the deployment configuration.
    /// Its host results are the deployment's.
    case rollout(fleet: FleetRole, events: [LifecycleEvent])
    /// The lifecycle `events` on every host of `fleet` at once. `earlierScripts`: the
    /// traffic hooks come from earlier revisions (a blue/green rollback, CodeDeploy §2.2).
    /// `required`: a failure ends the deployment (the termination hook's does not).
    case allAtOnce(fleet: FleetRole, events: [LifecycleEvent], earlierScripts: Bool, required: Bool)
    /// Wait up to `seconds` for `hoist continue ID`; without it the deployment ends Stopped.
    case waitForContinue(seconds: Double)
    /// Move traffic to `fleet` from the other one in batches under the deployment
    /// configuration (`ReroutePlanner`), then record `fleet` as live on every host of both.
    /// `checkHealth`: first the fleet must answer its health checks (`FleetHealthGate`);
    /// only the hosts that do are put in rotation. `earlierScripts` as for `allAtOnce`.
    case reroute(to: FleetRole, earlierScripts: Bool, checkHealth: Bool)
    /// Wait `seconds` (the original fleet's termination wait).
    case pause(seconds: Double)

    /// One line for `hoist plan` and for the docs.
    public var summary: String {
        switch self {
        case .rollout(let fleet, let events):
            return "\(Self.name(fleet)): \(events.map(\.rawValue).joined(separator: ", ")), under the deployment configuration"
        case .allAtOnce(let fleet, let events, let earlier, let required):
            return "\(Self.name(fleet)): \(events.map(\.rawValue).joined(separator: ", ")), all hosts at once"
                + (earlier ? " (scripts from earlier revisions)" : "") + (required ? "" : "; a failure is reported, not fatal")
        case .waitForContinue(let seconds):
            return "wait up to \(Int(seconds)) s for `hoist continue`, else end Stopped"
        case .reroute(let fleet, let earlier, let check):
            return (check ? "check that the \(Self.name(fleet)) answers its health checks, then " : "")
                + "move traffic to the \(Self.name(fleet)) in batches under the deployment configuration"
                + " (allow a batch, then block a matching batch of the other fleet)"
                + (earlier ? " (scripts from earlier revisions)" : "") + ", and record it as live"
        case .pause(let seconds):
            return "wait \(Int(seconds)) s"
        }
    }

    static func name(_ fleet: FleetRole) -> String {
        switch fleet {
        case .all: return "every host"
        case .replacement: return "replacement fleet"
        case .original: return "original fleet"
        case .servedBefore: return "fleet that served before the last deployment"
        }
    }

    /// This phase with `FleetRole.servedBefore` resolved (`FleetRole.resolved`).
    public func resolved(live: String, servedBefore: String?) -> DeploymentPhase {
        switch self {
        case .rollout(let fleet, let events):
            return .rollout(fleet: fleet.resolved(live: live, servedBefore: servedBefore), events: events)
        case .allAtOnce(let fleet, let events, let earlier, let required):
            return .allAtOnce(fleet: fleet.resolved(live: live, servedBefore: servedBefore), events: events,
                              earlierScripts: earlier, required: required)
        case .reroute(let fleet, let earlier, let check):
            return .reroute(to: fleet.resolved(live: live, servedBefore: servedBefore), earlierScripts: earlier, checkHealth: check)
        case .waitForContinue, .pause:
            return self
        }
    }

    /// An in-place deployment: one rollout of `events`.
    public static func inPlace(traffic: Bool) -> [DeploymentPhase] {
        [.rollout(fleet: .all, events: traffic ? LifecycleEvent.inPlaceWithTraffic : LifecycleEvent.inPlace)]
    }

    /// A blue/green deployment: the replacement fleet is taken out of rotation (when there is
    /// traffic control), gets the revision under the configuration, and then traffic moves in
    /// batches: each batch of replacement hosts is allowed (and healthy) before the matching
    /// batch of original hosts is blocked.
    public static func blueGreen(_ spec: BlueGreenSpec, traffic: Bool) -> [DeploymentPhase] {
        var phases: [DeploymentPhase] = []
        if traffic { phases.append(.allAtOnce(fleet: .replacement, events: [.blockTraffic], earlierScripts: false, required: true)) }
        phases.append(.rollout(fleet: .replacement, events: LifecycleEvent.inPlace))
        if let wait = spec.readyWaitSeconds { phases.append(.waitForContinue(seconds: wait)) }
        phases.append(.reroute(to: .replacement, earlierScripts: false, checkHealth: false))
        if spec.originalFleetAction == .terminate {
            if spec.terminationWaitSeconds > 0 { phases.append(.pause(seconds: spec.terminationWaitSeconds)) }
            // The termination hook: the originals' ApplicationStop from their last successful revision.
            phases.append(.allAtOnce(fleet: .original, events: [.applicationStop], earlierScripts: false, required: false))
        }
        return phases
    }

    /// A blue/green rollback (`--blue-green-rollback`): traffic moves back to the fleet that
    /// served before the last deployment began, with the traffic hooks of earlier revisions
    /// (§2.1), once that fleet answers its health checks. Nothing is reinstalled. After a
    /// deployment that moved traffic that is the fleet not live now; after one that failed
    /// before its reroute finished it is the live fleet, which still runs the old revision
    /// (the replacement fleet runs the revision that failed).
    public static func blueGreenRollback() -> [DeploymentPhase] {
        [.reroute(to: .servedBefore, earlierScripts: true, checkHealth: true)]
    }

    /// The automatic rollback of a blue/green deployment that failed (its install or a
    /// reroute batch): traffic stays on, or returns to, the fleet still recorded live, which
    /// still runs the old revision. Nothing is reinstalled.
    public static func blueGreenReturn() -> [DeploymentPhase] {
        [.reroute(to: .original, earlierScripts: true, checkHealth: true)]
    }
}
