import CLibSSH2
import Foundation
import HoistCore

/// Runs one command on a session thread: reads stdout and stderr both without blocking,
/// delivers whole lines as they arrive, and enforces the deadline by signalling the remote
/// process group (TERM, then KILL after the grace period) through a second channel.
struct ExecRunner {
    let handle: SSHSessionHandle
    /// True once the caller's task was cancelled: the command is stopped like a timed-out one
    /// and the run throws CancellationError.
    var isCancelled: @Sendable () -> Bool = { false }
    /// How long opening a channel or sending a kill may take.
    let channelTimeout: Double = 30

    func run(_ command: String, input: [UInt8]? = nil, timeoutSeconds: Double?, killGraceSeconds: Double,
             onOutput: (OutputLine) -> Void) throws -> CommandResult {
        if isCancelled() { throw CancellationError() }
        let started = Deadline.now()
        let channel = try SSHChannel(exec: RemoteCommandWrapper.wrap(command), on: handle, deadline: .after(channelTimeout))
        defer { channel.free() }
        if let input {
            // Programs that grow with the revision come this way: an exec request is capped
            // at about 35 KB, a channel's stdin is not. The command reads it all first.
            try input.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let end = min(offset + (1 << 20), bytes.count)
                    try channel.writeAll(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), deadline: .after(60))
                    offset = end
                }
            }
            try channel.sendEOF(deadline: .after(60))
        }

        var lines = CommandOutputLines()
        var stopper = CommandStopper(started: started, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds)
        var abandoned = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelReadBuffer.size, alignment: 16)
        defer { buffer.deallocate() }

        var streams = ChannelStreams()
        while !streams.bothClosed {
            let moved = try streams.pass(channel, buffer: buffer) { stream, bytes in
                lines.feed(stream, bytes, onOutput)
                return true
            }
            if streams.bothClosed { break }
            let now = Deadline.now()
            if stopper.check(now: now, processGroup: lines.processGroup, isCancelled: isCancelled, signal: signal) {
                abandoned = true
                break
            }
            if moved { continue }
            if handle.serveSideCommands() { continue }
            try handle.waitForCommand(now: now, stopper: stopper)
        }
        lines.finish(onOutput)

        if stopper.cancelled {
            channel.closeAndWait(deadline: .after(5))
            throw CancellationError()
        }
        var status: Int32?
        var signalName: String?
        if !abandoned {
            channel.closeAndWait(deadline: .after(channelTimeout))
            signalName = channel.exitSignal
            if signalName == nil { status = channel.exitStatus }
            // The wrapper announces the group before anything else: a failure without it
            // happened before the command started.
            if lines.processGroup == nil, let status, status != 0 { onOutput(OutputLine(.stderr, LoginShellFailure.line)) }
        }
        return CommandResult(exitStatus: status, signal: signalName, timedOut: stopper.timedOut,
                             durationSeconds: Deadline.now() - started)
    }

    private func signal(_ processGroup: Int32, _ name: String) {
        Self.signal(processGroup, name, on: handle, timeout: channelTimeout)
    }

    /// Signals a command's process group from a channel of its own on the same session.
    static func signal(_ processGroup: Int32, _ name: String, on handle: SSHSessionHandle, timeout: Double) {
        guard processGroup > 1 else { return }
        let deadline = Deadline.after(timeout)
        guard let killer = try? SSHChannel(exec: RemoteCommandWrapper.killGroup(processGroup, signal: name), on: handle, deadline: deadline) else { return }
        defer { killer.free() }
        _ = try? killer.sendEOF(deadline: deadline)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { scratch.deallocate() }
        var streams = ChannelStreams()
        while !streams.bothClosed && !deadline.hasPassed {
            guard let moved = try? streams.pass(killer, buffer: scratch, take: { _, _ in true }) else { break }
            if !moved && !streams.bothClosed { try? handle.wait("signalling a command", deadline: .after(1)) }
        }
        killer.closeAndWait(deadline: deadline)
    }
}
