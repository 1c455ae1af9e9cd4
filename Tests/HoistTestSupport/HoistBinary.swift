import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `hoist` executable, for tests of the command line as users see it. The one
/// way tests run it: `run` to completion, `start` for a process the test acts on while it
/// runs (signals, waiting for a line), both over `RunningHoist`.
public enum HoistBinary {
    public struct NotBuilt: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "No hoist binary at \(path); run `swift build --build-tests` first or set HOIST_BIN."
        }
    }

    /// What one run printed and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// `$HOIST_BIN`, else `<package root>/.build/debug/hoist`.
    public static var path: String {
        ProcessInfo.processInfo.environment["HOIST_BIN"]
            ?? TestPaths.packageRoot.appendingPathComponent(".build/debug/hoist").path
    }

    /// Runs `hoist arguments…` to completion; `environment` entries are added to this
    /// process's environment. Blocks the calling thread: from async code use `runDetached`.
    public static func run(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil) throws -> Output {
        try start(arguments, environment: environment, currentDirectory: currentDirectory).finish()
    }

    /// `run` on a thread of its own, so tests waiting for `hoist` do not hold the few threads
    /// of Swift's cooperative pool.
    public static func runDetached(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(arguments, environment: environment, currentDirectory: currentDirectory) }) }.start()
        }
    }

    /// Starts `hoist arguments…` without waiting, for commands that run while the test acts.
    public static func start(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil) throws -> RunningHoist {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw NotBuilt(path: path) }
        var inherited = ProcessInfo.processInfo.environment
        // scripts/test's own bundle cache, unless the test chooses one.
        if let cache = inherited["HOIST_TEST_CACHE_HOME"] { inherited["XDG_CACHE_HOME"] = cache }
        return try RunningHoist(path: path, arguments: arguments,
                                environment: inherited.merging(environment) { $1 },
                                currentDirectory: currentDirectory)
    }

    /// Runs `hoist arguments…` to completion with a pseudo-terminal as its stdout and stderr
    /// (`script`), as a person at a terminal runs it; both streams arrive in `stdout`. The
    /// environment is exactly `environment`, with a PATH and TERM unless it names them.
    /// Blocks the calling thread.
    public static func runOnATerminal(_ arguments: [String], environment: [String: String], currentDirectory: URL? = nil) throws -> Output {
        let words = (currentDirectory.map { ["/usr/bin/env", "-C", $0.path] } ?? []) + [path] + arguments
        return try runProgram("/usr/bin/script", ["-qfec", words.map(shellQuote).joined(separator: " "), "/dev/null"],
                              environment: ["PATH": "/usr/bin:/bin", "TERM": "xterm"].merging(environment) { $1 })
    }

    /// Runs a command line Hoist suggested (`hoist logs d-… --playbook web.yml`) as a person
    /// pastes it into a shell in `directory`, where `hoist` is the built binary; `environment`
    /// entries are added to this process's environment. Blocks the calling thread.
    public static func runPasted(_ commandLine: String, in directory: URL, environment: [String: String] = [:]) throws -> Output {
        var all = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        all["PATH"] = URL(fileURLWithPath: path).deletingLastPathComponent().path + ":" + (all["PATH"] ?? "/usr/bin:/bin")
        return try runProgram("/bin/sh", ["-c", "cd \(shellQuote(directory.path)) && \(commandLine)"], environment: all)
    }

    /// Runs another program (`tmux`) to completion the same way, with exactly `environment`.
    /// Blocks the calling thread.
    public static func runProgram(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Output {
        try RunningHoist(path: path, arguments: arguments, environment: environment, currentDirectory: nil).finish()
    }
}

/// A `hoist` process started by a test with posix_spawn (stdin from /dev/null, stdout and
/// stderr to pipes read on their own threads from the start, so a chatty process never
/// blocks) and reaped with waitpid. Not Foundation's `Process`: with several runs side by
/// side it sometimes never noticed a child that had exited. Its methods may be called from
/// any thread.
public final class RunningHoist: @unchecked Sendable {
    public let pid: pid_t
    private let stdout: PipeReader
    private let stderr: PipeReader
    private let exit = Locked<Int32?>(nil)

    init(path: String, arguments: [String], environment: [String: String], currentDirectory: URL?) throws {
        // `env -C DIR` changes folder before it runs hoist (coreutils).
        let words = (currentDirectory.map { ["/usr/bin/env", "-C", $0.path, path] } ?? [path]) + arguments
        let child = try SpawnedProcess(path: words[0], arguments: Array(words.dropFirst()), environment: environment,
                                       ownProcessGroup: false)
        pid = child.pid
        stdout = PipeReader(child.stdout)
        stderr = PipeReader(child.stderr)
    }

    /// Waits for the process to exit and returns its status (128 + signal when a signal
    /// ended it, as a shell says) and everything it printed.
    public func finish() -> HoistBinary.Output {
        let out = stdout.wait(), err = stderr.wait()
        return HoistBinary.Output(status: waitForExit(), stdout: out, stderr: err)
    }

    private func waitForExit() -> Int32 {
        if let known = exit.current { return known }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exit.withLock { $0 = code }
        return code
    }

    /// Sends `signal` (e.g. SIGINT, as Ctrl-C would) to the process.
    /// Signals the process, unless it has been reaped: its pid may name another one by then.
    public func send(_ signal: Int32) {
        guard exit.current == nil else { return }
        kill(pid, signal)
    }

    /// Waits until stderr so far contains `text`, the process ends, or `seconds` pass; true
    /// when the text came. For tests that must not act before the process has reacted.
    public func waitForStderr(containing text: String, seconds: Double) -> Bool {
        stderr.wait(until: { $0.contains(text) }, deadline: Date().addingTimeInterval(seconds))
    }

    /// Like `waitForStderr`, on stdout.
    public func waitForStdout(containing text: String, seconds: Double) -> Bool {
        stdout.wait(until: { $0.contains(text) }, deadline: Date().addingTimeInterval(seconds))
    }

    /// Stops reading stdout and closes its read end, as `| head -1` does once it has its
    /// line: from then on the process's stdout is a pipe nobody reads.
    public func closeStdout() {
        stdout.closeEarly()
    }

    /// Waits until the process exits or `seconds` pass (a bound, not a timing): its status,
    /// or nil while it still runs. The end of its stderr (closed at exit) is what is awaited.
    public func waitForExit(seconds: Double) -> Int32? {
        guard stderr.waitForEnd(deadline: Date().addingTimeInterval(seconds)) else { return nil }
        return waitForExit()
    }

    /// What stdout said so far, while the process runs.
    public func stdoutSoFar() -> String {
        stdout.soFar()
    }

    /// Like `stdoutSoFar`, for stderr.
    public func stderrSoFar() -> String {
        stderr.soFar()
    }
}

/// Reads a pipe to its end on a background thread, keeping what came so far readable. A byte
/// in its wake pipe (`closeEarly`) makes it close the pipe before the end.
private final class PipeReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false
    private let wake: (read: Int32, write: Int32)

    init(_ descriptor: Int32) {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 { for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        wake = (ends[0], ends[1])
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 2, -1) < 0 && errno == EINTR { continue }
                let n = fds[1].revents != 0 ? 0 : read(descriptor, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    close(descriptor)
                    close(wake.read)
                }
                condition.lock()
                if n <= 0 { ended = true } else { data.append(contentsOf: buffer[0..<n]) }
                condition.broadcast()
                condition.unlock()
                if n <= 0 { return }
            }
        }
    }

    deinit { close(wake.write) }

    /// Closes the pipe now, keeping what came so far; returns once it is closed.
    func closeEarly() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        condition.lock()
        defer { condition.unlock() }
        while !ended { condition.wait() }
    }

    /// What came so far.
    func soFar() -> String {
        var text = ""
        _ = wait(until: { text = $0; return true }, deadline: Date())
        return text
    }

    /// Whether the pipe ended (or was closed) before `deadline`.
    func waitForEnd(deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !ended {
            if !condition.wait(until: deadline) { return ended }
        }
        return true
    }

    /// Everything, once the pipe has ended.
    func wait() -> String {
        condition.lock()
        defer { condition.unlock() }
        while !ended { condition.wait() }
        return String(decoding: data, as: UTF8.self)
    }

    /// Waits until what came so far satisfies `done`, the pipe ends, or `deadline` passes.
    func wait(until done: (String) -> Bool, deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if done(String(decoding: data, as: UTF8.self)) { return true }
            if ended || !condition.wait(until: deadline) { return done(String(decoding: data, as: UTF8.self)) }
        }
    }
}
