import Foundation
import HoistCore
import HoistDigest
import HoistSSH
import Testing

@Suite("SSH upload against a real sshd")
struct UploadTests {
    let sshd = LocalSSHD.shared

    @Test func uploadsVerifiesAndRenamesWithTheMode() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let local = sshd.dir.appendingPathComponent("payload-\(UUID().uuidString)")
        var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024 + 17)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        try Data(bytes).write(to: local)
        let remoteDir = "/tmp/hoist-upload-\(UUID().uuidString)"
        let remote = "\(remoteDir)/target file"
        _ = try await session.capture("mkdir -p \(shellQuote(remoteDir)) && echo old > \(shellQuote(remote))")

        let progress = Locked<[Int64]>([])
        let result = try await session.upload(localPath: local.path, remotePath: remote, mode: 0o640,
                                              sha256: HexText.encode(SHA256Hasher.hash(bytes))) { sent in
            progress.withLock { $0.append(sent) }
        }
        // The digest the host's own sha256sum computes, independently of Hoist's.
        let (_, remoteSum, _) = try await session.capture("sha256sum < \(shellQuote(remote)) | cut -d' ' -f1")
        let expected = remoteSum.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.count == 64)
        #expect(result.bytes == Int64(bytes.count))
        #expect(result.sha256 == expected)
        #expect(progress.current.last == Int64(bytes.count))
        #expect(progress.current == progress.current.sorted())
        // About one report a MiB, not one a read: every observer sees each of them.
        #expect(progress.current.count <= 4)

        let (_, out, _) = try await session.capture("sha256sum < \(shellQuote(remote)) | cut -d' ' -f1; stat -c %a \(shellQuote(remote)); ls -A \(shellQuote(remoteDir))")
        #expect(out == "\(expected)\n640\ntarget file")
    }

    @Test func aMissingRemoteDirectoryFailsAsAnUploadError() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let local = sshd.dir.appendingPathComponent("small-\(UUID().uuidString)")
        try Data("hello".utf8).write(to: local)
        await #expect {
            _ = try await session.upload(localPath: local.path, remotePath: "/nonexistent-\(UUID().uuidString)/x", mode: 0o644,
                                         sha256: try FileSHA256.hex(path: local.path), progress: nil)
        } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.kind == .upload && error.message.contains("No such file")
        }
    }

    /// The coordinator no longer hashes per host: the host's digest of what it received is
    /// compared with the digest the caller gives, so a file that differs from what was hashed
    /// (changed on disk since, or damaged on the way) is never put in place.
    @Test func aFileThatIsNotTheDigestTheCallerGaveIsNotPutInPlace() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let local = sshd.dir.appendingPathComponent("changed-\(UUID().uuidString)")
        try Data("the bundle as it was hashed".utf8).write(to: local)
        let digest = try FileSHA256.hex(path: local.path)
        try Data("the bundle as it is now".utf8).write(to: local)
        let remoteDir = "/tmp/hoist-upload-\(UUID().uuidString)"
        _ = try await session.capture("mkdir -p \(shellQuote(remoteDir)) && echo old > \(shellQuote(remoteDir))/target")
        await #expect {
            _ = try await session.upload(localPath: local.path, remotePath: remoteDir + "/target", mode: 0o644, sha256: digest, progress: nil)
        } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.kind == .upload && error.message.contains("checksum mismatch") && error.message.contains("expected \(digest)")
        }
        // The old file is untouched and no temporary file is left behind.
        let (_, out, _) = try await session.capture("cat \(shellQuote(remoteDir))/target; ls -A \(shellQuote(remoteDir))")
        #expect(out == "old\ntarget")
    }
}
