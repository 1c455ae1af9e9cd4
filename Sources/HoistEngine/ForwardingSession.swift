import HoistCore

/// A session that passes everything to `inner`, for sessions that change one thing and
/// subclass it: the pool's (`close` does nothing), and tests' (how uploads or commands beside
/// behave).
class ForwardingSession: HostSession, @unchecked Sendable {
    let inner: any HostSession
    init(inner: any HostSession) { self.inner = inner }
    var host: HostSpec { inner.host }
    func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
             onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await inner.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }
    func run(_ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
             onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await inner.run(command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }
    func upload(localPath: String, remotePath: String, mode: Int32, sha256: String,
                progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
        try await inner.upload(localPath: localPath, remotePath: remotePath, mode: mode, sha256: sha256, progress: progress)
    }
    func upload(localPath: String, through decoder: String, remotePath: String, mode: Int32, sha256: String,
                progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
        try await inner.upload(localPath: localPath, through: decoder, remotePath: remotePath, mode: mode, sha256: sha256, progress: progress)
    }
    func download(remotePath: String, to localPath: String, maxBytes: Int64) async throws -> Int64 {
        try await inner.download(remotePath: remotePath, to: localPath, maxBytes: maxBytes)
    }
    func runBeside(_ command: String, timeoutSeconds: Double,
                   onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await inner.runBeside(command, timeoutSeconds: timeoutSeconds, onOutput: onOutput)
    }
    func close() async { await inner.close() }
    func abandon(_ reason: String) { inner.abandon(reason) }
    var secondsSinceHeard: Double? { inner.secondsSinceHeard }
}
