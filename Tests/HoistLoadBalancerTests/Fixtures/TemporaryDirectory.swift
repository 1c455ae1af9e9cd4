import Foundation
import Glibc

/// A fresh directory under /tmp, short enough for unix socket paths, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init(_ label: String) throws {
        url = URL(fileURLWithPath: "/tmp").appendingPathComponent("hoist-lb-\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

extension TemporaryDirectory {
    /// Stops the daemon whose pid file is `pidFile` in this directory with TERM and waits
    /// (bounded) until it is gone, so it cannot write into the directory as it is removed.
    func stopDaemon(pidFile: String) {
        guard let text = try? read(pidFile), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while kill(pid, 0) == 0, Date() < deadline { usleep(20_000) }
    }
}
