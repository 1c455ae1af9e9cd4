import Foundation
import HoistDigest
import HoistTestSupport
import Testing

/// Delta uploads on fleet hosts (docs/bundles.md, "Delta uploads"): a new revision goes to a
/// host that holds the previous one as its changes, the host rebuilds exactly the new bundle,
/// and whatever keeps the rebuild from matching sends the bundle whole.
@Suite("Deploy: a new revision goes as its changes from the one the host holds")
struct DeltaUploadTests {
    static let big = (0..<40_000).map { "line \($0) of a file that stays\n" }.joined()

    /// Version `n` of a revision with a large file that never changes and a page that does.
    static func revision(_ s: DeployScenario, _ n: Int) throws -> String {
        var revision = Revision()
        revision.install("www/big.txt", big, to: "/srv/\(s.application)")
        revision.install("www/index.html", "version \(n)\n", to: "/srv/\(s.application)")
        return try s.revision("v\(n)", revision)
    }

    static func message(_ outcome: DeployOutcome, _ host: String) -> String {
        outcome.event(host, "DownloadBundle")?["message"] as? String ?? ""
    }

    /// What the host holds is the bundle it was sent: its bytes' digest is the one its
    /// DownloadBundle checked and recorded.
    static func expectBundleIsWhole(_ s: DeployScenario, _ host: String, _ outcome: DeployOutcome) throws {
        let id = outcome.deploymentID
        try #require(!id.isEmpty)
        let folder = s.url(host, "\(s.groupDir)/\(id)")
        let recorded = try String(contentsOf: folder.appendingPathComponent("bundle.sha256"), encoding: .utf8)
        let held = try FileSHA256.hex(path: folder.appendingPathComponent("bundle.tar").path)
        #expect(recorded == held + "\n", "\(host)")
    }

    /// The host was sent only the changes, and installed version `version` whole.
    static func expectSentAsChanges(_ s: DeployScenario, _ host: String, _ outcome: DeployOutcome, version: Int) throws {
        let message = Self.message(outcome, host)
        #expect(message.contains("the changes from the bundle in /var/lib/hoist/"), "\(host): \(message)")
        // The page's member and the copy lines, not the 1.3 MB that stayed.
        let sent = Int(message.split(separator: " ").dropFirst().first ?? "") ?? .max
        #expect(sent < 4_096, "\(host): \(message)")
        #expect(s.read(host, "/srv/\(s.application)/index.html") == "version \(version)\n")
        #expect(s.read(host, "/srv/\(s.application)/big.txt") == Self.big)
        try Self.expectBundleIsWhole(s, host, outcome)
    }

    @Test func aNewRevisionIsSentAsItsChangesAndAChangedHeldBundleGetsTheWholeOne() async throws {
        try await DeployScenario.with("delta", hosts: 2) { s in
            try s.writePlaybook()
            let first = try await s.deploy(try Self.revision(s, 1))
            #expect(first.status == 0, "\(first.description)")
            for host in s.names {
                #expect(!Self.message(first, host).contains("changes"), "nothing held yet: \(Self.message(first, host))")
            }

            let second = try await s.deploy(try Self.revision(s, 2))
            #expect(second.status == 0, "\(second.description)")
            for host in s.names { try Self.expectSentAsChanges(s, host, second, version: 2) }

            // A held bundle that changed since its host checked it rebuilds to other bytes: the
            // upload puts nothing in place, and the bundle goes whole.
            let (tampered, other) = (s.names[0], s.names[1])
            let id = second.deploymentID
            let held = s.url(tampered, "\(s.groupDir)/\(id)/bundle.tar")
            // In the middle of the large file, which every delta copies (its headers differ
            // with the files' modification times when the versions are written seconds apart).
            let handle = try FileHandle(forUpdating: held)
            try handle.seek(toOffset: try handle.seekToEnd() / 2)
            try handle.write(contentsOf: Data("tampered".utf8))
            try handle.close()
            // One host at a time: the second host's upload goes ahead of its turn, as a delta too.
            let third = try await s.deploy(try Self.revision(s, 3), "--config", "OneAtATime")
            #expect(third.status == 0, "\(third.description)")
            #expect(s.names.contains { Self.message(third, $0).hasSuffix("ahead of this host's turn") },
                    "\(s.names.map { Self.message(third, $0) })")
            let whole = Self.message(third, tampered)
            #expect(whole.contains("could not be applied"), "\(whole)")
            #expect(whole.contains("checksum mismatch"), "\(whole)")
            #expect(!whole.contains("/proc/"), "the message names no coordinator descriptor: \(whole)")
            #expect(Self.message(third, other).contains("the changes from the bundle"), "\(Self.message(third, other))")
            for host in s.names {
                #expect(s.read(host, "/srv/\(s.application)/index.html") == "version 3\n")
                try Self.expectBundleIsWhole(s, host, third)
            }
        }
    }

    /// A coordinator whose cache does not hold the previous release (a teammate's laptop, a CI
    /// runner that starts empty) reads it back from one host and sends every host the
    /// changes; the bundle it read is not put in its cache.
    @Test func anotherCoordinatorReadsTheHeldBundleOnceAndSendsTheChanges() async throws {
        try await DeployScenario.with("deltaother", hosts: 2) { s in
            try s.writePlaybook()
            let first = try await s.deploy(try Self.revision(s, 1))
            #expect(first.status == 0, "\(first.description)")
            let second = try await s.deploy(try Self.revision(s, 2), cacheName: "other-cache")
            #expect(second.status == 0, "\(second.description)")
            let messages = s.names.map { Self.message(second, $0) }
            let readFrom = s.names.filter { host in messages.allSatisfy { $0.contains("which the coordinator read from \(host) ") } }
            #expect(readFrom.count == 1, "every host names the one host its base was read from: \(messages)")
            for host in s.names { try Self.expectSentAsChanges(s, host, second, version: 2) }
            // Only the bundle this coordinator built is in its cache.
            let cached = try FileManager.default.subpathsOfDirectory(atPath: s.scratch.file("other-cache")).filter { $0.hasSuffix(".tar") }
            #expect(cached.count == 1, "\(cached)")
        }
    }

    /// A host without perl cannot rebuild a bundle: it is sent the whole one, with no failed
    /// attempt first.
    @Test func aHostWithoutPerlGetsTheWholeBundle() async throws {
        try await DeployScenario.with("deltanoperl", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let first = try await s.deploy(try Self.revision(s, 1))
            #expect(first.status == 0, "\(first.description)")
            let second = try await HostOutages.withHiddenPrograms(["perl"], on: host) {
                try await s.deploy(try Self.revision(s, 2))
            }
            #expect(second.status == 0, "\(second.description)")
            let message = Self.message(second, host)
            #expect(message.hasPrefix("uploaded ") && !message.contains("changes"), "\(message)")
            #expect(s.read(host, "/srv/\(s.application)/index.html") == "version 2\n")
        }
    }
}
