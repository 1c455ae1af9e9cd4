import Foundation
import HoistCore
import HoistDigest
import HoistSSH
import HoistTestSupport
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
        let remoteDir = sshd.path("upload-\(UUID().uuidString)")
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
            return error.kind == .upload && error.message.contains("the upload could not be written") && error.message.contains("nonexistent")
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
        let remoteDir = sshd.path("upload-\(UUID().uuidString)")
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

    /// The host checks the digest and renames in the same command as it receives: a target
    /// it cannot replace (here a folder of that name, which `mv` without `-T` would have put
    /// the file into) fails the upload by name, and leaves the folder as it was and no
    /// temporary file.
    @Test func aTargetThatCannotBeReplacedFailsAndLeavesNothing() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let local = sshd.dir.appendingPathComponent("blocked-\(UUID().uuidString)")
        try Data("the bundle".utf8).write(to: local)
        let remoteDir = sshd.path("upload-\(UUID().uuidString)")
        _ = try await session.capture("mkdir -p \(shellQuote(remoteDir))/target && echo kept > \(shellQuote(remoteDir))/target/inside")
        await #expect {
            _ = try await session.upload(localPath: local.path, remotePath: remoteDir + "/target", mode: 0o644,
                                         sha256: try FileSHA256.hex(path: local.path), progress: nil)
        } throws: { error in
            guard let error = error as? TransportError else { return false }
            return error.kind == .upload && error.message.contains("could not put it in place at \(remoteDir)/target")
        }
        let (_, out, _) = try await session.capture("ls -A \(shellQuote(remoteDir)) \(shellQuote(remoteDir))/target")
        #expect(out == "\(remoteDir):\ntarget\n\n\(remoteDir)/target:\ninside")
    }

    /// A FIFO in `folder` that a thread fills with up to 512 MiB, a MiB at a time: the local
    /// file of an upload that is surely mid-way when the test acts. With `pausingAt`, the
    /// thread waits after that many MiB until `resume` is signalled; `done` ends it.
    static func stream(in folder: URL, pausingAt pause: Int?) throws -> (path: String, resume: DispatchSemaphore, done: Locked<Bool>) {
        let path = folder.appendingPathComponent("stream-\(UUID().uuidString)").path
        try #require(mkfifo(path, 0o600) == 0)
        let (resume, done) = (DispatchSemaphore(value: 0), Locked(false))
        Thread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            let chunk = [UInt8](repeating: 7, count: 1 << 20)
            for megabyte in 0..<512 where !done.current {
                if megabyte == pause { resume.wait() }
                if chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) < 0 { break }
            }
            close(fd)
        }.start()
        return (path, resume, done)
    }

    /// The connection lost mid-upload (the proxy in front of sshd cuts it) is the host out of
    /// reach, as it is during a hook: an adversarial run saw it reported as the upload's own
    /// failure (UnknownError) where a hook's lost connection is HostUnreachable.
    @Test(.timeLimit(.minutes(5)))
    func aConnectionLostMidUploadIsTheHostOutOfReach() async throws {
        let (proxy, session) = try await sshd.connectThroughProxy()
        defer { Task { await session.close() } }
        let outcome = try await Self.uploadInterrupted(on: session, in: sshd.dir) { proxy.goDown() }
        switch outcome {
        case .success:
            Issue.record("the upload succeeded")
        case .failure(let error):
            let error = try #require(error as? TransportError, "\(error)")
            #expect(error.isUnreachable, "\(error.kind): \(error.message)")
        }
    }

    /// Starts an upload of an endless stream to a new folder on the session's host, calls
    /// `interrupt` once 4 MiB went out, and gives how the upload ended (the folder goes).
    static func uploadInterrupted(on session: any HostSession, in folder: URL,
                                  _ interrupt: () -> Void) async throws -> Result<UploadResult, any Error> {
        let stream = try stream(in: folder, pausingAt: nil)
        let remoteDir = LocalSSHD.shared.path("upload-\(UUID().uuidString)")
        _ = try await session.capture("mkdir -p \(shellQuote(remoteDir))")
        let sent = Locked<Int64>(0)
        let upload = Task {
            try await session.upload(localPath: stream.path, remotePath: remoteDir + "/bundle.tar", mode: 0o600,
                                     sha256: String(repeating: "0", count: 64)) { bytes in sent.withLock { $0 = bytes } }
        }
        #expect(await eventually(within: 120) { sent.current >= 4 << 20 }, "the upload got going")
        interrupt()
        let outcome = await upload.result
        stream.done.withLock { $0 = true }
        // The host is this machine: what the cut upload left goes with its folder.
        try? FileManager.default.removeItem(atPath: remoteDir)
        return outcome
    }

    /// Cancelling the task stops an upload between writes: the host keeps no partial file
    /// and nothing at the target. The local file is a FIFO the test writes to: 8 MiB, then
    /// nothing until the upload is cancelled, then up to 512 MiB more. So the upload is
    /// surely mid-way when it is cancelled, and without the stop it would go on to the end
    /// and fail with a checksum mismatch instead of "was stopped".
    @Test(.timeLimit(.minutes(5)))
    func cancellingTheTaskStopsTheUploadAndLeavesNothing() async throws {
        signal(SIGPIPE, SIG_IGN)
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let stream = try Self.stream(in: sshd.dir, pausingAt: 8)
        let (fifo, resume, writerDone) = (stream.path, stream.resume, stream.done)
        let remoteDir = sshd.path("upload-\(UUID().uuidString)")
        _ = try await session.capture("mkdir -p \(shellQuote(remoteDir))")
        let sent = Locked<Int64>(0)
        let upload = Task {
            try await session.upload(localPath: fifo, remotePath: remoteDir + "/bundle.tar", mode: 0o600,
                                     sha256: String(repeating: "0", count: 64)) { bytes in sent.withLock { $0 = bytes } }
        }
        let deadline = Date().addingTimeInterval(120)
        while sent.current < 4 << 20, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(sent.current >= 4 << 20, "the upload got going")
        upload.cancel()
        resume.signal()
        let outcome = await upload.result
        writerDone.withLock { $0 = true }
        switch outcome {
        case .success:
            Issue.record("the upload succeeded")
        case .failure(let error):
            let error = try #require(error as? TransportError, "\(error)")
            #expect(error.kind == .upload)
            #expect(error.message.contains("was stopped after"), "\(error.message)")
        }
        #expect(sent.current <= 8 << 20, "nothing went out after the cancel")
        let (_, out, _) = try await session.capture("ls -A \(shellQuote(remoteDir)); echo end")
        #expect(out == "end", "nothing left on the host: \(out)")
        // The session still works after the stopped upload.
        let (result, echo, _) = try await session.capture("echo still here")
        #expect(result.succeeded && echo == "still here")
    }
}
