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

    /// Many small files take a block each: 1,000 one-byte files are 1 kB of bytes and about
    /// 1 MB of bundle, which fitted in 2 MB, but 4 MB of disk once unpacked. The check counted
    /// bytes, let the deployment through, and the host ran ApplicationStop and then filled its
    /// disk part-way through unpacking.
    @Test func manySmallFilesAreCountedBlockByBlock() async throws {
        try await DeployScenario.with("smallfiles", hosts: 1) { s in
            let host = s.names[0]
            try s.writePlaybook()
            var first = Revision()
            first.observe(["ApplicationStop"])
            #expect(try await s.deploy(try s.revision("v1", first)).status == 0)

            var second = Revision()
            second.observe(["ApplicationStop"])
            for n in 0..<1_000 { second.file("many/f\(n)", "x") }
            let bundle = try s.revision("v2", second)
            let outcome = try await HostOutages.withSmallDisk(host, s.groupDir, size: "2m") { try await s.deploy(bundle) }

            #expect(outcome.hostStatuses == [host: "Failed"], "\(outcome.description)")
            let message = outcome.hostFinished(host)?["message"] as? String ?? ""
            #expect(message.hasPrefix("not enough free space for this revision in \(s.groupDir): "), "\(message)")
            #expect(!outcome.eventStarted(host, "ApplicationStop"), "\(outcome.description)")
            #expect(s.observed(host, "ApplicationStop").isEmpty, "ApplicationStop ran on the full host")
        }
    }
}
