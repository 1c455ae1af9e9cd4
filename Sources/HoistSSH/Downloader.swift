import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads one file of the host back into a local file: `cat` on a channel of its own, its
/// stdout written as it comes, so memory stays one read buffer whatever the file's size. Used
/// for a bundle the coordinator's cache does not hold, to make deltas from (`BundleDeltas`,
/// which checks the digest of what arrived). A login shell may print before the command runs
/// (a version manager's notice in .bashrc), so the command prints a random marker line first,
/// and only the bytes after it are the file's.
struct Downloader {
    let handle: SSHSessionHandle
    /// Asked between reads: yes stops the download (a cancelled task).
    let stopped: () -> Bool
    /// How long the host may send nothing before the download fails.
    static let silenceSeconds = 60.0
    /// What a login shell may print before the marker; more means the marker never came.
    static let largestPreamble = 64 << 10

    func download(remotePath: String, to localPath: String, maxBytes: Int64) throws -> Int64 {
        let label = handle.label
        func failure(_ kind: TransportError.Kind, _ reason: String) -> TransportError {
            TransportError(host: label, kind: kind, message: "reading \(remotePath) from the host failed: \(reason)")
        }
        let fd = open(localPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(.remoteCommand, "cannot write \(localPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }

        let marker = Array("HOIST-FILE-\(UInt64.random(in: 0...UInt64.max))\n".utf8)
        let command = "printf '%s\\n' \(shellQuote(String(decoding: marker.dropLast(), as: UTF8.self))) && exec cat -- \(shellQuote(remotePath))"
        let channel = try SSHChannel(exec: command, on: handle, deadline: .after(30))
        defer { channel.free() }
        try channel.sendEOF(deadline: .after(30))

        var preamble: [UInt8]? = []
        var received: Int64 = 0
        var stderr: [UInt8] = []
        var lastTraffic = Deadline.now()
        var streams = ChannelStreams()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelReadBuffer.size, alignment: 16)
        defer { buffer.deallocate() }
        func keep(_ bytes: UnsafeRawBufferPointer) throws {
            received += Int64(bytes.count)
            if received > maxBytes { throw failure(.remoteCommand, "it is larger than \(maxBytes) bytes") }
            if let reason = writeAll(fd, bytes) { throw failure(.remoteCommand, "cannot write \(localPath): \(reason)") }
        }
        while !streams.bothClosed {
            if stopped() { throw failure(.closed, "it was stopped after \(received) bytes") }
            let moved = try streams.pass(channel, buffer: buffer) { stream, bytes in
                if stream == 1 {
                    stderr.append(contentsOf: bytes.prefix(max(0, 4096 - stderr.count)))
                } else if var before = preamble {
                    before.append(contentsOf: bytes)
                    if let found = before.firstRange(of: marker) {
                        preamble = nil
                        try before[found.upperBound...].withUnsafeBytes { try keep($0) }
                    } else if before.count > Self.largestPreamble {
                        throw failure(.remoteCommand, "the host's answer did not start as expected")
                    } else {
                        preamble = before
                    }
                } else {
                    try keep(bytes)
                }
                return true
            }
            let now = Deadline.now()
            if moved {
                lastTraffic = now
                continue
            }
            if now - lastTraffic >= Self.silenceSeconds {
                throw failure(.timeout, "the host sent nothing for \(Int(Self.silenceSeconds)) s")
            }
            // A large file takes a while: the lock's heartbeat goes meanwhile.
            if handle.serveSideCommands() { continue }
            try handle.wait("reading \(remotePath)", deadline: .after(Self.silenceSeconds))
        }
        channel.closeAndWait(deadline: .after(30))
        let status = channel.exitStatus
        if status != 0 || preamble != nil {
            let said = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw failure(.remoteCommand, said.isEmpty ? "the command exited with \(status)" : said)
        }
        return received
    }
}
