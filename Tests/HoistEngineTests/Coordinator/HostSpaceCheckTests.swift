import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// A host that cannot hold the revision fails after the probe and before ApplicationStop,
/// its application untouched: folder hosts run by /bin/sh (`FolderGroup`), whose real df
/// cannot hold a revision said to unpack to an exabyte.
@Suite struct HostSpaceCheckTests {
    @Test func aHostThatCannotHoldTheRevisionFailsWithNothingStopped() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let first = try await group.deploy(try await group.revision("v1"))
        #expect(first.verdict.status == .succeeded)
        let ranBefore = group.ran("h1")
        let lastBefore = group.lastSuccessful("h1")

        var huge = try await group.revision("v2")
        huge.unpackedBytes = 1 << 60
        let report = try await group.deploy(huge)
        #expect(report.verdict.status == .failed)
        let layout = HostLayout(root: group.scratch.file("hosts/h1"), groupID: group.groupID)
        for name in ["h1", "h2"] {
            let host = try #require(report.hosts[name])
            #expect(host.status == .failed && host.errorCode == .unknownError)
            let message = host.message ?? ""
            #expect(message.hasPrefix("not enough free space for this revision in \(HostLayout(root: group.scratch.file("hosts/\(name)"), groupID: group.groupID).groupDir): "), "\(message)")
            #expect(message.contains(" needed (bundle ") && message.hasSuffix("and deploy again; nothing was stopped"), "\(message)")
            #expect(host.events.count == LifecycleEvent.inPlace.count)
            #expect(host.events.allSatisfy { $0.1.status == .skipped && $0.1.message == "not run: \(message)" })
        }
        #expect(group.ran("h1") == ranBefore, "no hook ran: ApplicationStop neither")
        #expect(group.lastSuccessful("h1") == lastBefore)
        // The host's own record says why.
        let record = try String(contentsOfFile: layout.recordFile(report.id), encoding: .utf8)
        #expect(HostDeploymentRecord.parse(record)?.message?.hasPrefix("not enough free space") == true)
    }
}
