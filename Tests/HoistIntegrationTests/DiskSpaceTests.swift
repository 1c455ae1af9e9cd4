import Foundation
import HoistTestSupport
import Testing

/// A host whose disk is nearly full, for real: a small tmpfs over its group folder. CodeDeploy
/// stops the application and then fails DownloadBundle with "No space left on device"; Hoist
/// finds out in the probe and fails the host having stopped nothing.
@Suite("Deploy: a nearly full disk")
struct DiskSpaceTests {
    @Test func aHostThatCannotHoldTheRevisionFailsBeforeApplicationStop() async throws {
        try await DeployScenario.with("diskfull", hosts: 2) { s in
            let full = s.names[0], other = s.names[1]
            try s.writePlaybook()
            let site = "/srv/\(s.application)/site"
            var first = Revision()
            first.install("www/index.html", "v1\n", to: site)
            first.observe(["ApplicationStop"])
            let v1 = try await s.deploy(try s.revision("v1", first))
            #expect(v1.status == 0, "\(v1.description)")

            // About 3 MB to upload and 3 MB unpacked, where 2 MB are free.
            var second = Revision()
            second.install("www/index.html", "v2\n", to: site)
            second.observe(["ApplicationStop"])
            second.install("data/big.txt", String(repeating: "0123456789abcdef\n", count: 180_000), to: "/srv/\(s.application)/data")
            let bundle = try s.revision("v2", second)
            let outcome = try await HostOutages.withSmallDisk(full, s.groupDir, size: "2m") { try await s.deploy(bundle) }

            // AllAtOnce: one healthy host is enough for the deployment to succeed.
            #expect(outcome.deploymentStatus == "Succeeded", "\(outcome.description)")
            #expect(outcome.hostStatuses == [full: "Failed", other: "Succeeded"], "\(outcome.description)")
            let finished = outcome.hostFinished(full) ?? [:]
            let message = finished["message"] as? String ?? ""
            #expect(message.hasPrefix("not enough free space for this revision in \(s.groupDir): "), "\(message)")
            #expect(message.contains(" MB free, ") && message.contains(" needed (bundle ") && message.hasSuffix("nothing was stopped"), "\(message)")
            #expect(finished["error_code"] as? String == "UnknownError")
            // Nothing ran there: not v1's ApplicationStop, and v1 still is what the host serves.
            #expect(!outcome.eventStarted(full, "ApplicationStop") && !outcome.eventStarted(full, "DownloadBundle"))
            #expect(s.observed(full, "ApplicationStop").isEmpty, "ApplicationStop ran on the full host")
            #expect(s.read(full, site + "/index.html") == "v1\n")
            #expect(!s.observed(other, "ApplicationStop").isEmpty)
            #expect(s.read(other, site + "/index.html") == "v2\n")
        }
    }
}
