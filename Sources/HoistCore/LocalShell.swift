import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a command with `/bin/sh -c` on this machine, streaming whole output lines. Load
/// balancer drivers use it for their local commands (`nginx -t`, user hooks) and tests use it
/// to stand in for a remote host. The blocking work happens on its own thread, never on the
/// Swift concurrency pool.
///
/// It spawns with posix_spawn rather than Foundation's `Process`, whose end-of-process
/// detection waits for every descendant: a command that starts a daemon (`haproxy -D`)
/// would never end.
public enum LocalShell {
    /// Runs `command` in its own process group; `environment` is added to this process's
    /// environment. After `timeoutSeconds` the group gets TERM, then KILL after
    /// `killGraceSeconds`, and the result is marked timed out; cancelling the task does the
    /// same without the mark, as cancelling an SSH session's command does. `input`, when
    /// given, is the command's stdin (else /dev/null).
    public static func run(
        _ command: String, environment: [String: String] = [:], input: String? = nil, timeoutSeconds: Double? = nil,
        killGraceSeconds: Double = 5, onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let child = try SpawnedProcess(
            path: "/bin/sh", arguments: ["-c", command], environment: merged, input: input, ownProcessGroup: true)
        let watch = ProcessWatch(child: child, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: watch.runToEnd()) }.start()
            }
        } onCancel: {
            watch.cancelled.withLock { $0 = true }
        }
    }

    /// `run` with `input` on the command's stdin, through a private temporary file (the
    /// command line has a size limit here too: 128 KiB per argument).
    public static func run(
        _ command: String, input: [UInt8], environment: [String: String] = [:], timeoutSeconds: Double? = nil,
        killGraceSeconds: Double = 5, onOutput: @escaping @Sendable (OutputLine) -> Void
    ) async throws -> CommandResult {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-stdin-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(input), attributes: [.posixPermissions: 0o600]) else {
            throw LocalShellError(description: "cannot write \(file.path)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        return try await run("exec < \(shellQuote(file.path))\n" + command, environment: environment, timeoutSeconds: timeoutSeconds,
                             killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }

    /// Runs a command and collects its output; for short commands whose output is small.
    public static func capture(
        _ command: String, environment: [String: String] = [:], input: String? = nil, timeoutSeconds: Double? = 60
    ) async throws -> (CommandResult, stdout: String, stderr: String) {
        let box = LineCollector()
        let result = try await run(command, environment: environment, input: input, timeoutSeconds: timeoutSeconds) { box.add($0) }
        let (out, err) = box.text()
        return (result, out, err)
    }
}

/// The command could not be started at all.
public struct LocalShellError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// A program started with posix_spawn, stdin from /dev/null (or an unlinked temporary file
/// holding `input`: no pipe to write, so no SIGPIPE when the program does not read it),
/// stdout and stderr to pipes that only this side keeps, no other descriptor of this
/// process, with no signal blocked and every
/// signal at its default (the calling thread may block or ignore some; the child must still
/// stop on TERM). `LocalShell` starts `/bin/sh -c COMMAND` in a process group of its own;
/// tests start the built `hoist` with it.
public struct SpawnedProcess: Sendable {
    public let pid: pid_t
    /// The read ends of the child's stdout and stderr; the caller closes them.
    public let stdout: Int32
    public let stderr: Int32

    public init(
        path: String, arguments: [String], environment: [String: String], input: String? = nil, ownProcessGroup: Bool
    ) throws {
        let inputFile = try input.map { try Self.inputFile(holding: $0, for: path) } ?? -1
        defer { if inputFile >= 0 { close(inputFile) } }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0 else { throw Self.failure(path, "pipe") }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw Self.failure(path, "pipe")
        }
        // Only the child's copies (made by dup2 below) may outlive the spawn.
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if inputFile >= 0 {
            posix_spawn_file_actions_adddup2(&actions, inputFile, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        // Nothing else of this process reaches the child: a daemon it starts (tmux's server,
        // `haproxy -D`) would otherwise hold some other pipe open for as long as it lives.
        if let closeFrom = Self.closeFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([path] + arguments).map { strdup($0) }
        let envp = environment.map { key, value in strdup("\(key)=\(value)") }
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv + [nil], envp + [nil])
        close(out[1])
        close(err[1])
        guard status == 0 else {
            close(out[0]); close(err[0])
            throw LocalShellError(description: "cannot start \(path): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        stdout = out[0]
        stderr = err[0]
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run
    /// time: Swift's Glibc module does not declare it. Nil where the C library lacks it.
    private static let closeFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// An unlinked temporary file holding `input`, positioned at its start, closed on exec.
    private static func inputFile(holding input: String, for path: String) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/hoist-stdin-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in
            let fd = mkstemp(buffer.baseAddress!)
            if fd >= 0 { unlink(buffer.baseAddress!) }
            return fd
        }
        guard fd >= 0 else { throw failure(path, "a temporary file for stdin") }
        let bytes = Array(input.utf8)
        if bytes.withUnsafeBytes({ writeAll(fd, $0) }) != nil {
            let error = failure(path, "writing stdin")
            close(fd)
            throw error
        }
        lseek(fd, 0, SEEK_SET)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    private static func failure(_ path: String, _ what: String) -> LocalShellError {
        LocalShellError(description: "cannot start \(path): \(what): \(String(cString: strerror(errno)))")
    }
}

/// Reads both output streams of one child with poll(2), so neither can fill up and block
/// the other, reaps the child and enforces the deadline.
private final class ProcessWatch: @unchecked Sendable {
    let child: SpawnedProcess
    let timeoutSeconds: Double?
    let killGraceSeconds: Double
    let onOutput: @Sendable (OutputLine) -> Void
    private var pending: [[UInt8]] = [[], []]
    /// Set when the caller's task is cancelled: the group is stopped as at the deadline.
    let cancelled = Locked(false)

    init(child: SpawnedProcess, timeoutSeconds: Double?, killGraceSeconds: Double,
         onOutput: @escaping @Sendable (OutputLine) -> Void) {
        self.child = child
        self.timeoutSeconds = timeoutSeconds
        self.killGraceSeconds = killGraceSeconds
        self.onOutput = onOutput
    }

    func runToEnd() -> CommandResult {
        let started = Date()
        let fds = [child.stdout, child.stderr]
        defer { fds.forEach { close($0) } }
        var open = [true, true]
        var timedOut = false
        var termSentAt: Date?
        var exitedAt: Date?
        var status: Int32 = 0
        // A daemon the command starts may keep our pipes open; once the command itself has
        // exited, its output gets a short grace period, not forever.
        let outputGraceAfterExit = 1.0
        while true {
            if exitedAt == nil, waitpid(child.pid, &status, WNOHANG) == child.pid { exitedAt = Date() }
            if let exitedAt, !open.contains(true) || Date().timeIntervalSince(exitedAt) > outputGraceAfterExit { break }
            if exitedAt == nil {
                let overdue = timeoutSeconds.map { Date().timeIntervalSince(started) > $0 } ?? false
                if termSentAt == nil, overdue || cancelled.current {
                    timedOut = overdue
                    termSentAt = Date()
                    kill(-child.pid, SIGTERM)
                } else if let sent = termSentAt, Date().timeIntervalSince(sent) > killGraceSeconds {
                    kill(-child.pid, SIGKILL)
                }
            }
            var polls = fds.enumerated().map { index, fd in
                pollfd(fd: open[index] ? fd : -1, events: Int16(POLLIN), revents: 0)
            }
            // Short waits: the child's exit is noticed by waitpid on the next turn.
            if poll(&polls, nfds_t(polls.count), open.contains(true) ? 50 : 20) <= 0 { continue }
            for index in polls.indices where open[index] && polls[index].revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = read(fds[index], &buffer, buffer.count)
                if count <= 0 {
                    if count < 0, errno == EINTR { continue }
                    open[index] = false
                } else {
                    absorb(buffer[0..<count], stream: index)
                }
            }
        }
        for index in 0..<2 where !pending[index].isEmpty { emit(pending[index], stream: index) }
        let duration = Date().timeIntervalSince(started)
        let signal = status & 0x7f
        if signal != 0 {
            return CommandResult(exitStatus: nil, signal: Self.signalName(signal), timedOut: timedOut, durationSeconds: duration)
        }
        return CommandResult(exitStatus: (status >> 8) & 0xff, timedOut: timedOut, durationSeconds: duration)
    }

    private func absorb(_ bytes: ArraySlice<UInt8>, stream: Int) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                emit(pending[stream], stream: stream)
                pending[stream].removeAll(keepingCapacity: true)
            } else {
                pending[stream].append(byte)
            }
        }
    }

    private func emit(_ bytes: [UInt8], stream: Int) {
        onOutput(OutputLine(stream == 0 ? .stdout : .stderr, String(decoding: bytes, as: UTF8.self)))
    }

    private static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGTERM: return "TERM"
        case SIGKILL: return "KILL"
        case SIGINT: return "INT"
        case SIGHUP: return "HUP"
        case SIGQUIT: return "QUIT"
        default: return "\(number)"
        }
    }
}
