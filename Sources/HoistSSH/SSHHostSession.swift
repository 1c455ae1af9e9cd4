import Foundation
import HoistCore

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
    private let keepaliveSeconds: Double

    init(host: HostSpec, thread: SessionThread, chain: SessionChain, keepaliveSeconds: Int) {
        self.host = host
        self.thread = thread
        self.chain = chain
        self.warnings = chain.warnings
        self.keepaliveSeconds = Double(keepaliveSeconds)
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
        let cancelled = Locked(false)
        return try await withTaskCancellationHandler {
            try await thread.perform { [self] in
                var runner = ExecRunner(handle: try target(), keepaliveSeconds: keepaliveSeconds)
                runner.isCancelled = { cancelled.current }
                return try runner.run(command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
            }
        } onCancel: {
            cancelled.withLock { $0 = true }
        }
    }

    public func upload(localPath: String, remotePath: String, mode: Int32,
                       progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
        try await thread.perform { [self] in
            let handle = try target()
            return try Uploader(handle: handle, runner: ExecRunner(handle: handle, keepaliveSeconds: keepaliveSeconds))
                .upload(localPath: localPath, remotePath: remotePath, mode: mode, progress: progress)
        }
    }

    public func close() async {
        _ = try? await thread.perform { [self] in
            thread.clearIdleWork()
            chain?.close()
            chain = nil
        }
        thread.stop()
    }

    private func target() throws -> SSHSessionHandle {
        guard let chain else {
            throw TransportError(host: host.name, kind: .closed, message: "the SSH session was already closed")
        }
        return chain.target
    }

    deinit {
        if let chain {
            thread.submit { chain.close() }
        }
        thread.stop()
    }
}
