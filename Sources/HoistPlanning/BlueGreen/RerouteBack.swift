import HoistCore

/// Where a blue/green deployment that installs nothing sends traffic (`--blue-green-rollback`,
/// and the automatic return after a failed blue/green deployment), and so what the history
/// must call it: a deployment of the revision that fleet runs (not the playbook's, which
/// nothing installs), and for `--blue-green-rollback` a rollback of the deployment whose
/// traffic it undoes, as CodeDeploy records a blue/green rollback (creator
/// `codeDeployRollback`). Decided under the group's lock from the hosts' own records, before
/// the deployment is recorded. Pure: the engine reads the records, this decides.
public struct RerouteBack: Sendable, Hashable {
    /// A revision as a host's record of the deployment that installed it names it.
    public struct Installed: Sendable, Hashable {
        public var deploymentID: String
        public var revision: String
        public var revisionSHA256: String

        public init(deploymentID: String, revision: String, revisionSHA256: String) {
            self.deploymentID = deploymentID
            self.revision = revision
            self.revisionSHA256 = revisionSHA256
        }
    }

    /// Why `--blue-green-rollback` cannot run; nothing has been changed or recorded.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The fleet traffic goes to (its tag value), as a resolved role, and its hosts in the
    /// plan's order.
    public var fleet: String
    public var role: FleetRole
    public var hosts: [String]
    /// The records it was decided from, which the phases resolve their fleets with.
    public var records: BlueGreenRecords
    /// `--blue-green-rollback` (not the automatic return, which is already a rollback).
    public var isRollback: Bool
    /// The deployment whose traffic a `--blue-green-rollback` undoes, when the hosts name it.
    public var undoes: String?
    /// The revision most of `hosts` last installed (nil until `settle`, or when none records one).
    public var revision: Installed?
    /// Hosts of the fleet whose last install is another revision, or unknown.
    public var otherHosts: [String] = []

    /// The fleet of a plan that only reroutes (nil for any other plan). A rollback is
    /// refused when no host records a blue/green deployment: there is no traffic to move back.
    public static func target(of plan: DeploymentPlan, records: BlueGreenRecords) throws(Refusal) -> RerouteBack? {
        guard let spec = plan.blueGreen, let requested = plan.rerouteOnlyTarget else { return nil }
        let isRollback = requested == .servedBefore
        if isRollback, records.live == nil, records.servedBefore == nil {
            throw Refusal("nothing to roll back: no host of \(plan.application)/\(plan.deploymentGroup) records a blue/green deployment"
                + " (which of \(spec.fleets.joined(separator: " and ")) is live, or which served before the last deployment), so there is no traffic to move back")
        }
        let live = records.live ?? spec.fleets.first
        let role = requested.resolved(live: live ?? "", servedBefore: records.servedBefore)
        return RerouteBack(fleet: plan.fleetName(role, live: live), role: role, hosts: plan.hosts(of: role, live: live).map(\.name),
                           records: records, isRollback: isRollback, undoes: isRollback ? records.servedBeforeDeployment : nil)
    }

    /// Takes what each host of the fleet last installed (by host name). The fleet's revision
    /// is the one most of its hosts run (on a tie, the first host's). A rollback to a fleet
    /// none of whose hosts ever installed a revision of the group is refused.
    public mutating func settle(installed: [String: Installed]) throws(Refusal) {
        let found = hosts.compactMap { installed[$0] }
        var counts: [Installed: Int] = [:]
        for revision in found { counts[revision, default: 0] += 1 }
        // `max(by:)` keeps the first of equals: plan order breaks a tie.
        revision = found.max { counts[$0, default: 0] < counts[$1, default: 0] }
        otherHosts = hosts.filter { installed[$0] == nil || installed[$0] != revision }
        if isRollback, revision == nil {
            let which = hosts.isEmpty ? "none of its hosts is in this deployment" : hosts.joined(separator: ", ")
            throw Refusal("nothing to roll back: fleet \(fleet) (\(which)), which served before \(undoes ?? "the last deployment"),"
                + " has no revision of the group installed, so there is nothing to move traffic back to")
        }
    }

    /// The verdict of a reroute back that succeeded: where traffic went, the hosts now in
    /// rotation and the revision they run, and the fleet's hosts left out (each with why).
    public func verdict(inRotation: [String], leftOut: [String] = []) -> String {
        var words = "Traffic went back to fleet \(fleet)" + (undoes.map { ", which served before \($0)" } ?? "")
        words += ": " + (inRotation.isEmpty ? "no host" : inRotation.joined(separator: ", ")) + " in rotation"
        if let revision { words += ", running \(revision.revision) (installed by \(revision.deploymentID))" }
        if !leftOut.isEmpty { words += "; left out of rotation: " + leftOut.joined(separator: ", ") }
        if !otherHosts.isEmpty { words += "; \(otherHosts.joined(separator: ", ")) last installed another revision or none" }
        return words + "."
    }
}
