import Foundation
import HoistCore

/// Runs the built `hoist` through `LocalShell` (posix_spawn, poll, waitpid) instead of
/// Foundation's Process: with several `hoist local` runs side by side, Process sometimes
/// never noticed a child that had exited (it stayed a zombie) and the test hung.
public enum SpawnedHoist {
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> HoistBinary.Output {
        let path = HoistBinary.path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw HoistBinary.NotBuilt(path: path) }
        let (result, out, err) = try await LocalShell.capture(shellJoin([path] + arguments), environment: environment, timeoutSeconds: nil)
        // capture() hands back whole lines joined by newlines; put the last newline back.
        return HoistBinary.Output(status: result.exitStatus ?? 128, stdout: out.isEmpty ? "" : out + "\n",
                                  stderr: err.isEmpty ? "" : err + "\n")
    }
}
