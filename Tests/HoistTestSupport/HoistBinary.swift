import Foundation
import HoistCore

/// Runs the built `hoist` executable, for tests of the command line as users see it.
public enum HoistBinary {
    public struct NotBuilt: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "No hoist binary at \(path); run `swift build --build-tests` first or set HOIST_BIN."
        }
    }

    /// `$HOIST_BIN`, else `<package root>/.build/debug/hoist`.
    public static var path: String {
        ProcessInfo.processInfo.environment["HOIST_BIN"]
            ?? TestPaths.packageRoot.appendingPathComponent(".build/debug/hoist").path
    }

    /// Runs `hoist args…` to completion with `env` added to this process's environment.
    public static func run(_ args: [String], env: [String: String] = [:]) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = try start(args, env: env)
        let output = process.finish()
        return (output.status, output.stdout, output.stderr)
    }

    /// Starts `hoist args…` without waiting, for commands that run while the test acts.
    public static func start(_ args: [String], env: [String: String] = [:]) throws -> RunningHoist {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw NotBuilt(path: path) }
        return try RunningHoist(path: path, args: args, env: env)
    }
}

/// A `hoist` process started by a test. Both pipes are read on their own threads from the
/// start, so a chatty process never blocks on a full pipe. Its methods may be called from any
/// thread (a test may wait for it off Swift's cooperative pool).
public final class RunningHoist: @unchecked Sendable {
    private let process: Process
    private let stdout: PipeReader
    private let stderr: PipeReader

    init(path: String, args: [String], env: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(env) { _, new in new }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.stdout = PipeReader(out.fileHandleForReading)
        self.stderr = PipeReader(err.fileHandleForReading)
    }

    /// Waits for the process to exit and returns its status and everything it printed.
    public func finish() -> (status: Int32, stdout: String, stderr: String) {
        let out = stdout.wait(), err = stderr.wait()
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }

    /// Sends `signal` (e.g. SIGINT, as Ctrl-C would) to the process.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits until stderr so far contains `text`, the process ends, or `seconds` pass; true
    /// when the text came. For tests that must not act before the process has reacted.
    public func waitForStderr(containing text: String, seconds: Double) -> Bool {
        stderr.wait(until: { $0.contains(text) }, deadline: Date().addingTimeInterval(seconds))
    }

    /// The same for stdout.
    public func waitForStdout(containing text: String, seconds: Double) -> Bool {
        stdout.wait(until: { $0.contains(text) }, deadline: Date().addingTimeInterval(seconds))
    }

    /// What stdout said so far, while the process runs.
    public func stdoutSoFar() -> String {
        var text = ""
        _ = stdout.wait(until: { text = $0; return true }, deadline: Date())
        return text
    }
}

/// Reads a pipe to its end on a background thread, keeping what came so far readable.
private final class PipeReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var data = Data()
    private var ended = false

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                condition.lock()
                if chunk.isEmpty { ended = true } else { data.append(chunk) }
                condition.broadcast()
                condition.unlock()
                if chunk.isEmpty { return }
            }
        }
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

/// The same binary, run with a working directory and a structured result.
extension HoistBinary {
    /// HOIST_BIN when set, else `<package root>/.build/debug/hoist`.
    public static var url: URL {
        if let path = ProcessInfo.processInfo.environment["HOIST_BIN"] { return URL(fileURLWithPath: path) }
        return TestPaths.packageRoot.appendingPathComponent(".build/debug/hoist")
    }

    /// What one run printed and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs the binary with `arguments`; `environment` entries are added to the current one.
    public static func run(_ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let errData = Locked(Data())
        let errReader = err.fileHandleForReading
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let data = errReader.readDataToEndOfFile()
            errData.withLock { $0 = data }
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let stderr = errData.current
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
