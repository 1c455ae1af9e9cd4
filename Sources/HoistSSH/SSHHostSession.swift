import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// A live libssh2 session to one host (through its jump hosts), reused for every command and
/// upload. All libssh2 work happens on the session's own thread, one job at a time; async
/// callers wait on continuations, so the Swift concurrency pool never blocks.
public final class SSHHostSession: HostSession, @unchecked Sendable {
    public let host: HostSpec
    /// Loud warnings from connecting (host key checking off, a newly recorded host key).
    public let warnings: [String]
    private let thread: SessionThread
    /// Touched only on `thread`.
    private var chain: SessionChain?
    /// The shell commands run in (see `ResidentShell`); nil until the first command, and
    /// after one left it broken. Touched only on `thread`.
    private var shell: ResidentShell?
    /// False once the host could not start a resident shell: commands use exec channels.
    private var useResidentShell: Bool
    /// Shared by the connector's sessions: how many uploads may stream at once.
    private let uploads: AsyncSemaphore
    /// Commands that run beside the current job (`runBeside`).
    private let side: SideCommands
    /// The shortest time a command took on this session, start to end: a bound on the
    /// round trip to the host, which uploads through a jump host pace by (`UploadPacing`).
    /// Touched only on `thread`.
    private var fastestCommand: Double?
    /// Why the connection was given up (`abandon`); nil while it is in use.
    private let abandoned = Locked<String?>(nil)
    /// The callers of `runBeside` still waiting, for `abandon` to answer at once: a command
    /// served beside a job on a frozen connection ends when the connection is declared dead.
    private let besideWaiting = Locked<(next: Int, answers: [Int: @Sendable (Result<CommandResult, any Error>) -> Void])>((0, [:]))
    /// The descriptor the host's connection reads, while it is open: `abandon` shuts it down
    /// under the command that holds the thread, which otherwise waits on a frozen host until
    /// the connection is declared dead, and `secondsSinceHeard` asks the kernel about it. Set
    /// to nil under the lock before it is closed, so neither reaches a descriptor reused since.
    private let openDescriptor: Locked<Int32?>
    /// What the host's bytes travel over, asked by `secondsSinceHeard` off the session's
    /// thread (its answer is safe there while the descriptor is open).
    private let transport: any SessionTransport

    init(host: HostSpec, thread: SessionThread, chain: SessionChain, keepaliveSeconds: Int, residentShell: Bool = true,
         uploads: AsyncSemaphore, side: SideCommands = SideCommands()) {
        self.uploads = uploads
        self.side = side
        self.host = host
        self.useResidentShell = residentShell
        self.thread = thread
        self.chain = chain
        self.warnings = chain.warnings
        openDescriptor = Locked(chain.target.transport.descriptor)
        transport = chain.target.transport
        chain.target.sideCommands = side
        if keepaliveSeconds > 0 {
            thread.setIdleWork(every: Double(keepaliveSeconds)) { chain.sendKeepalives() }
        }
    }

    public func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                    onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await run(command, input: nil, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }

    public func run(_ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
                    onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await run(command, input: Optional(input), timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }

    private func run(_ command: String, input: [UInt8]?, timeoutSeconds: Double?, killGraceSeconds: Double,
                     onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        // Cancelling the task stops the remote process group, as a deadline does.
        try checkNotAbandoned()
        let cancelled = Locked(false)
        return try await withTaskCancellationHandler {
            try await thread.perform { [self] in
                try execute(try target(), command, input: input, timeoutSeconds: timeoutSeconds,
                            killGraceSeconds: killGraceSeconds, isCancelled: { cancelled.current }, onOutput: onOutput)
            }
        } onCancel: { [side] in
            side.cancel(cancelled)
        }
    }

    /// Runs a command on the session's thread (`runOnShellOrChannel`) and notes how long it
    /// took: the fastest command bounds the round trip (`fastestCommand`).
    private func execute(_ handle: SSHSessionHandle, _ command: String, input: [UInt8]?, timeoutSeconds: Double?,
                         killGraceSeconds: Double, isCancelled: @escaping @Sendable () -> Bool,
                         onOutput: @escaping (OutputLine) -> Void) throws -> CommandResult {
        // A host's next command after its upload: the upload's packets are done with.
        handle.giveBackSentPacketPages()
        let result = try runOnShellOrChannel(handle, command, input: input, timeoutSeconds: timeoutSeconds,
                                             killGraceSeconds: killGraceSeconds, isCancelled: isCancelled, onOutput: onOutput)
        fastestCommand = min(fastestCommand ?? .infinity, result.durationSeconds)
        return result
    }

    /// Runs a command in the resident shell, or on an exec channel when the host cannot run one.
    private func runOnShellOrChannel(_ handle: SSHSessionHandle, _ command: String, input: [UInt8]?, timeoutSeconds: Double?,
                                     killGraceSeconds: Double, isCancelled: @escaping @Sendable () -> Bool,
                                     onOutput: @escaping (OutputLine) -> Void) throws -> CommandResult {
        if useResidentShell {
            do {
                return try runInShell(handle, command, input: input, timeoutSeconds: timeoutSeconds,
                                      killGraceSeconds: killGraceSeconds, isCancelled: isCancelled, onOutput: onOutput)
            } catch let unavailable as ResidentShell.Unavailable {
                // Nothing ran: the command goes on an exec channel instead.
                if unavailable.fresh { useResidentShell = false }
            }
        }
        var runner = ExecRunner(handle: handle)
        runner.isCancelled = isCancelled
        return try runner.run(command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }

    /// Runs a command in the session's resident shell, opening one when there is none.
    private func runInShell(_ handle: SSHSessionHandle, _ command: String, input: [UInt8]?, timeoutSeconds: Double?,
                            killGraceSeconds: Double, isCancelled: () -> Bool,
                            onOutput: @escaping (OutputLine) -> Void) throws -> CommandResult {
        let current = try shell ?? ResidentShell(on: handle)
        shell = current
        defer { if current.broken { current.close(); shell = nil } }
        return try current.run(command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds,
                               isCancelled: isCancelled, onOutput: onOutput)
    }

    /// Queued for the job that holds the thread to run on a channel of its own where it
    /// waits for the host, or run as a job of its own when the thread is idle (see
    /// `SideCommands`). Cancelling the task stops the command, as `run` does.
    public func runBeside(_ command: String, timeoutSeconds: Double,
                          onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try checkNotAbandoned()
        let cancelled = Locked(false)
        let isCancelled: @Sendable () -> Bool = { cancelled.current }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CommandResult, Error>) in
                let answered = Locked(false)
                let answer: @Sendable (Result<CommandResult, any Error>) -> Void = { result in
                    guard answered.withLock({ done in defer { done = true }; return !done }) else { return }
                    continuation.resume(with: result)
                }
                let id = besideWaiting.withLock { waiting in
                    waiting.next += 1
                    waiting.answers[waiting.next] = answer
                    return waiting.next
                }
                side.add { [self] turn in
                    defer { besideWaiting.withLock { _ = $0.answers.removeValue(forKey: id) } }
                    answer(Result {
                        switch turn {
                        case .closed:
                            throw TransportError(host: host.name, kind: .closed, message: "the SSH session was already closed")
                        case .beside:
                            // The running job may be using the resident shell.
                            var runner = ExecRunner(handle: try target())
                            runner.isCancelled = isCancelled
                            return try runner.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: 5, onOutput: onOutput)
                        case .alone:
                            return try execute(try target(), command, input: nil, timeoutSeconds: timeoutSeconds, killGraceSeconds: 5,
                                               isCancelled: isCancelled, onOutput: onOutput)
                        }
                    })
                }
                let side = self.side
                if !thread.submit({ side.runPending(.alone) }) { side.failPending() }
            }
        } onCancel: { [side] in
            side.cancel(cancelled)
        }
    }

    public func upload(localPath: String, remotePath: String, mode: Int32, sha256: String,
                       progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
        try await uploads.withPermit {
            try await self.streamUpload(localPath: localPath, decoder: nil, remotePath: remotePath, mode: mode, sha256: sha256, progress: progress)
        }
    }

    public func upload(localPath: String, through decoder: String, remotePath: String, mode: Int32, sha256: String,
                       progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
        try await uploads.withPermit {
            try await self.streamUpload(localPath: localPath, decoder: decoder, remotePath: remotePath, mode: mode, sha256: sha256, progress: progress)
        }
    }

    /// Cancelling the task stops the upload between writes and removes the partial file.
    private func streamUpload(localPath: String, decoder: String?, remotePath: String, mode: Int32, sha256: String,
                              progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
        try checkNotAbandoned()
        let cancelled = Locked(false)
        return try await withTaskCancellationHandler {
            try await thread.perform { [self] in
                let handle = try target()
                // The pacing's round trip is the kernel's measure where there is one: a busy host
                // stretches a command's time, and that is when pacing matters most. The clean-up
                // after a failed upload goes like any other command.
                let roundTrip = handle.transport.kernelRoundTripSeconds ?? fastestCommand
                return try Uploader(handle: handle, pacing: UploadPacing(roundTrip: roundTrip),
                                    stopped: { cancelled.current }) { command, timeout, onOutput in
                    try self.execute(handle, command, input: nil, timeoutSeconds: timeout, killGraceSeconds: 5,
                                isCancelled: { false }, onOutput: onOutput)
                }.upload(localPath: localPath, decoder: decoder, remotePath: remotePath, mode: mode, sha256: sha256, progress: progress)
            }
        } onCancel: { [side] in
            side.cancel(cancelled)
        }
    }

    /// Cancelling the task stops the download between reads.
    public func download(remotePath: String, to localPath: String, maxBytes: Int64) async throws -> Int64 {
        try checkNotAbandoned()
        let cancelled = Locked(false)
        return try await withTaskCancellationHandler {
            try await thread.perform { [self] in
                try Downloader(handle: try target(), stopped: { cancelled.current })
                    .download(remotePath: remotePath, to: localPath, maxBytes: maxBytes)
            }
        } onCancel: { [side] in
            side.cancel(cancelled)
        }
    }

    public func close() async {
        let cleanUp: @Sendable () -> Void = { [self] in
            thread.clearIdleWork()
            shell?.close()
            shell = nil
            openDescriptor.withLock { $0 = nil }
            chain?.close()
            chain = nil
        }
        // An abandoned connection's thread may be held by a command on a frozen host until
        // the connection is declared dead: the clean-up goes after it, unwaited for.
        if abandoned.current != nil {
            thread.submit(cleanUp)
        } else {
            _ = try? await thread.perform(cleanUp)
        }
        thread.stop()
    }

    /// Side commands handed to the session and not yet answered (for tests).
    var besideCommandsWaiting: Int { besideWaiting.current.answers.count }

    public func abandon(_ reason: String) {
        abandoned.withLock { $0 = $0 ?? reason }
        let waiting = besideWaiting.withLock { waiting in
            defer { waiting.answers = [:] }
            return Array(waiting.answers.values)
        }
        for answer in waiting { answer(.failure(TransportError(host: host.name, kind: .closed, message: reason))) }
        side.failPending()
        // The command holding the thread sees the connection end and lets the thread go: its
        // host said nothing more would come anyway, and the clean-up queued behind it runs.
        openDescriptor.withLock { descriptor in
            if let descriptor { _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Read off the session's thread (a command may hold it for minutes), under the lock that
    /// keeps the descriptor from being closed meanwhile: the kernel's measure of the TCP
    /// connection, or behind a jump host the tunnel's own. Nil once the session is closed.
    public var secondsSinceHeard: Double? {
        openDescriptor.withLock { $0 == nil ? nil : transport.secondsSinceDataReceived }
    }

    private func checkNotAbandoned() throws {
        if let reason = abandoned.current { throw TransportError(host: host.name, kind: .closed, message: reason) }
    }

    /// Runs `body` with the host's libssh2 session on the session's thread: for tests of what
    /// the session does below the `HostSession` calls.
    func onThread<T: Sendable>(_ body: @escaping @Sendable (SSHSessionHandle) throws -> T) async throws -> T {
        try await thread.perform { [self] in try body(try target()) }
    }

    private func target() throws -> SSHSessionHandle {
        try checkNotAbandoned()
        guard let chain else {
            throw TransportError(host: host.name, kind: .closed, message: "the SSH session was already closed")
        }
        return chain.target
    }

    deinit {
        if let chain {
            // The shell's channel goes first: freeing it after its session would touch freed memory.
            let shell = self.shell
            let openDescriptor = self.openDescriptor
            thread.submit {
                shell?.close()
                openDescriptor.withLock { $0 = nil }
                chain.close()
            }
        }
        thread.stop()
    }
}
