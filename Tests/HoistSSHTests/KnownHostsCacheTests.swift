import Foundation
import HoistDigest
@testable import HoistSSH
import Testing

/// known_hosts is parsed once per version of the file, and each connection gets only the
/// lines that can name its host (checked against real sshd hosts in HostKeyTests).
@Suite struct KnownHostsCacheTests {
    static let key = "AAAAC3NzaC1lZDI1NTE5AAAAIEZF1b5KWKJOjA8n84HKMgwZCHO/ggspybFygDC+QCi7"

    private func scratch(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-kh-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// The `|1|salt|hash` host field OpenSSH writes for `name` with HashKnownHosts.
    private func hashedField(_ name: String) -> String {
        let salt = Array("0123456789abcdefghij".utf8)
        let hash = HMACSHA1.code(key: salt, message: Array(name.utf8))
        return "|1|\(Data(salt).base64EncodedString())|\(Data(hash).base64EncodedString())"
    }

    @Test func aFileIsParsedOncePerVersionWhateverTheHost() throws {
        let lines = (11...210).map { "10.9.0.\($0) ssh-ed25519 \(Self.key)" }
        let file = try scratch(lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cache = KnownHostsCache()
        for octet in 11...210 {
            #expect(try cache.lines(in: file, address: "10.9.0.\(octet)", port: 22) == ["10.9.0.\(octet) ssh-ed25519 \(Self.key)"])
        }
        #expect(cache.parses == 1)

        // Any change is a new version, even one that keeps the size.
        try (lines.dropLast() + ["10.9.0.99 ssh-ed25519 \(Self.key)"]).joined(separator: "\n").appending("\n")
            .write(toFile: file, atomically: false, encoding: .utf8)
        #expect(try cache.lines(in: file, address: "10.9.0.210", port: 22) == [])
        #expect(try cache.lines(in: file, address: "10.9.0.99", port: 22)?.count == 2)
        #expect(cache.parses == 2)
    }

    @Test func onlyLinesThatCanNameTheHostArePassedOn() throws {
        let text = """
            # a comment naming 10.9.1.1
            10.9.1.1 ssh-ed25519 \(Self.key)
            other,10.9.1.1 ecdsa-sha2-nistp256 \(Self.key)
            10.9.1.10 ssh-ed25519 \(Self.key)
            [10.9.1.1]:2222 ssh-ed25519 \(Self.key)
            \(hashedField("10.9.1.1")) ssh-ed25519 \(Self.key)
            \(hashedField("10.9.1.2")) ssh-ed25519 \(Self.key)
            @revoked * ssh-ed25519 \(Self.key)

            """
        let file = try scratch(text)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let all = text.split(separator: "\n").map(String.init)
        let cache = KnownHostsCache()
        #expect(try cache.lines(in: file, address: "10.9.1.1", port: 22) == [all[1], all[2], all[5], all[7]])
        #expect(try cache.lines(in: file, address: "10.9.1.1", port: 2222) == [all[1], all[2], all[4], all[5], all[7]])
        #expect(try cache.lines(in: file, address: "10.9.1.2", port: 22) == [all[6], all[7]])
    }

    /// A known_hosts saved on Windows (CRLF, a byte order mark) names the same hosts, and
    /// libssh2 gets its lines without the CR: a CR left on the key made it a different key, and
    /// the host a "HOST KEY CHANGED" it is not (OpenSSH reads such a file fine).
    @Test(arguments: ["\r\n", "\n"], [true, false])
    func aFileSavedOnWindowsNamesTheSameHosts(_ ending: String, _ byteOrderMark: Bool) throws {
        let lines = ["10.9.3.1 ssh-ed25519 \(Self.key)", "# a comment", "\(hashedField("10.9.3.2")) ssh-ed25519 \(Self.key)",
                     "[10.9.3.3]:2222 ssh-ed25519 \(Self.key)"]
        let file = try scratch((byteOrderMark ? "\u{FEFF}" : "") + lines.joined(separator: ending) + ending)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cache = KnownHostsCache()
        #expect(try cache.lines(in: file, address: "10.9.3.1", port: 22) == [lines[0]])
        #expect(try cache.lines(in: file, address: "10.9.3.2", port: 22) == [lines[2]])
        #expect(try cache.lines(in: file, address: "10.9.3.3", port: 2222) == [lines[3]])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(KnownHostsFile(text: text).entry(address: "10.9.3.3", port: 2222, keyType: "ssh-ed25519", keyBase64: nil)?.line == 4)
        #expect(KnownHostsFile(text: text).entry(address: "10.9.3.1", port: 22, keyType: "ssh-ed25519", keyBase64: Self.key)?.key == Self.key)
    }

    @Test func aMissingFileHasNoLinesAndAFileLibSSH2RefusesIsAnError() throws {
        let cache = KnownHostsCache()
        #expect(try cache.lines(in: "/nonexistent/hoist/known_hosts", address: "10.9.2.1", port: 22) == nil)
        let file = try scratch("10.9.2.1 ssh-ed25519 \(Self.key)\n10.9.2.2 not-a-key-line\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: KnownHostsCache.Unreadable.self) { try cache.lines(in: file, address: "10.9.2.1", port: 22) }
    }
}
