import Foundation
import HoistCore
import HoistPlanning
import Testing

/// Which revision `hoist rollback` puts back (Capistrano and Kamal semantics).
@Suite struct RollbackSourceTests {

    /// A deployment of group g; `sha` names its revision.
    static func record(_ id: String, _ sha: String, _ status: DeploymentStatus, creator: DeploymentCreator = .user,
                       rollbackOf: String? = nil, group: String = "g") -> DeploymentRecord {
        DeploymentRecord(
            id: DeploymentID(id)!, application: "app", deploymentGroup: group, playbookPath: "pb.yml", status: status,
            creator: creator, createdBy: "me@here", revisionPath: "rev-\(sha)", revisionSHA256: sha,
            deploymentConfigName: "OneAtATime", rollbackOf: rollbackOf.flatMap(DeploymentID.init), createTime: Date())
    }

    @Test func afterASuccessItIsTheRevisionBeforeTheCurrentOne() throws {
        let history = [
            Self.record("d-00000000C", "v2", .succeeded),
            Self.record("d-00000000B", "v2", .succeeded),  // a redeploy of the current revision
            Self.record("d-00000000A", "v1", .succeeded),
        ]
        #expect(try RollbackSource.choose(history: history).id.rawValue == "d-00000000A")
    }

    @Test func afterAFailureItIsTheLastRevisionThatSucceeded() throws {
        let history = [
            Self.record("d-00000000C", "v3", .failed),
            Self.record("d-00000000B", "v2", .succeeded),
            Self.record("d-00000000A", "v1", .succeeded),
        ]
        #expect(try RollbackSource.choose(history: history).id.rawValue == "d-00000000B")
    }

    @Test func rollingBackTwiceStepsBackTwice() throws {
        let history = [
            Self.record("d-00000000D", "v2", .succeeded, creator: .rollback, rollbackOf: "d-00000000C"),
            Self.record("d-00000000C", "v3", .succeeded),
            Self.record("d-00000000B", "v2", .succeeded),
            Self.record("d-00000000A", "v1", .succeeded),
        ]
        #expect(try RollbackSource.choose(history: history).id.rawValue == "d-00000000A")
    }

    @Test func nothingBeforeTheOnlyRevisionIsAnError() {
        let history = [Self.record("d-00000000B", "v1", .succeeded), Self.record("d-00000000A", "v1", .succeeded)]
        #expect(throws: RollbackSource.Problem.self) { try RollbackSource.choose(history: history) }
        #expect(throws: RollbackSource.Problem.self) { try RollbackSource.choose(history: []) }
        #expect(throws: RollbackSource.Problem.self) {
            try RollbackSource.choose(history: [Self.record("d-00000000A", "v1", .failed)])
        }
    }

    @Test func toRefusesADeploymentOfAnotherGroup() throws {
        try RollbackSource.check(Self.record("d-00000000A", "v1", .succeeded), application: "app", deploymentGroup: "g")
        #expect(throws: RollbackSource.Problem(description:
            "d-00000000A is a deployment of app/other, not of app/g; --to takes a deployment of the playbook's own group")) {
            try RollbackSource.check(Self.record("d-00000000A", "v1", .succeeded, group: "other"), application: "app", deploymentGroup: "g")
        }
    }
}

extension RollbackSourceTests {
    @Test func aThirdRollbackAfterTwoFindsNothingLeft() {
        let history = [
            Self.record("d-00000000E", "v1", .succeeded, creator: .rollback, rollbackOf: "d-00000000D"),
            Self.record("d-00000000D", "v2", .succeeded, creator: .rollback, rollbackOf: "d-00000000C"),
            Self.record("d-00000000C", "v3", .succeeded),
            Self.record("d-00000000B", "v2", .succeeded),
            Self.record("d-00000000A", "v1", .succeeded),
        ]
        #expect(throws: RollbackSource.Problem.self) { try RollbackSource.choose(history: history) }
    }

    @Test func afterAnAutomaticRollbackItStepsBehindTheRestoredRevision() throws {
        let history = [
            Self.record("d-00000000D", "v2", .succeeded, creator: .rollback, rollbackOf: "d-00000000C"),
            Self.record("d-00000000C", "v3", .failed),
            Self.record("d-00000000B", "v2", .succeeded),
            Self.record("d-00000000A", "v1", .succeeded),
        ]
        #expect(try RollbackSource.choose(history: history).revisionSHA256 == "v1")
    }
}
