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
        let host = self.host.name
        // Spawning, polling and waiting block, so they run on a plain thread, never on the
        // Swift concurrency pool.
        return try await withCheckedThrowingContinuation { cont in
            Thread.detachNewThread {
                do {
                    cont.resume(returning: try LocalProcess.run(
                        command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput))
                } catch {
                    cont.resume(throwing: TransportError(host: host, kind: .channel, message: "could not run /bin/sh: \(error)"))
                }
            }
        }
    }

    public func upload(
        localPath: String, remotePath: String, mode: Int32, progress: (@Sendable (Int64) -> Void)?
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
        progress?(size ?? 0)
        return UploadResult(bytes: size ?? 0, sha256: "", durationSeconds: Date().timeIntervalSince(started))
    }

    public func close() async {}
}

/// Splits a byte stream into lines and decodes each whole line once.
final class LineSplitter: @unchecked Sendable {
    private let stream: HoistCore.OutputStream
    private let emit: @Sendable (OutputLine) -> Void
    private var buffer: [UInt8] = []
    private let lock = NSLock()

    init(_ stream: HoistCore.OutputStream, _ emit: @escaping @Sendable (OutputLine) -> Void) {
        self.stream = stream
        self.emit = emit
    }

    func feed(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(contentsOf: data)
        var start = 0
        while let nl = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
            emit(OutputLine(stream, String(decoding: buffer[start..<nl], as: UTF8.self)))
            start = nl + 1
        }
        buffer.removeFirst(start)
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if !buffer.isEmpty { emit(OutputLine(stream, String(decoding: buffer, as: UTF8.self))) }
        buffer.removeAll()
    }
}

func signalName(_ number: Int32) -> String {
    switch number {
    case SIGTERM: return "TERM"
    case SIGKILL: return "KILL"
    case SIGINT: return "INT"
    case SIGHUP: return "HUP"
    case SIGSEGV: return "SEGV"
    case SIGABRT: return "ABRT"
    case SIGPIPE: return "PIPE"
    default: return "\(number)"
    }
}
