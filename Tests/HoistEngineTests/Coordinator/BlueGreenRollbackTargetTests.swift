import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// Where `--blue-green-rollback` sends traffic: to the fleet that served before the last
/// deployment began. After a deployment that moved traffic that is the other fleet; after one
/// that failed before its reroute finished it is the live fleet, never the fleet that holds
/// the revision that failed.
@Suite struct BlueGreenRollbackTargetTests {
    static let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"])

    static func group() throws -> FolderGroup {
        let tags: [String: [HoistCore.Tag]] = ["b1": [HoistCore.Tag("color", "blue")], "b2": [HoistCore.Tag("color", "blue")],
                                               "g1": [HoistCore.Tag("color", "green")], "g2": [HoistCore.Tag("color", "green")]]
        return try FolderGroup(["b1", "b2", "g1", "g2"], tags: tags)
    }

    static func deploy(_ group: FolderGroup, _ revision: DeployableRevision, phases: [DeploymentPhase],
                       traffic: RecordingTraffic = RecordingTraffic()) async throws -> DeploymentReport {
        let plan = group.plan(config: .allAtOnce, phases: phases, blueGreen: spec, traffic: true)
        return try await group.deploy(revision, plan: plan, ports: group.ports(traffic: traffic))
    }

    static func live(_ group: FolderGroup, on host: String = "b1") -> String? {
        let file = HostCommands(layout: HostLayout(root: group.scratch.file("hosts/\(host)"), groupID: group.groupID),
                                deploymentID: "", become: false).liveFleetFile
        return (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Which fleet each traffic call went to, e.g. ["allow green", "block blue"].
    static func moves(_ traffic: RecordingTraffic) -> Set<String> {
        Set(traffic.calls.current.map { "\($0.0) \($0.1.first == "g" ? "green" : "blue")" })
    }

    @Test func afterAFailedDeploymentTrafficStaysOnTheFleetThatServed() async throws {
        let group = try Self.group()
        // v1 moves traffic to green; v2 goes to blue, where every host fails ValidateService.
        let first = try await Self.deploy(group, try await group.revision("v1"), phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        try #require(first.verdict.status == .succeeded)
        try #require(Self.live(group) == "green")
        try group.fail("b1", .validateService, in: "v2")
        try group.fail("b2", .validateService, in: "v2")
        let v2 = try await group.revision("v2")
        let failed = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        try #require(failed.verdict.status == .failed)

        let traffic = RecordingTraffic()
        let rollback = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreenRollback(), traffic: traffic)
        #expect(rollback.verdict.status == .succeeded)
        #expect(Self.moves(traffic) == ["allow green", "block blue"], "green, which served before v2, keeps the traffic")
        #expect(Self.live(group) == "green")
    }

    @Test func afterADeploymentThatMovedTrafficItGoesBack() async throws {
        let group = try Self.group()
        let v1 = try await group.revision("v1")
        _ = try await Self.deploy(group, v1, phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        let v2 = try await group.revision("v2")
        let second = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        try #require(second.verdict.status == .succeeded)
        try #require(Self.live(group) == "blue")

        let traffic = RecordingTraffic()
        let rollback = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreenRollback(), traffic: traffic)
        #expect(rollback.verdict.status == .succeeded)
        #expect(Self.moves(traffic) == ["allow green", "block blue"])
        #expect(Self.live(group) == "green")
        // Run again, it goes to the same fleet: the one that served before v2.
        let again = RecordingTraffic()
        _ = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreenRollback(), traffic: again)
        #expect(Self.moves(again) == ["allow green", "block blue"])
        #expect(Self.live(group) == "green")
    }

    /// A rollback leaves out a host of the fleet it returns to whose allow fails, while the
    /// configuration's minimum of that fleet still takes the traffic: failing instead left
    /// traffic on the fleet being rolled back, for one host that did not come back. When too
    /// few can take it, the rollback fails and takes nothing out.
    @Test(arguments: [["g1"], ["g1", "g2"]])
    func aRollbackLeavesOutAHostThatDoesNotComeBack(refusing: [String]) async throws {
        let group = try Self.group()
        _ = try await Self.deploy(group, try await group.revision("v1"), phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        let v2 = try await group.revision("v2")
        let second = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        try #require(second.verdict.status == .succeeded && Self.live(group) == "blue")
        // Green's hosts run their allow hooks from v1, the last revision that succeeded there.
        for host in refusing { try group.fail(host, .beforeAllowTraffic, in: "v1") }

        let traffic = RecordingTraffic()
        let rollback = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreenRollback(), traffic: traffic)
        let calls = Set(traffic.calls.current.map { "\($0.0) \($0.1)" })
        if refusing.count == 1 {
            #expect(rollback.verdict.status == .succeeded, "\(rollback.verdict)")
            #expect(rollback.verdict.message?.contains("g2 in rotation") == true, "\(rollback.verdict)")
            #expect(rollback.verdict.message?.contains("left out of rotation: g1 (its allow-traffic events failed)") == true, "\(rollback.verdict)")
            #expect(calls.isSuperset(of: ["allow g2", "block b1", "block b2"]) && !calls.contains("allow g1"), "\(calls)")
            #expect(Self.live(group) == "green")
            // Said on every output, not only in the verdict `--json` and `hoist show` carry.
            let leftOut = LockLostTests.notices(group.reporter).compactMap { if case .hostsLeftOutOfRotation(let hosts, _) = $0 { hosts } else { nil } }
            #expect(leftOut == [["g1 (its allow-traffic events failed)"]], "\(leftOut)")
        } else {
            #expect(rollback.verdict.status == .failed, "\(rollback.verdict)")
            #expect(!calls.contains { $0.hasPrefix("block") }, "the fleet rolled back keeps the traffic: \(calls)")
            #expect(Self.live(group) == "blue")
        }
    }

    /// Hosts a failed blue/green deployment left out of rotation run the revision that
    /// served: the advice is to move traffic back to that fleet, not to redeploy an old
    /// revision to the other one.
    @Test func theAdviceForHostsLeftOutOfABlueGreenGroupIsToMoveTrafficBack() async throws {
        let group = try Self.group()
        _ = try await Self.deploy(group, try await group.revision("v1"), phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        try group.fail("b2", .afterAllowTraffic, in: "v2")
        let plan = group.plan(config: .oneAtATime, phases: DeploymentPhase.blueGreen(Self.spec, traffic: true), blueGreen: Self.spec, traffic: true)
        let failed = try await group.deploy(try await group.revision("v2"), plan: plan, ports: group.ports(traffic: RecordingTraffic()))
        try #require(failed.verdict.status == .failed)
        let advice = group.reporter.notices.compactMap { notice -> (hosts: [String], steps: [String])? in
            if case .hostsNeedAttention(let hosts, let steps) = notice { return (hosts.map(\.host), steps) } else { return nil }
        }.last
        #expect(advice?.hosts.contains("g1") == true, "\(String(describing: advice))")
        #expect(advice?.steps.first?.contains(" --blue-green-rollback") == true, "\(String(describing: advice))")
        #expect(advice?.steps.contains { $0.hasPrefix("`hoist rollback") } == false, "\(String(describing: advice))")
    }

    /// A blue/green rollback runs the block hooks of each host's most recent revision, from that
    /// revision's own AppSpec (CodeDeploy §2.2). After a deployment that failed before its
    /// Install ended, the most recent revision is not the last successful one: here v2 added
    /// the block hooks that v1 lacked, so reading v1's AppSpec ran none of them.
    @Test func theBlockHooksOfARollbackComeFromTheMostRecentRevisionsAppSpec() async throws {
        let group = try Self.group()
        let v1 = try await group.revision("v1", without: [.beforeBlockTraffic, .afterBlockTraffic])
        let first = try await group.deploy(v1, plan: group.plan(config: .allAtOnce))
        try #require(first.verdict.status == .succeeded)
        for host in ["b1", "b2", "g1", "g2"] { try group.fail(host, .beforeInstall, in: "v2") }
        let v2 = try await group.revision("v2")
        let failed = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreen(Self.spec, traffic: true))
        try #require(failed.verdict.status == .failed)
        let replacement = ["b1", "b2", "g1", "g2"].filter { group.ran($0).contains("v2 BeforeInstall") }
        try #require(!replacement.isEmpty)

        let rollback = try await Self.deploy(group, v2, phases: DeploymentPhase.blueGreenRollback())
        #expect(rollback.verdict.status == .succeeded)
        for host in replacement {
            let ran = group.ran(host)
            #expect(ran.contains("v2 BeforeBlockTraffic") && ran.contains("v2 AfterBlockTraffic"), "\(host): \(ran)")
        }
    }
}
