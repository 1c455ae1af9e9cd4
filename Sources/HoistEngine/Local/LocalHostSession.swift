import Foundation
import HoistCore

/// A `HostSession` for this machine: runs commands with `/bin/sh -c` instead of SSH. It backs
/// `hoist local` (the lifecycle of a revision without SSH, like `codedeploy-local`) and lets
/// engine tests run the very same remote programs against a real shell.
public final class LocalHostSession: HostSession {
    public let host: HostSpec

    public init(host: HostSpec = HostSpec(name: "localhost", address: "127.0.0.1")) {
        self.host = host
    }

    public func run(
        _ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        do {
            return try await LocalShell.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
        } catch {
            throw TransportError(host: host.name, kind: .channel, message: "could not run /bin/sh: \(error)")
        }
    }

    public func run(
        _ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        do {
            return try await LocalShell.run(command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
        } catch {
            throw TransportError(host: host.name, kind: .channel, message: "could not run /bin/sh: \(error)")
        }
    }

    public func upload(
        localPath: String, remotePath: String, mode: Int32, sha256: String, progress: (@Sendable (Int64) -> Void)?
    ) async throws -> UploadResult {
        let started = Date()
        let fm = FileManager.default
        let tmp = remotePath + ".hoist-tmp"
        try? fm.removeItem(atPath: tmp)
        do {
            try fm.copyItem(atPath: localPath, toPath: tmp)
            chmod(tmp, mode_t(mode))
            if fm.fileExists(atPath: remotePath) { try fm.removeItem(atPath: remotePath) }
            try fm.moveItem(atPath: tmp, toPath: remotePath)
        } catch {
            throw TransportError(host: host.name, kind: .upload, message: "copy to \(remotePath) failed: \(error.localizedDescription)")
        }
        let size = (try? fm.attributesOfItem(atPath: remotePath)[.size] as? Int64) ?? 0
        progress?(size)
        return UploadResult(bytes: size, sha256: "", durationSeconds: Date().timeIntervalSince(started))
    }

    public func close() async {}
}
