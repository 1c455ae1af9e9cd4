import Foundation
import HoistCore

/// A fresh directory under the system temp dir, removed when the value is released, so tests
/// that write real files never see each other's leftovers and leave nothing behind
/// (`scripts/test` fails a run that does). A test that failed calls `keep` so what it wrote
/// (a history database, logs) is still there to read; `HOIST_TEST_KEEP_SCRATCH=1` keeps
/// every one.
public final class ScratchDirectory: Sendable {
    public let url: URL
    public var path: String { url.path }
    private let kept = Locked(ProcessInfo.processInfo.environment["HOIST_TEST_KEEP_SCRATCH"] == "1")

    public init(_ label: String = "hoist-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        guard !kept.current else { return }
        // A process a test started may still be ending (a killed hook's wrapper removes its
        // fifo): FileManager gives up at the first file that vanishes or appears under it,
        // so a few more passes take what is left.
        for _ in 0..<5 where FileManager.default.fileExists(atPath: url.path) {
            try? FileManager.default.removeItem(at: url)
        }
    }

    /// Leaves the directory on disk when the value is released, and says where it is and
    /// why (`reason`, e.g. which step failed) on stdout, which the test log keeps.
    public func keep(because reason: String) {
        let first = kept.withLock { kept in
            defer { kept = true }
            return !kept
        }
        if first { print("scratch: keeping \(path) (\(reason))") }
    }

    /// `name` below the scratch directory.
    public func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `text` to `name`, creating parent directories, and sets `mode`.
    @discardableResult
    public func write(_ name: String, _ text: String, mode: Int = 0o644) throws -> String {
        let target = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: target.path)
        return target.path
    }
}
