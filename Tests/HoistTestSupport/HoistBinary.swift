import Foundation

/// Runs the built `hoist` executable, as a user would, for CLI tests. `HOIST_BIN` names the
/// binary; otherwise it is `<package root>/.build/debug/hoist` (what `swift build` produces).
public enum HoistBinary {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public static var url: URL {
        if let path = ProcessInfo.processInfo.environment["HOIST_BIN"] {
            return URL(fileURLWithPath: path)
        }
        return TestPaths.packageRoot.appendingPathComponent(".build/debug/hoist")
    }

    /// Runs `hoist args...` to completion. Output goes through files, not pipes, so a chatty
    /// child can never block on a full pipe. `env` entries are added to the current environment.
    public static func run(_ arguments: [String], cwd: URL? = nil, env: [String: String] = [:]) throws -> Result {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("hoist-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)

        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let cwd { process.currentDirectoryURL = cwd }
        process.environment = ProcessInfo.processInfo.environment.merging(env) { _, new in new }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}
