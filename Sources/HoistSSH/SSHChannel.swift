import CLibSSH2
import Foundation
import HoistCore

/// One libssh2 channel running one command, freed when dropped. Its methods retry on EAGAIN
/// through the owning session handle.
final class SSHChannel {
    let handle: SSHSessionHandle
    let raw: OpaquePointer
    private var freed = false

    /// Opens a session channel and starts `command` in it, in `sh` whatever the user's login
    /// shell (`LoginShellRequest`).
    init(exec command: String, on handle: SSHSessionHandle, deadline: Deadline, window: UInt32 = 2 << 20) throws {
        self.handle = handle
        let session = handle.raw
        raw = try handle.callPointer("opening a channel", kind: .channel, deadline: deadline) {
            hoist_libssh2_channel_open_session(session, window)
        }
        let bytes = Array(LoginShellRequest.request(command).utf8)
        let channel = raw
        let rc = try handle.call("starting a command", kind: .channel, deadline: deadline) {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    hoist_libssh2_channel_exec(channel, $0, UInt32(bytes.count))
                }
            }
        }
        if rc != 0 {
            free()
            throw handle.failure(.channel, "starting the command", code: rc)
        }
    }

    /// Reads what is available from a stream (0 stdout, 1 stderr): >0 bytes, 0 nothing now,
    /// -1 end of that stream's data. Throws on channel failure.
    func read(stream: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = libssh2_channel_read_ex(raw, stream, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
        if n > 0 { return n }
        if n == Int(LIBSSH2_ERROR_EAGAIN) { return 0 }
        if n == 0 { return libssh2_channel_eof(raw) != 0 ? -1 : 0 }
        throw handle.failure(.channel, "reading command output", code: Int32(n))
    }

    var atEOF: Bool { libssh2_channel_eof(raw) != 0 }

    /// The most one libssh2 write call is given. libssh2 1.10 builds each packet in its
    /// session's 35 KB write buffer, whose pages start out given back to the kernel
    /// (`hoist_libssh2_session_init`); packets of at most 16 KiB never touch the upper half
    /// of it, on any host for the whole deployment: 10 KB a host less at 400 hosts, for
    /// twice as many (smaller) packets in an upload, with no measurable change in CPU.
    static let largestWrite = 16 << 10

    /// Writes all of `bytes` to stdin, waiting as needed; stops early if the command exits.
    /// `stopped` is asked before each write and while the window is full (at least once a
    /// second, `SSHSessionHandle.wait`'s cap); when it says yes, `WriteStopped` is thrown.
    /// With `pacing`, no more than its limit is sent beyond what the host has taken in.
    func writeAll(_ bytes: UnsafeRawBufferPointer, deadline: Deadline, pacing: UploadPacing? = nil,
                  stopped: () -> Bool = { false }) throws {
        var offset = 0
        while offset < bytes.count {
            if stopped() { throw WriteStopped() }
            if let pacing, try !pacing.mayWrite(on: self) {
                try handle.wait("sending data", deadline: deadline)
                continue
            }
            // A retry after EAGAIN passes the same length again, as libssh2 requires.
            let count = min(bytes.count - offset, Self.largestWrite)
            let n = libssh2_channel_write_ex(raw, 0, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), count)
            if n > 0 {
                offset += n
            } else if n == Int(LIBSSH2_ERROR_EAGAIN) || n == 0 {
                try handle.wait("sending data", deadline: deadline)
            } else {
                throw handle.failure(.upload, "sending data", code: Int32(n))
            }
        }
    }

    /// How much of the host's window is in use: bytes sent that its command has not read yet
    /// (sshd grants them back as it passes them on), with the largest window seen so far.
    func windowInUse(largest: inout Int) -> Int {
        let window = Int(libssh2_channel_window_write_ex(raw, nil))
        largest = max(largest, window)
        return largest - window
    }

    /// Takes in what the host sent (its window adjustments) without reading any output.
    func takeInPackets() throws {
        var none: CChar = 0
        let n = libssh2_channel_read_ex(raw, 0, &none, 0)
        if n < 0 && n != Int(LIBSSH2_ERROR_EAGAIN) {
            throw handle.failure(.upload, "sending data", code: Int32(n))
        }
    }

    /// Everything the command prints on stdout and stderr until it ends (at most `seconds`),
    /// each trimmed: for short results such as the upload's digest. A connection that fails
    /// or stays silent meanwhile ends the read with `failure` set, so a caller can tell a
    /// lost answer from a wrong one.
    func readToEnd(seconds: Double = 60) -> ChannelEnding {
        var streams = [Data(), Data()]
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { scratch.deallocate() }
        let deadline = Deadline.after(seconds)
        var reading = ChannelStreams()
        var failure: TransportError?
        while !reading.bothClosed {
            guard !deadline.hasPassed else {
                failure = TransportError(host: handle.label, kind: .timeout, message: "the host did not finish its answer within \(Int(seconds)) s")
                break
            }
            do {
                let moved = try reading.pass(self, buffer: scratch) { stream, bytes in
                    streams[stream].append(contentsOf: bytes)
                    return true
                }
                if !moved && !reading.bothClosed { try handle.wait("reading the command's output", deadline: .after(1)) }
            } catch let error as TransportError {
                failure = error
                break
            } catch {
                failure = TransportError(host: handle.label, kind: .closed, message: "\(error)")
                break
            }
        }
        let text = streams.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        return ChannelEnding(stdout: text[0], stderr: text[1], failure: failure)
    }

    /// What `writeAll` throws when its caller stopped it.
    struct WriteStopped: Error {}

    func sendEOF(deadline: Deadline) throws {
        let channel = raw
        _ = try handle.call("closing the command's input", kind: .channel, deadline: deadline) { libssh2_channel_send_eof(channel) }
    }

    /// Waits for the server to close the channel (exit status arrives before that).
    func closeAndWait(deadline: Deadline) {
        let channel = raw
        _ = try? handle.call("closing a channel", kind: .channel, deadline: deadline) { libssh2_channel_close(channel) }
        _ = try? handle.call("closing a channel", kind: .channel, deadline: deadline) { libssh2_channel_wait_closed(channel) }
    }

    var exitStatus: Int32 { libssh2_channel_get_exit_status(raw) }

    /// The signal name (`TERM`, `KILL`) when the command was killed by one.
    var exitSignal: String? {
        var name: UnsafeMutablePointer<CChar>?
        var nameLength = 0
        guard libssh2_channel_get_exit_signal(raw, &name, &nameLength, nil, nil, nil, nil) == 0, let name else { return nil }
        defer { hoist_libssh2_free(handle.raw, name) }
        let text = String(decoding: UnsafeRawBufferPointer(start: name, count: nameLength), as: UTF8.self)
        return text.isEmpty ? nil : text
    }

    func free() {
        guard !freed else { return }
        freed = true
        // In non-blocking mode freeing may first need to send a close and wait.
        let channel = raw
        _ = try? handle.call("freeing a channel", kind: .channel, deadline: .after(5)) { libssh2_channel_free(channel) }
    }

    deinit { free() }
}
