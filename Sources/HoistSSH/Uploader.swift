import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Streams a local file into `cat > TMP` on the host in large writes, then hashes TMP there.
/// The host's digest of the file as written must equal the digest the caller gives (the
/// bundle's, computed once on the coordinator, not once per host), and the write must report
/// no error, before the same command puts the file in place (`chmod`, `mv -fT`), so a reader
/// of `remotePath` never sees a partial or corrupt file, nor one that differs from what the
/// caller hashed. Checking and renaming there, rather than in a second command, saves the host
/// a shell and each upload a round trip. Hashing the written file afterwards (from the page
/// cache) rather than through `tee TMP | <SHA-256>` as it arrives costs the host a third less
/// CPU for the sample's 5 MB (tee moves 8 KiB at a time, through a second pipe), for a few
/// milliseconds more at the end of each upload.
struct Uploader {
    let handle: SSHSessionHandle
    /// Keeps the upload from running far ahead of the host (nil: as fast as the window allows).
    let pacing: UploadPacing?
    /// Asked between writes: yes stops the upload (a cancelled task: a deployment stopped at
    /// once, or a host whose turn will not come), and the partial file is removed.
    let stopped: () -> Bool
    /// Runs a small command on the host (through the session's resident shell when it has one).
    let run: (_ command: String, _ timeoutSeconds: Double, _ onOutput: @escaping (OutputLine) -> Void) throws -> CommandResult
    /// What one read of the local file takes. It goes out in packets of at most 16 KiB
    /// whatever the chunk (`SSHChannel.largestWrite`), so a larger chunk only saves read()s; each upload in
    /// flight (at most `SSHConnectorOptions.maxConcurrentUploads`) holds one, so 256 KiB cost
    /// 16 MB on 64 streams and 64 KiB cost 4 MB.
    static let chunkSize = 64 << 10
    /// How often `progress` hears of an upload: every observer sees each report, and a
    /// thousand hosts uploading at once would otherwise be a stream of events for every chunk.
    static let progressStep: Int64 = 1 << 20

    /// `decoder`: a host command the stream goes through before it is written and hashed
    /// (`HostSession.upload(localPath:through:…)`), or nil for the file as it is.
    func upload(localPath: String, decoder: String? = nil, remotePath: String, mode: Int32, sha256 expected: String,
                progress: ((Int64) -> Void)?) throws -> UploadResult {
        let label = handle.label
        let started = Deadline.now()
        let fd = open(localPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TransportError(host: label, kind: .upload, message: "cannot read \(localPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }

        let directory = parentFolder(of: remotePath)
        let name = (remotePath as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).hoist-\(UInt32.random(in: 0...UInt32.max)).tmp"

        let command = Self.receiveCommand(temporary: temporary, final: remotePath, mode: mode, sha256: expected, decoder: decoder)
        let channel = try SSHChannel(exec: command, on: handle, deadline: .after(30))
        defer { channel.free() }
        var sent: Int64 = 0
        var reported: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TransportError(host: label, kind: .upload, message: "cannot read \(localPath): \(String(cString: strerror(errno)))")
                }
                if n == 0 {
                    if sent != reported { progress?(sent) }
                    break
                }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                // A stalled host gets a minute per chunk before the upload fails.
                try channel.writeAll(chunk, deadline: .after(60), pacing: pacing, stopped: stopped)
                sent += Int64(n)
                if sent - reported >= Self.progressStep {
                    progress?(sent)
                    reported = sent
                }
                // A large upload takes minutes: the heartbeat goes between its chunks.
                handle.serveSideCommands()
            }
            // A stop that came while the last read waited still stops it: writeAll, which asks
            // before each write, has nothing left to write.
            if stopped() { throw SSHChannel.WriteStopped() }
            try channel.sendEOF(deadline: .after(60))
        } catch is SSHChannel.WriteStopped {
            // The end of input ends the host's `cat`; the partial file goes once it has.
            try? channel.sendEOF(deadline: .after(10))
            _ = channel.readToEnd()
            _ = try? run("rm -f \(shellQuote(temporary))", 30) { _ in }
            throw TransportError(host: label, kind: .upload, message: "the upload of \(localPath) to \(remotePath) was stopped after \(sent) bytes")
        } catch let error as TransportError {
            // A connection lost or silent mid-upload is the host out of reach, as it is
            // during a hook (HostUnreachable), not the upload's own failure; nothing more
            // can be asked of that session, so the partial file is left for the next probe.
            if error.isUnreachable {
                throw TransportError(host: label, kind: error.kind, message: "uploading \(localPath) to \(remotePath) failed: \(error.message)")
            }
            let detail = channel.readToEnd().stderr
            _ = try? run("rm -f \(shellQuote(temporary))", 30) { _ in }
            throw TransportError(host: label, kind: .upload,
                message: "uploading \(localPath) to \(remotePath) failed: \(detail.isEmpty ? error.message : detail)")
        }
        let answer = channel.readToEnd()
        if answer.failure == nil { channel.closeAndWait(deadline: .after(60)) }
        let verdict = Self.verdict(answer, status: channel.exitStatus, expected: expected, sent: sent,
                                   localPath: localPath, remotePath: remotePath, host: label)
        switch verdict {
        case .success(let digest):
            return UploadResult(bytes: sent, sha256: digest, durationSeconds: Deadline.now() - started)
        case .failure(let error):
            // The partial file goes wherever the session still answers (a stop that closed
            // the channel early); a host gone silent would only make the removal wait.
            if error.kind != .timeout { _ = try? run("rm -f \(shellQuote(temporary))", 30) { _ in } }
            throw error
        }
    }

    /// What the receiving command's answer says: the digest of a file put in place, or why
    /// not. An answer cut short by the connection is that failure (a host gone silent or a
    /// connection lost is unreachable), not a checksum mismatch of an empty digest.
    static func verdict(_ answer: ChannelEnding, status: Int32, expected: String, sent: Int64,
                        localPath: String, remotePath: String, host: String) -> Result<String, TransportError> {
        // The digest is the last line: a login shell may print before the command runs, on
        // either stream, so stderr alone says nothing; a failed write says so (`writeFailed`).
        let lastLine = answer.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let remoteDigest = String(lastLine.prefix(while: { $0 != " " }))
        let detail = answer.stderr
        let writeFailed = detail.contains(Self.writeFailed)
        if let failure = answer.failure, remoteDigest != expected || status != 0 {
            return .failure(TransportError(host: host, kind: failure.kind,
                message: "sent \(sent) bytes of \(localPath) to \(remotePath), then no answer with the host's digest came: \(failure.message)"))
        }
        if status == Self.notPutInPlace && !writeFailed && remoteDigest == expected {
            return .failure(TransportError(host: host, kind: .upload,
                message: "uploaded \(localPath) but could not put it in place at \(remotePath): \(detail)"))
        }
        if status != 0 || writeFailed || remoteDigest != expected {
            let reason = writeFailed ? detail
                : remoteDigest != expected ? "checksum mismatch: the host received \(remoteDigest.isEmpty ? "nothing" : remoteDigest), expected \(expected)"
                : detail.isEmpty ? "the receiving command exited with \(status)" : detail
            return .failure(TransportError(host: host, kind: .upload, message: "uploading \(localPath) to \(remotePath) failed: \(reason)"))
        }
        return .success(remoteDigest)
    }

    /// What the receiving command prints on stderr when TMP could not be created or written
    /// (it then reads the rest of the stream and ends without a digest).
    static let writeFailed = "hoist: the upload could not be written"

    /// The receiving command's exit status when the file arrived whole but could not be put
    /// in place (it removed TMP itself).
    static let notPutInPlace: Int32 = 5

    /// Writes stdin to TMP and prints the SHA-256 of what was written; when that is `sha256`,
    /// sets the mode and renames TMP over the target (`-T`: never into a folder of that name).
    /// A write that fails says so, reads the rest of stdin (so the sender is not left
    /// blocked) and ends the command before any digest. Otherwise TMP is left to the caller,
    /// which removes it. With a `decoder`, TMP holds what the decoder makes of stdin; a decoder
    /// that fails leaves a file whose digest does not match.
    static func receiveCommand(temporary: String, final: String, mode: Int32, sha256: String, decoder: String? = nil) -> String {
        let tmp = shellQuote(temporary)
        let failed = "{ echo \(shellQuote(writeFailed)) >&2; cat >/dev/null; exit 1; }"
        // The decoder writes TMP itself (no second pipe); one that fails leaves the rest of
        // the stream read and a file whose digest does not match.
        let write = decoder.map { "{ : > \(tmp) || \(failed); \($0) > \(tmp) || cat >/dev/null; }" }
            ?? "{ cat > \(tmp) || \(failed); }"
        // TMP is created under umask 077: 0600 needs no chmod.
        let chmod = mode == 0o600 ? "" : "chmod \(String(mode, radix: 8)) \(tmp) && "
        return "umask 077 && \(write)"
            + " && d=$({ \(HostDigest.sha256OfStdin); } < \(tmp))"
            + " && printf '%s\\n' \"$d\" && [ \"${d%% *}\" = \(shellQuote(sha256)) ]"
            + " && { \(chmod)mv -fT \(tmp) \(shellQuote(final)) || { rm -f \(tmp); exit \(notPutInPlace); }; }"
    }
}
