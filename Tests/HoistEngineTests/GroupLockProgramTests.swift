import Foundation
import Testing
import HoistCore
import HoistPlanning
@testable import HoistEngine

/// The rendered lock programs run one at a time by a real /bin/sh.
@Suite struct GroupLockProgramTests {
    @Test func ownerJSONSurvivesAwkwardValues() throws {
        var owner = GroupLockFleet.owner("d-ALICE0001")
        owner.user = "al\"ice\\"
        owner.machine = "lap\ntop\t\u{1}é"
        owner.command = "hoist deploy x --msg '\"heartbeatTime\":1,\"leaseSeconds\":9'"
        let json = GroupLockCommands.ownerJSONPrefix(owner) + "77}"
        let decoded = try #require(GroupLock.decodeOwner(json))
        owner.heartbeatTime = 77
        #expect(decoded == owner)
    }

    @Test func heartbeatRefreshesOursAndReportsALostLock() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let owner = GroupLockFleet.owner("d-ALICE0001")
        try fleet.plantLock(on: "web1", owner: owner, age: 1000)
        let commands = GroupLockCommands(layout: fleet.layout("web1"), become: false)
        let session = LocalHostSession(host: fleet.hosts[0])

        let (_, out, _) = try await session.capture(commands.heartbeat(owner: owner))
        #expect(GroupLockReply.parse(out)?.outcome == .beat)
        let refreshed = try #require(fleet.ownerOnDisk("web1")).heartbeatTime
        #expect(refreshed > Int(Date().timeIntervalSince1970) - 1000)

        try fleet.plantLock(on: "web1", owner: GroupLockFleet.owner("d-CAROL0001", user: "carol"), age: 0)
        let (_, lostOut, _) = try await session.capture(commands.heartbeat(owner: owner))
        let lost = try #require(GroupLockReply.parse(lostOut))
        #expect(lost.outcome == .lost)
        #expect(GroupLock.decodeOwner(lost.ownerJSON)?.deploymentID == "d-CAROL0001")
        #expect(fleet.ownerOnDisk("web1")?.deploymentID == "d-CAROL0001")
    }

    @Test(arguments: [
        ([], nil), (["graceful by bob@ci"], StopLevel.graceful), (["immediate by bob@ci"], .immediate),
        (["graceful by bob@ci", "graceful by bob@ci"], .immediate),
    ] as [([String], StopLevel?)])
    func stopLevelFromRequests(requests: [String], level: StopLevel?) {
        #expect(HeartbeatHandle.stopLevel(requests) == level)
    }

    @Test func programsRunUnderSudoWhenBecomeIsSet() {
        let commands = GroupLockCommands(layout: HostLayout(root: "/srv/it's", groupID: "a_b"), become: true)
        let status = commands.status()
        #expect(status.hasPrefix("sudo -n sh -c '"))
        #expect(status.contains("/srv/it"))
    }

    @Test func parseReadsMarkersAndIgnoresNoise() {
        let reply = GroupLockReply.parse("motd line\n\u{1e}held 12\n\u{1e}owner {\"a\":1}\n\u{1e}stop graceful by x\n")
        #expect(reply == GroupLockReply(outcome: .held, heartbeatAgeSeconds: 12, ownerJSON: "{\"a\":1}", stopRequests: ["graceful by x"]))
        #expect(GroupLockReply.parse("nothing here") == nil)
    }
}
