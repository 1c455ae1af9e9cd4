import Foundation
import HoistCore
import HoistPlanning
import Testing

/// Which hosts `hoist rollback` and `hoist redeploy` go to.
@Suite struct RollbackHostsTests {
    static func host(_ id: String, _ name: String, _ status: InstanceStatus) -> HostRecord {
        HostRecord(deploymentID: DeploymentID(id)!, host: name, address: "10.0.0.1", status: status)
    }

    static let history = [
        RollbackSourceTests.record("d-00000000C", "v3", .failed),
        RollbackSourceTests.record("d-00000000B", "v2", .succeeded),
        RollbackSourceTests.record("d-00000000A", "v1", .succeeded),
    ]

    /// The newest deployment that reached a host decides; one whose hosts were all skipped or
    /// never started (refused below its minimum) does not send the rollback to the group.
    @Test func aRollbackGoesToTheHostsTheNewestDeploymentThatReachedAnyWentTo() {
        let hosts: [String: [HostRecord]] = [
            "d-00000000C": [Self.host("d-00000000C", "web1", .skipped), Self.host("d-00000000C", "web2", .pending)],
            "d-00000000B": [Self.host("d-00000000B", "web1", .succeeded), Self.host("d-00000000B", "web2", .skipped),
                            Self.host("d-00000000B", "web3", .failed)],
        ]
        let reached = RollbackHosts.lastReached(history: Self.history) { id in hosts[id.rawValue] ?? [] }
        #expect(reached?.hosts == ["web1", "web3"])
        #expect(reached?.by.rawValue == "d-00000000B")
    }

    @Test func aRollbackAfterDeploymentsThatReachedNoHostGoesToTheGroup() {
        #expect(RollbackHosts.lastReached(history: Self.history) { _ in [] } == nil)
    }

    @Test func aRedeployStaysOnItsDeploymentsHostsOrItsFailedOnes() {
        let recorded = [Self.host("d-00000000C", "web3", .succeeded), Self.host("d-00000000C", "web1", .failed),
                        Self.host("d-00000000C", "web2", .skipped)]
        #expect(RollbackHosts.redeploy(recorded: recorded, onlyFailed: false) == ["web3", "web1", "web2"])
        #expect(RollbackHosts.redeploy(recorded: recorded, onlyFailed: true) == ["web1", "web2"])
        #expect(RollbackHosts.redeploy(recorded: [], onlyFailed: false) == nil)
        #expect(RollbackHosts.redeploy(recorded: [], onlyFailed: true) == [])
    }
}
