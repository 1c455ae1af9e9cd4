import Foundation
import HoistCore

/// A `HostSession` that runs every command on this machine with `/bin/sh -c`. It stands in
/// for an SSH session where the remote side is what matters, not the transport (the real
/// SSH path is tested against the fleet). Engine and load balancer tests share it.
public final class LocalShellSession: HostSession {
    public let host: HostSpec
    /// Every command run so far, in order; tests check what was sent.
    public let commands = Locked<[String]>([])

    public init(host: HostSpec = HostSpec(name: "local", address: "127.0.0.1")) {
        self.host = host
    }

    public func run(
        _ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        commands.withLock { $0.append(command) }
        return try await LocalShell.run(
            command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }

    public func run(
        _ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        commands.withLock { $0.append(command) }
        return try await LocalShell.run(
            command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }

    /// Copies through a temporary name, then renames; the checksum comes from `sha256sum` and
    /// must be `sha256`, as the SSH upload's must.
    public func upload(
        localPath: String, remotePath: String, mode: Int32, sha256: String, progress: (@Sendable (Int64) -> Void)?
    ) async throws -> UploadResult {
        let started = Date()
        let temporary = remotePath + ".hoist-upload-\(UUID().uuidString)"
        let script = "cp -- \(shellQuote(localPath)) \(shellQuote(temporary)) && chmod \(String(mode, radix: 8)) \(shellQuote(temporary)) && sha256sum -- \(shellQuote(temporary))"
        let (result, stdout, stderr) = try await capture(script)
        guard result.succeeded, let sum = stdout.split(separator: " ").first, sum == sha256 else {
            _ = try? await capture("rm -f -- \(shellQuote(temporary))")
            let reason = result.succeeded ? "checksum mismatch: \(stdout.prefix(64)), expected \(sha256)" : stderr
            throw TransportError(host: host.name, kind: .upload, message: "upload of \(localPath) to \(remotePath) failed: \(reason)")
        }
        let (moved, _, moveError) = try await capture("mv -f -- \(shellQuote(temporary)) \(shellQuote(remotePath))")
        guard moved.succeeded else {
            throw TransportError(host: host.name, kind: .upload, message: "upload of \(localPath) to \(remotePath) failed: \(moveError)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: remotePath))?[.size] as? NSNumber
        let bytes = size?.int64Value ?? 0
        progress?(bytes)
        return UploadResult(bytes: bytes, sha256: String(sum), durationSeconds: Date().timeIntervalSince(started))
    }

    public func close() async {}
}
