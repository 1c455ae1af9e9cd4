import Foundation
import HoistCore
@testable import HoistEngine
import HoistPlanning
import HoistTestSupport
import Testing

/// A zonal deployment's bake is announced with what ends it: the zone that bakes, how long,
/// and until when, before the next zone's hosts start.
@Suite struct ZoneBakeNoticeTests {
    @Test func theBakeBetweenZonesIsAnnouncedWithItsZoneAndEnd() async throws {
        let group = try FolderGroup(["a1", "b1"], tags: ["a1": [Tag("zone", "a")], "b1": [Tag("zone", "b")]])
        let config = DeploymentConfig(
            name: "Zonal", minimumHealthyHosts: .init(.hostCount, 0),
            zonal: ZonalConfig(zoneTag: "zone", monitorDurationSeconds: 1))
        let before = Date()
        let report = try await group.deploy(try await group.revision("v1"), plan: group.plan(config: config))
        #expect(report.verdict.status == .succeeded)

        let events = group.reporter.events.current
        let bakeAt = try #require(events.firstIndex {
            if case .notice(.zoneBaking) = $0 { return true } else { return false }
        }, "a bake notice")
        guard case .notice(.zoneBaking(let zone, let seconds, let until)) = events[bakeAt] else { return }
        #expect(zone == "a")
        #expect(seconds == 1)
        #expect(until >= before.addingTimeInterval(1))
        let b1Start = try #require(events.firstIndex { if case .hostStarted("b1", _) = $0 { return true } else { return false } })
        let a1End = try #require(events.firstIndex { if case .hostFinished("a1", _, _, _, _) = $0 { return true } else { return false } })
        #expect(a1End < bakeAt && bakeAt < b1Start, "zone a ends, bakes, then zone b starts")
        #expect(DeploymentNotice.zoneBaking(zone: "a", seconds: 300, until: Date(timeIntervalSince1970: 0)).description
                == "zone a is done; it bakes for 5m00s (monitor_duration) until 1970-01-01T00:00:00Z, then the next zone starts; a stop or an alarm ends it early")
    }
}
