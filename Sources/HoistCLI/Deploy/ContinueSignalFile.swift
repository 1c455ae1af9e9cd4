import Foundation
import HoistEngine

/// `hoist continue ID`: a file under the user's state folder that a blue/green deployment
/// waiting for its `ready_wait` polls. The waiting coordinator and the command run on the
/// same machine, as the lock and history do.
struct ContinueSignalFile: ContinueSignals {
    static func file(id: String) -> URL {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/state")
        return base.appendingPathComponent("hoist/continue/\(id)")
    }

    static func signal(id: String) throws {
        let url = file(id: id)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data().write(to: url)
    }

    func take(_ deploymentID: String) -> Bool {
        let url = Self.file(id: deploymentID)
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        try? FileManager.default.removeItem(at: url)
        return true
    }
}
