import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// A deployment whose end was never recorded, one host Failed and its configuration's minimum
/// still met: the next deployment marked it FAILED_AFTER_RESTART though it had succeeded in
/// CodeDeploy's terms, and one that fell short was a guess instead of HEALTH_CONSTRAINTS.
@Suite struct AbandonedVerdictTests {
    /// A store that loses every deployment's end, as a coordinator killed after its hosts
    /// finished does.
    static func deployLosingItsEnd(_ group: FolderGroup, config: DeploymentConfig, verdict: DeploymentStatus) async throws -> DeploymentID {
        let first = try await group.deploy(try await group.revision("v1"), plan: group.plan(config: config),
                                           ports: group.ports(history: FaultyHistory.losingEnds(inner: group.history)))
        #expect(first.verdict.status == verdict, "\(first.verdict)")
        let id = try #require(DeploymentID(first.id))
        #expect(try group.history.deployment(id)?.status == .inProgress)
        return id
    }

    @Test(.timeLimit(.minutes(5)))
    func halfAtATimeWithOneHostFailedIsRecordedSucceeded() async throws {
        let group = try FolderGroup()
        try group.fail("h4", .applicationStart, in: "v1")
        let id = try await Self.deployLosingItsEnd(group, config: .halfAtATime, verdict: .succeeded)

        let observer = RecordingObserver()
        _ = try await group.deploy(try await group.revision("v2"), plan: group.plan(config: .halfAtATime), ports: group.ports(observer: observer))
        let recorded = try #require(try group.history.deployment(id))
        #expect(recorded.status == .succeeded, "\(recorded.status) \(recorded.errorCode?.rawValue ?? "")")
        #expect(try group.history.hosts(of: id).first { $0.host == "h4" }?.status == .failed)
        #expect(observer.notices.contains {
            if case .abandonedDeploymentJudgedFromHosts(id.rawValue, _, .succeeded(_, 3, 4), DeploymentConfig.halfAtATime.name, _) = $0 { true } else { false }
        }, "\(observer.notices)")
        #expect(!observer.notices.contains { if case .abandonedDeploymentMarkedFailed = $0 { true } else { false } })
    }

    /// A custom configuration is known by the playbook: judged by it though this deployment
    /// runs with `--config AllAtOnce`; not known, the deployment is left a guess as before.
    @Test(.timeLimit(.minutes(5)))
    func aCustomConfigurationIsTakenFromThePlaybook() async throws {
        let canary = DeploymentConfig(name: "Canary", minimumHealthyHosts: .init(.fleetPercent, 75))
        let group = try FolderGroup()
        try group.fail("h4", .applicationStart, in: "v1")
        let id = try await Self.deployLosingItsEnd(group, config: canary, verdict: .succeeded)
        var plan = group.plan(config: .allAtOnce)
        plan.playbookConfig = canary
        _ = try await group.deploy(try await group.revision("v2"), plan: plan)
        #expect(try group.history.deployment(id)?.status == .succeeded)

        let unknown = try FolderGroup()
        try unknown.fail("h4", .applicationStart, in: "v1")
        let guessed = try await Self.deployLosingItsEnd(unknown, config: canary, verdict: .succeeded)
        _ = try await unknown.deploy(try await unknown.revision("v2"), plan: unknown.plan(config: .allAtOnce))
        #expect(try unknown.history.deployment(guessed)?.errorCode == .failedAfterRestart)
    }

    /// Every host failed under AllAtOnce: Failed as the rollout ends it (HEALTH_CONSTRAINTS),
    /// and no rollback is invented for it.
    @Test(.timeLimit(.minutes(5)))
    func tooFewSucceededIsRecordedAsTheRolloutFailsIt() async throws {
        let group = try FolderGroup(["h1", "h2"])
        for host in ["h1", "h2"] { try group.fail(host, .applicationStart, in: "v1") }
        let id = try await Self.deployLosingItsEnd(group, config: .allAtOnce, verdict: .failed)

        let observer = RecordingObserver()
        _ = try await group.deploy(try await group.revision("v2"), ports: group.ports(observer: observer))
        let recorded = try #require(try group.history.deployment(id))
        #expect(recorded.status == .failed && recorded.errorCode == .healthConstraints, "\(recorded.status) \(recorded.errorCode?.rawValue ?? "")")
        #expect(try group.history.listDeployments(DeploymentFilter(rollbackOf: id)).isEmpty)
        #expect(observer.notices.contains {
            if case .abandonedDeploymentJudgedFromHosts(id.rawValue, _, .failed(_, .healthConstraints, 0, 2), _, _) = $0 { true } else { false }
        }, "\(observer.notices)")
    }
}
