import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// What the history says of `--blue-green-rollback`: it reinstalls nothing, so it is a
/// deployment of the revision the fleet traffic goes back to runs (not of the revision it
/// was given), a rollback (codeDeployRollback) of the deployment whose traffic it undoes, and
/// its verdict says where traffic went back to. With nothing to go back to it is refused
/// before anything is recorded or moved.
@Suite struct BlueGreenRollbackRecordTests {
    typealias Target = BlueGreenRollbackTargetTests

    /// v1 goes to green (blue has nothing yet), v2 to blue: traffic is on blue, running v2,
    /// and green still runs v1.
    static func twoDeployments() async throws -> (FolderGroup, v1: DeployableRevision, second: DeploymentReport) {
        let group = try Target.group()
        let v1 = try await group.revision("v1")
        let first = try await Target.deploy(group, v1, phases: DeploymentPhase.blueGreen(Target.spec, traffic: true))
        try #require(first.verdict.status == .succeeded)
        let second = try await Target.deploy(group, try await group.revision("v2"), phases: DeploymentPhase.blueGreen(Target.spec, traffic: true))
        try #require(second.verdict.status == .succeeded)
        try #require(Target.live(group) == "blue")
        return (group, v1, second)
    }

    static func record(_ group: FolderGroup, _ report: DeploymentReport) throws -> DeploymentRecord {
        let id = try #require(DeploymentID(report.id))
        return try #require(try group.history.deployment(id))
    }

    @Test func itRecordsTheRevisionOfTheFleetTrafficGoesBackTo() async throws {
        let (group, v1, _) = try await Self.twoDeployments()
        // The rollback is handed yet another revision, as the playbook's may be by now.
        let given = try await group.revision("v3")
        let rollback = try await Target.deploy(group, given, phases: DeploymentPhase.blueGreenRollback())
        try #require(rollback.verdict.status == .succeeded)
        try #require(Target.live(group) == "green")
        let record = try Self.record(group, rollback)
        #expect(record.revisionPath == v1.displayName, "green runs v1; nothing installed \(given.displayName)")
        #expect(record.revisionSHA256 == v1.sha256)
        #expect(record.deploymentType == .blueGreen)
    }

    @Test func itIsARollbackOfTheDeploymentWhoseTrafficItUndoes() async throws {
        let (group, _, second) = try await Self.twoDeployments()
        let rollback = try await Target.deploy(group, try await group.revision("v2"), phases: DeploymentPhase.blueGreenRollback())
        try #require(rollback.verdict.status == .succeeded)
        let record = try Self.record(group, rollback)
        #expect(record.creator == .rollback, "a blue/green rollback is codeDeployRollback, as CodeDeploy records it")
        #expect(record.rollbackOf?.rawValue == second.id)
    }

    @Test func itsVerdictSaysTrafficWentBackNamingTheRevisionAndHosts() async throws {
        let (group, v1, second) = try await Self.twoDeployments()
        let rollback = try await Target.deploy(group, try await group.revision("v2"), phases: DeploymentPhase.blueGreenRollback())
        try #require(rollback.verdict.status == .succeeded)
        let message = try #require(rollback.verdict.message)
        #expect(!message.hasPrefix("Traffic moved;"), "\(message)")
        #expect(message.contains("back to fleet green"), "\(message)")
        #expect(message.contains(second.id), "names the deployment it undoes: \(message)")
        #expect(message.contains(v1.displayName), "names the revision: \(message)")
        #expect(message.contains("g1") && message.contains("g2"), "names the hosts: \(message)")
    }

    /// A group never deployed blue/green: no fleet records on any host.
    @Test func withNoBlueGreenDeploymentItIsRefusedChangingNothing() async throws {
        let group = try Target.group()
        let traffic = RecordingTraffic()
        let outcome = await Result { try await Target.deploy(group, try await group.revision("v1"), phases: DeploymentPhase.blueGreenRollback(), traffic: traffic) }
        guard case .failure(let error) = outcome else {
            Issue.record("a rollback with nothing to go back to ran: \(try outcome.get().verdict)")
            return
        }
        #expect("\(error)".contains("nothing to roll back"), "\(error)")
        #expect(traffic.calls.current.isEmpty, "no host put into or taken out of rotation")
        #expect(try group.history.listDeployments(DeploymentFilter()).isEmpty, "nothing recorded")
        #expect(Target.live(group) == nil && Target.live(group, on: "g1") == nil)
        #expect(!group.lockExists("b1"), "the lock is released")
    }

    /// One blue/green deployment, to green: blue, which "served before" it, never had a
    /// revision of the group, so there is nothing to move traffic back to.
    @Test func toAFleetThatNeverInstalledItIsRefusedChangingNothing() async throws {
        let group = try Target.group()
        let first = try await Target.deploy(group, try await group.revision("v1"), phases: DeploymentPhase.blueGreen(Target.spec, traffic: true))
        try #require(first.verdict.status == .succeeded)
        try #require(Target.live(group) == "green")
        let before = try group.history.listDeployments(DeploymentFilter())
        let traffic = RecordingTraffic()
        let outcome = await Result { try await Target.deploy(group, try await group.revision("v1"), phases: DeploymentPhase.blueGreenRollback(), traffic: traffic) }
        guard case .failure(let error) = outcome else {
            Issue.record("traffic went to a fleet that never installed anything: \(try outcome.get().verdict)")
            return
        }
        #expect("\(error)".contains("nothing to roll back") && "\(error)".contains("fleet blue"), "\(error)")
        #expect(traffic.calls.current.isEmpty)
        #expect(try group.history.listDeployments(DeploymentFilter()) == before, "nothing recorded")
        #expect(Target.live(group) == "green", "traffic stays where it is")
    }
}
