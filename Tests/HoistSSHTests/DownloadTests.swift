import Foundation
import HoistCore
import HoistDigest
import HoistSSH
import Testing

/// Reading a host's file back (`HostSession.download`), which a coordinator whose cache lacks
/// a host's bundle does once to send deltas from it.
@Suite("SSH download against a real sshd")
struct DownloadTests {
    let sshd = LocalSSHD.shared

    @Test func aFileComesBackByteForByte() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        // Random bytes with lines that look like the command's own marker in them.
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 17)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        bytes.replaceSubrange(0..<0, with: Array("HOIST-FILE-1\nHOIST-FILE-\n".utf8))
        let remote = sshd.dir.appendingPathComponent("held file \(UUID().uuidString)")
        try Data(bytes).write(to: remote)
        let local = sshd.dir.appendingPathComponent("read-\(UUID().uuidString)")
        try Data("old contents that are longer than nothing".utf8).write(to: local)

        let count = try await session.download(remotePath: remote.path, to: local.path, maxBytes: 8 << 20)
        #expect(count == Int64(bytes.count))
        #expect(try FileSHA256.hex(path: local.path) == HexText.encode(SHA256Hasher.hash(bytes)))
    }

    @Test func aFileLargerThanAllowedOrMissingFails() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let remote = sshd.dir.appendingPathComponent("large-\(UUID().uuidString)")
        try Data(count: 200_000).write(to: remote)
        let local = sshd.dir.appendingPathComponent("read-\(UUID().uuidString)").path
        await #expect {
            _ = try await session.download(remotePath: remote.path, to: local, maxBytes: 100_000)
        } throws: { error in
            (error as? TransportError)?.message.contains("larger than 100000 bytes") == true
        }
        let missing = "/nonexistent-\(UUID().uuidString)/bundle.tar"
        await #expect {
            _ = try await session.download(remotePath: missing, to: local, maxBytes: 100_000)
        } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.message.contains("reading \(missing) from the host failed") && error.message.contains("No such file")
        }
        // The session goes on working after both.
        let (result, out, _) = try await session.capture("echo still here")
        #expect(result.succeeded && out.contains("still here"))
    }
}
