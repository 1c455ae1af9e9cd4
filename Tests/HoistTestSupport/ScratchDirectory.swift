import Foundation

/// A fresh directory under the system temp dir, removed when the value is released, so tests
/// that write real files never see each other's leftovers. A test that failed calls `keep`
/// so what it wrote (a history database, logs) is still there to read.
public final class ScratchDirectory {
    public let url: URL
    public var path: String { url.path }
    private var kept = false

    public init(_ label: String = "hoist-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        if !kept { try? FileManager.default.removeItem(at: url) }
    }

    /// Leaves the directory on disk when the value is released, and says where it is and
    /// why (`reason`, e.g. which step failed) on stdout, which the test log keeps.
    public func keep(because reason: String) {
        if !kept { print("scratch: keeping \(path) (\(reason))") }
        kept = true
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
