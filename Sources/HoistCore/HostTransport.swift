/// Which of a command's output streams a line came from.
public enum OutputStream: String, Sendable, Hashable, Codable {
    case stdout, stderr
}

/// One whole line of a remote command's output, decoded once at the end of the line.
public struct OutputLine: Sendable, Hashable {
    public var stream: OutputStream
    public var text: String
    public init(_ stream: OutputStream, _ text: String) {
        self.stream = stream
        self.text = text
    }
}

/// How a remote command ended.
public struct CommandResult: Sendable, Hashable {
    /// The exit status, when the command exited.
    public var exitStatus: Int32?
    /// The signal that killed it (`TERM`, `KILL`, …), when one did.
    public var signal: String?
    /// The deadline passed and the command's process group was terminated.
    public var timedOut: Bool
    public var durationSeconds: Double

    public init(exitStatus: Int32?, signal: String? = nil, timedOut: Bool = false, durationSeconds: Double = 0) {
        self.exitStatus = exitStatus
        self.signal = signal
        self.timedOut = timedOut
        self.durationSeconds = durationSeconds
    }

    public var succeeded: Bool { exitStatus == 0 && !timedOut }
}

/// Upload progress and result.
public struct UploadResult: Sendable, Hashable {
    public var bytes: Int64
    /// The digest the host computed of what it received (empty when nothing hashed it).
    public var sha256: String
    public var durationSeconds: Double
    public init(bytes: Int64, sha256: String, durationSeconds: Double) {
        self.bytes = bytes
        self.sha256 = sha256
        self.durationSeconds = durationSeconds
    }
}

/// What a session that cannot decode an upload (`HostSession.upload(localPath:through:…)`) or
/// read a host's file back (`download`) throws: the caller sends the file whole, with nothing
/// to report.
public struct WholeUploadsOnly: Error {
    public init() {}
}

/// What went wrong reaching or using a host. Each case names the host and reads as a
/// sentence a person can act on. `isUnreachable` separates "could not reach the host" from
/// "the host ran something and it failed".
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case dns, refused, timeout, hostKey, auth, channel, remoteCommand, upload, protocolError, closed
    }
    public var host: String
    public var kind: Kind
    public var message: String

    public init(host: String, kind: Kind, message: String) {
        self.host = host
        self.kind = kind
        self.message = message
    }

    public var isUnreachable: Bool {
        switch kind {
        case .dns, .refused, .timeout, .hostKey, .auth, .protocolError, .closed: return true
        case .channel, .remoteCommand, .upload: return false
        }
    }

    public var description: String { "\(host): \(message)" }
}

/// A live connection to one host, reused for every command and transfer of a deployment.
/// Implementations serialise use of the underlying session and keep blocking work off the
/// Swift concurrency pool.
public protocol HostSession: AnyObject, Sendable {
    var host: HostSpec { get }

    /// Runs `command` with `sh -c` semantics on the host. Each whole output line is passed to
    /// `onOutput` as it arrives. After `timeoutSeconds` the remote process group gets TERM,
    /// then KILL after `killGraceSeconds`, and the result is marked timed out.
    func run(
        _ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult

    /// Like `run`, with `input` written to the command's stdin, then end of file. Whatever
    /// grows with the revision (the Install program, a host record) goes this way, never on
    /// the command line: libssh2 caps an exec request at about 35 KB.
    func run(
        _ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult

    /// Streams a local file to `remotePath` atomically (temporary name, then rename). The
    /// host hashes what it receives, and the file is put in place only when that SHA-256 is
    /// `sha256`: the caller's digest of the file (for a bundle, computed once, not per host).
    /// `progress` receives bytes sent so far. Cancelling the task stops the upload (the SSH
    /// session between writes) and leaves nothing at `remotePath`.
    func upload(
        localPath: String, remotePath: String, mode: Int32, sha256: String,
        progress: (@Sendable (Int64) -> Void)?
    ) async throws -> UploadResult

    /// Like `upload`, with what is streamed passed through `decoder` on the host (a command
    /// that reads stdin and writes the file's bytes: `BundleDeltaApplier`) before it is
    /// written and hashed, so the check against `sha256` is of the decoded file. Sessions that
    /// cannot decode throw, and the caller sends the file whole.
    func upload(
        localPath: String, through decoder: String, remotePath: String, mode: Int32, sha256: String,
        progress: (@Sendable (Int64) -> Void)?
    ) async throws -> UploadResult

    /// Streams the host's file `remotePath` into the local file `localPath` (truncated first)
    /// and returns how many bytes came. More than `maxBytes` ends it with an error. The
    /// caller checks what arrived: a bundle read back to delta from (`BundleDeltas`) is kept
    /// only when its SHA-256 is the one the host's records name. Sessions that cannot throw
    /// `WholeUploadsOnly`, and the bundle then goes whole.
    func download(remotePath: String, to localPath: String, maxBytes: Int64) async throws -> Int64

    /// Runs a short command now, beside whatever the session is running (a hook that lasts
    /// minutes, an upload), instead of after it. The lock's heartbeat goes this way, so it
    /// shares the host's one connection with the deployment: every connection costs the host
    /// an sshd fork, a key exchange and an authentication, and the coordinator a thread and
    /// libssh2's buffers. The SSH session runs it on a channel of its own between the polls of
    /// the running command; sessions that cannot (local, fakes) just `run` it.
    func runBeside(
        _ command: String, timeoutSeconds: Double, onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult

    func close() async

    /// Gives the connection up without waiting for the host: every later command fails at
    /// once as unreachable (`reason` says why), commands queued beside the running one fail
    /// now, and `close` does not wait for the host. An immediate stop does this to a host that
    /// did not answer the kill of its hook (its sshd frozen): the host's record, the lock's
    /// release and the close each waited for the connection to be declared dead (35 s).
    /// Sessions with no connection to lose (local, fakes) ignore it.
    func abandon(_ reason: String)

    /// Seconds since the host last sent anything on this connection (output, a keepalive's
    /// reply), where the session can tell (through a jump host: since the tunnel last carried
    /// the host's bytes); nil where it cannot (local sessions, fakes). An immediate stop takes
    /// something heard since it asked a host for an answer: that host is not frozen.
    var secondsSinceHeard: Double? { get }
}

extension HostSession {
    public func abandon(_ reason: String) {}
    public var secondsSinceHeard: Double? { nil }

    public func upload(
        localPath: String, through decoder: String, remotePath: String, mode: Int32, sha256: String,
        progress: (@Sendable (Int64) -> Void)?
    ) async throws -> UploadResult {
        throw WholeUploadsOnly()
    }

    public func download(remotePath: String, to localPath: String, maxBytes: Int64) async throws -> Int64 {
        throw WholeUploadsOnly()
    }

    public func runBeside(
        _ command: String, timeoutSeconds: Double, onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        try await run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: 5, onOutput: onOutput)
    }
}

/// Opens sessions to hosts. The SSH adapter implements it; engine tests use fakes.
public protocol HostConnector: Sendable {
    func connect(_ host: HostSpec) async throws -> any HostSession
    /// Starts connecting to `host` without waiting, when a connector keeps connections for
    /// later `connect` calls (a pool); others ignore it.
    func prepare(_ host: HostSpec)
}

extension HostConnector {
    public func prepare(_ host: HostSpec) {}
}

extension HostSession {
    /// Runs a command and collects its output; for short commands whose output is small.
    /// `beside`: through `runBeside` (it needs a timeout), not after the running command.
    public func capture(_ command: String, timeoutSeconds: Double? = 60, beside: Bool = false) async throws -> (CommandResult, stdout: String, stderr: String) {
        let box = LineCollector()
        let result: CommandResult
        if beside {
            result = try await runBeside(command, timeoutSeconds: timeoutSeconds ?? 60) { box.add($0) }
        } else {
            result = try await run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: 5) { box.add($0) }
        }
        let (out, err) = box.text()
        return (result, out, err)
    }
}

extension HostSession {
    /// `capture` with `input` on the command's stdin (none: as `capture` without it).
    public func capture(_ command: String, input: [UInt8]?, timeoutSeconds: Double? = 60) async throws -> (CommandResult, stdout: String, stderr: String) {
        guard let input else { return try await capture(command, timeoutSeconds: timeoutSeconds) }
        let box = LineCollector()
        let result = try await run(command, input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: 5) { box.add($0) }
        let (out, err) = box.text()
        return (result, out, err)
    }
}

/// Thread-safe collector used by `capture`.
final class LineCollector: Sendable {
    private let lines = Locked<(out: [String], err: [String])>(([], []))
    func add(_ line: OutputLine) {
        lines.withLock {
            if line.stream == .stdout { $0.out.append(line.text) } else { $0.err.append(line.text) }
        }
    }
    func text() -> (String, String) {
        lines.withLock { ($0.out.joined(separator: "\n"), $0.err.joined(separator: "\n")) }
    }
}
