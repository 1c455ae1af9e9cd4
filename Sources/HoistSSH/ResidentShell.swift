import Foundation
import HoistCore

/// One `bash -s` kept running on a channel of a host's session, fed one command at a time
/// (see `ShellFraming`). On a network with 30 ms between coordinator and host, an exec
/// channel costs a channel open, an exec request and the reply, each a round trip, for every
/// command; through the resident shell a command costs the one round trip of its reply, and
/// the host forks no sshd session and no login shell for it.
///
/// Used on the session's thread only. After anything that may leave the shell between
/// commands (a deadline that passed, a cancelled task, a broken channel) it is `broken`,
/// and the session opens a new one for the next command.
final class ResidentShell {
    /// The shell ended before the command started: nothing ran, the command may be run
    /// another way. `fresh`: it was the shell's first command (the host cannot run one).
    struct Unavailable: Error { var fresh: Bool }

    private let handle: SSHSessionHandle
    private let channel: SSHChannel
    private let framing: ShellFraming
    private var stdoutScanner: EndMarkerScanner
    private var stderrScanner: EndMarkerScanner
    private var commandsRun = 0
    /// Whether the prologue's end lines, and the login shell's output before them, were read.
    private var prologueRead = false
    private(set) var broken = false
    let channelTimeout: Double = 30

    /// Opens the channel and writes the prologue; waits for nothing else, so the first
    /// command follows in the same round trip.
    init(on handle: SSHSessionHandle) throws {
        self.handle = handle
        framing = ShellFraming()
        channel = try SSHChannel(exec: ShellFraming.channelCommand, on: handle, deadline: .after(channelTimeout))
        stdoutScanner = EndMarkerScanner(marker: framing.marker)
        stderrScanner = EndMarkerScanner(marker: framing.marker)
        do {
            try write(Array(framing.prologue.utf8))
        } catch {
            channel.free()
            throw error
        }
    }

    func close() {
        broken = true
        channel.free()
    }

    /// Runs one command; same contract as `ExecRunner.run`.
    func run(_ command: String, input: [UInt8]?, timeoutSeconds: Double?, killGraceSeconds: Double,
             isCancelled: () -> Bool, onOutput: @escaping (OutputLine) -> Void) throws -> CommandResult {
        if isCancelled() { throw CancellationError() }
        let started = Deadline.now()
        let fresh = commandsRun == 0
        commandsRun += 1
        // Until the command's end lines have been read, an early return leaves the shell
        // in an unknown place.
        broken = true
        try write(Array(framing.command(command, inputCount: input?.count).utf8) + (input ?? []))
        if !prologueRead {
            try dropLoginOutput(isCancelled: isCancelled)
            prologueRead = true
        }

        var lines = CommandOutputLines()
        var statuses: [Int32?] = [nil, nil]
        var streams = ChannelStreams()
        // Late bytes held from the previous command may already hold an end line.
        statuses[0] = stdoutScanner.scan { lines.feed(0, $0, onOutput) }
        statuses[1] = stderrScanner.scan { lines.feed(1, $0, onOutput) }
        for stream in 0..<2 where statuses[stream] != nil { streams.close(stream) }

        var stopper = CommandStopper(started: started, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelReadBuffer.size, alignment: 16)
        defer { buffer.deallocate() }

        while !streams.bothClosed {
            let moved = try streams.pass(channel, buffer: buffer, take: { stream, bytes in
                statuses[stream] = stream == 0
                    ? stdoutScanner.feed(bytes) { lines.feed(0, $0, onOutput) }
                    : stderrScanner.feed(bytes) { lines.feed(1, $0, onOutput) }
                return statuses[stream] == nil
            }, ended: { _ in
                // The shell ended mid-protocol.
                lines.finish(onOutput)
                channel.free()
                // No group announced: the command never started.
                if lines.processGroup == nil { throw Unavailable(fresh: fresh) }
                throw TransportError(host: handle.label, kind: .remoteCommand,
                                     message: "the host's command shell ended while running a command")
            })
            if streams.bothClosed { break }
            let now = Deadline.now()
            let giveUp = stopper.check(now: now, processGroup: lines.processGroup, isCancelled: isCancelled) { group, name in
                ExecRunner.signal(group, name, on: handle, timeout: channelTimeout)
            }
            if giveUp {
                // Something outside the group keeps the shell from going on: give it up.
                lines.finish(onOutput)
                close()
                if stopper.cancelled { throw CancellationError() }
                return CommandResult(exitStatus: nil, timedOut: stopper.timedOut, durationSeconds: Deadline.now() - started)
            }
            if moved { continue }
            if handle.serveSideCommands() { continue }
            try handle.waitForCommand(now: now, stopper: stopper)
        }
        lines.finish(onOutput)
        broken = false
        if stopper.cancelled { throw CancellationError() }
        return ShellFraming.result(status: statuses[0] ?? -1, timedOut: stopper.timedOut, durationSeconds: Deadline.now() - started)
    }

    /// Reads up to the prologue's end line on both streams and drops what came before it:
    /// the login shell's output. The shell ending first means nothing ran.
    private func dropLoginOutput(isCancelled: () -> Bool) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelReadBuffer.size, alignment: 16)
        defer { buffer.deallocate() }
        let deadline = Deadline.after(channelTimeout)
        var streams = ChannelStreams()
        while !streams.bothClosed {
            let moved = try streams.pass(channel, buffer: buffer, take: { stream, bytes in
                let status = stream == 0 ? stdoutScanner.feed(bytes) { _ in } : stderrScanner.feed(bytes) { _ in }
                return status == nil
            }, ended: { _ in
                channel.free()
                throw Unavailable(fresh: true)
            })
            if moved || streams.bothClosed { continue }
            if isCancelled() {
                close()
                throw CancellationError()
            }
            if deadline.hasPassed {
                close()
                throw TransportError(host: handle.label, kind: .timeout,
                                     message: "the host's command shell did not start within \(Int(channelTimeout)) s: "
                                         + "the user's login shell runs its startup files first (bash run by sshd reads "
                                         + "~/.bashrc); see whether one of them waits for something")
            }
            try handle.wait("starting the command shell", deadline: .after(1))
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { all in
            var offset = 0
            while offset < all.count {
                let end = min(offset + (1 << 20), all.count)
                try channel.writeAll(UnsafeRawBufferPointer(rebasing: all[offset..<end]), deadline: .after(60))
                offset = end
            }
        }
    }
}
