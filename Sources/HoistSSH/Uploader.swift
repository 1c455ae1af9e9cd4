import Crypto
import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Streams a local file into `cat > TMP` on the host in large writes, hashing it on the way,
/// then has the host check `sha256sum TMP` against that hash before `chmod` and `mv -f` put
/// it in place. A reader of `remotePath` never sees a partial file.
struct Uploader {
    let handle: SSHSessionHandle
    let runner: ExecRunner
    static let chunkSize = 1 << 20

    func upload(localPath: String, remotePath: String, mode: Int32, progress: ((Int64) -> Void)?) throws -> UploadResult {
        let label = handle.label
        let started = Deadline.now()
        let fd = open(localPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TransportError(host: label, kind: .upload, message: "cannot read \(localPath): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }

        let directory = (remotePath as NSString).deletingLastPathComponent
        let name = (remotePath as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(name).hoist-\(UInt32.random(in: 0...UInt32.max)).tmp"

        let channel = try SSHChannel(exec: "umask 077 && exec cat > \(shellQuote(temporary))", on: handle, deadline: .after(30))
        defer { channel.free() }
        var hasher = SHA256()
        var sent: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        do {
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TransportError(host: label, kind: .upload, message: "cannot read \(localPath): \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                hasher.update(bufferPointer: chunk)
                // A stalled host gets a minute per chunk before the upload fails.
                try channel.writeAll(chunk, deadline: .after(60))
                sent += Int64(n)
                progress?(sent)
            }
            try channel.sendEOF(deadline: .after(60))
        } catch let error as TransportError {
            let detail = remoteError(channel)
            _ = try? runner.run("rm -f \(shellQuote(temporary))", timeoutSeconds: 30, killGraceSeconds: 1) { _ in }
            throw TransportError(host: label, kind: .upload,
                message: "uploading \(localPath) to \(remotePath) failed: \(detail.isEmpty ? error.message : detail)")
        }
        let detail = remoteError(channel)
        channel.closeAndWait(deadline: .after(60))
        if channel.exitStatus != 0 {
            throw TransportError(host: label, kind: .upload,
                message: "cannot write \(temporary) on the host: \(detail.isEmpty ? "cat exited with \(channel.exitStatus)" : detail)")
        }

        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        var messages: [String] = []
        let result = try runner.run(Self.finishCommand(temporary: temporary, final: remotePath, sha256: digest, mode: mode),
                                    timeoutSeconds: 300, killGraceSeconds: 5) { messages.append($0.text) }
        guard result.succeeded else {
            throw TransportError(host: label, kind: .upload,
                message: "uploaded \(localPath) but could not put it in place at \(remotePath): \(messages.joined(separator: " "))")
        }
        return UploadResult(bytes: sent, sha256: digest, durationSeconds: Deadline.now() - started)
    }

    /// Checks the temporary file's hash, then sets its mode and renames it over the target.
    static func finishCommand(temporary: String, final: String, sha256: String, mode: Int32) -> String {
        let tmp = shellQuote(temporary)
        return """
            s=$(sha256sum \(tmp)) || { rm -f \(tmp); exit 3; }; s=${s%% *}; \
            if [ "$s" != \(shellQuote(sha256)) ]; then rm -f \(tmp); echo "checksum mismatch: the host has $s, expected \(sha256)" >&2; exit 4; fi; \
            chmod \(String(mode, radix: 8)) \(tmp) && mv -f \(tmp) \(shellQuote(final)) || { rm -f \(tmp); exit 5; }
            """
    }

    /// Whatever the remote `cat` said on stderr, to explain a failed write.
    private func remoteError(_ channel: SSHChannel) -> String {
        var text = Data()
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { scratch.deallocate() }
        let deadline = Deadline.after(5)
        while !deadline.hasPassed {
            guard let n = try? channel.read(stream: 1, into: scratch) else { break }
            if n < 0 { break }
            if n == 0 {
                if channel.atEOF { break }
                try? handle.wait("reading an error", deadline: .after(1))
                continue
            }
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
