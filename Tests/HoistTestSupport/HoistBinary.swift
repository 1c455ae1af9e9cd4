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
/// start, so a chatty process never blocks on a full pipe.
public final class RunningHoist {
    private let process: Process

    /// The process id, for tests that signal it (Ctrl-C, SIGKILL).
    public var pid: Int32 { process.processIdentifier }

    /// Sends a signal to the running `hoist`.
    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }
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

    /// What the process has written to stderr so far.
    public var stderrSoFar: String { stderr.soFar }

    /// Waits for the process to exit and returns its status and everything it printed.
    public func finish() -> (status: Int32, stdout: String, stderr: String) {
        let out = stdout.wait(), err = stderr.wait()
        process.waitUntilExit()
        return (process.terminationStatus, out, err)
    }
}

/// Reads a pipe to its end on a background thread, keeping what has arrived so far readable.
private final class PipeReader: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let data = Locked(Data())

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [done, data] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data.withLock { $0.append(chunk) }
            }
            done.signal()
        }
    }

    var soFar: String { String(decoding: data.current, as: UTF8.self) }

    func wait() -> String {
        done.wait()
        return soFar
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
