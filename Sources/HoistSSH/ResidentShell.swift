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
             keepaliveSeconds: Double, isCancelled: () -> Bool, onOutput: @escaping (OutputLine) -> Void) throws -> CommandResult {
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

        var out = LineSplitter()
        var err = LineSplitter()
        var processGroup: Int32?
        let emitOut: (String) -> Void = { onOutput(OutputLine(.stdout, $0)) }
        let emitErr: (String) -> Void = { line in
            if processGroup == nil, let pgid = RemoteCommandWrapper.processGroup(fromMarker: line) {
                processGroup = pgid
                return
            }
            onOutput(OutputLine(.stderr, line))
        }
        var statuses: [Int32?] = [nil, nil]
        // Late bytes held from the previous command may already hold an end line.
        statuses[0] = stdoutScanner.scan { out.feed($0, emitOut) }
        statuses[1] = stderrScanner.scan { err.feed($0, emitErr) }

        var stopper = CommandStopper(started: started, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds)
        var lastTraffic = Deadline.now()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelReadBuffer.size, alignment: 16)
        defer { buffer.deallocate() }

        while statuses[0] == nil || statuses[1] == nil {
            var moved = false
            for stream in 0..<2 where statuses[stream] == nil {
                while statuses[stream] == nil {
                    let n = try channel.read(stream: Int32(stream), into: buffer)
                    if n == 0 { break }
                    if n < 0 {
                        // The shell ended mid-protocol.
                        out.finish(emitOut)
                        err.finish(emitErr)
                        channel.free()
                        // No group announced: the command never started.
                        if processGroup == nil { throw Unavailable(fresh: fresh) }
                        throw TransportError(host: handle.label, kind: .remoteCommand,
                                             message: "the host's command shell ended while running a command")
                    }
                    moved = true
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                    if stream == 0 {
                        statuses[0] = stdoutScanner.feed(bytes) { out.feed($0, emitOut) }
                    } else {
                        statuses[1] = stderrScanner.feed(bytes) { err.feed($0, emitErr) }
                    }
                }
            }
            if statuses[0] != nil && statuses[1] != nil { break }
            let now = Deadline.now()
            if moved { lastTraffic = now }
            let giveUp = stopper.check(now: now, processGroup: processGroup, isCancelled: isCancelled) { group, name in
                ExecRunner.signal(group, name, on: handle, timeout: channelTimeout)
            }
            if giveUp {
                // Something outside the group keeps the shell from going on: give it up.
                out.finish(emitOut)
                err.finish(emitErr)
                close()
                if stopper.cancelled { throw CancellationError() }
                return CommandResult(exitStatus: nil, timedOut: stopper.timedOut, durationSeconds: Deadline.now() - started)
            }
            if moved { continue }
            if now - lastTraffic >= keepaliveSeconds, keepaliveSeconds > 0 {
                handle.sendKeepalive()
                lastTraffic = now
            }
            if handle.serveSideCommands() { continue }
            try handle.wait("running a command", deadline: .after(1))
        }
        out.finish(emitOut)
        err.finish(emitErr)
        broken = false
        if stopper.cancelled { throw CancellationError() }
        return ShellFraming.result(status: statuses[0] ?? -1, timedOut: stopper.timedOut, durationSeconds: Deadline.now() - started)
    }

    /// Reads up to the prologue's end line on both streams and drops what came before it:
    /// the login shell's output. The shell ending first means nothing ran.
    private func dropLoginOutput(isCancelled: () -> Bool) throws {
        var ended = [false, false]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ChannelReadBuffer.size, alignment: 16)
        defer { buffer.deallocate() }
        let deadline = Deadline.after(channelTimeout)
        while !(ended[0] && ended[1]) {
            var moved = false
            for stream in 0..<2 where !ended[stream] {
                let n = try channel.read(stream: Int32(stream), into: buffer)
                if n == 0 { continue }
                if n < 0 {
                    channel.free()
                    throw Unavailable(fresh: true)
                }
                moved = true
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
                let status = stream == 0 ? stdoutScanner.feed(bytes) { _ in } : stderrScanner.feed(bytes) { _ in }
                ended[stream] = status != nil
            }
            if moved || (ended[0] && ended[1]) { continue }
            if isCancelled() {
                close()
                throw CancellationError()
            }
            if deadline.hasPassed {
                close()
                throw TransportError(host: handle.label, kind: .timeout,
                                     message: "the host's command shell did not start within \(Int(channelTimeout)) s")
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
