import Foundation
import Testing
@testable import HoistCore

/// The host's SHA-256 command must print the same digest whichever tool the host has.
@Suite struct HostDigestTests {
    /// FIPS 180-2's "abc" vector.
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func openSSLPrintsTheDigestFirst() async throws {
        let (result, out, err) = try await LocalShell.capture(HostDigest.sha256OfStdin, input: "abc")
        #expect(result.succeeded)
        #expect(err.isEmpty)
        #expect(out.split(separator: " ").first == Substring(Self.abc))
    }

    /// A host without the openssl command (PATH holds only sha256sum) falls back to sha256sum.
    @Test func withoutOpenSSLSha256sumPrintsTheSameDigest() async throws {
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-digest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: bin) }
        let sha256sum = try #require(["/usr/bin/sha256sum", "/bin/sha256sum"].first { FileManager.default.fileExists(atPath: $0) })
        try FileManager.default.createSymbolicLink(atPath: bin.appendingPathComponent("sha256sum").path, withDestinationPath: sha256sum)
        let (result, out, err) = try await LocalShell.capture(
            "PATH=\(shellQuote(bin.path)); if command -v openssl >/dev/null; then echo has openssl; fi; " + HostDigest.sha256OfStdin,
            input: "abc")
        #expect(result.succeeded)
        #expect(err.isEmpty)
        #expect(out == Self.abc + "  -")
    }
}
