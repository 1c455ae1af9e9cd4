import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// "Hosts left out of service or with their application stopped" is advice a person acts on:
/// it comes after an automatic rollback has run, and names only the hosts still left so (and
/// `DeploymentCoordinatorTests.lockIsReleasedWhenTheRollbackCannotRun`: after a rollback that
/// could not run).
@Suite struct AttentionAfterRollbackTests {
    func attentionNotices(_ group: FolderGroup) -> [[String]] {
        group.reporter.notices.compactMap { notice in
            if case .hostsNeedAttention(let hosts, _) = notice { return hosts.map(\.host) } else { return nil }
        }
    }

    /// h2 fails after ApplicationStop stopped its application; the rollback starts it again,
    /// so nothing needs attention and no advice is given.
    @Test func aRollbackThatPutsTheHostsBackLeavesNoAdvice() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        _ = try await group.deploy(try await group.revision("v1"))
        try group.fail("h2", .afterInstall, in: "v2")
        let report = try await group.deploy(try await group.revision("v2"), plan: group.plan(config: .oneAtATime, autoRollback: true))
        #expect(report.verdict.status == .failed)
        try #require(report.rollback?.status == .succeeded)
        #expect(group.ran("h2").last == "v1 ValidateService")
        #expect(report.attention.isEmpty, "\(report.attention)")
        #expect(attentionNotices(group).isEmpty, "\(group.reporter.notices)")
    }

    /// Each host's last word on traffic and on its application decides, a rollback's after
    /// its deployment's.
    @Test func theLastEventThatMovedAHostDecides() {
        let at = Date(timeIntervalSince1970: 0)
        func ok(_ event: LifecycleEvent, _ cause: EventOutcome.Cause? = nil) -> (LifecycleEvent, EventOutcome) {
            (event, EventOutcome(status: .succeeded, message: cause == .noScripts ? EventOutcome.noScripts : nil, start: at, end: at, cause: cause))
        }
        func failed(_ event: LifecycleEvent) -> (LifecycleEvent, EventOutcome) { (event, EventOutcome(status: .failed, start: at, end: at)) }
        let deployment = ["h1": [ok(.blockTraffic), ok(.applicationStop), failed(.afterInstall)],
                          "h2": [ok(.blockTraffic), ok(.applicationStop), failed(.afterInstall)],
                          "h3": [ok(.applicationStop, .noScripts), failed(.install)]]
        // h1 is put back whole; h2 is blocked again and fails before its application starts.
        let rollback = ["h1": [ok(.blockTraffic), ok(.applicationStart), ok(.allowTraffic)],
                        "h2": [ok(.blockTraffic), ok(.applicationStart), ok(.allowTraffic), ok(.blockTraffic), failed(.install)]]
        #expect(HostAttention.find(deployment).map(\.host) == ["h1", "h2"])
        let after = HostAttention.find(deployment, rollback)
        #expect(after.map(\.host) == ["h2"])
        #expect(after.first?.outOfService == true && after.first?.appStopped == false)
    }
}
