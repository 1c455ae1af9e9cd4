import Foundation
import HoistCore

/// A process that ran and is gone, for tests of "is this coordinator gone?". `whileAlive` gets
/// its pid while it runs (to read its start from /proc), so a record can name exactly it: pids
/// wrap at 32,768 here, and on a busy machine a bare pid soon names another process.
public enum ExitedProcess {
    public static func run<T>(_ whileAlive: (Int32) -> T) throws -> (pid: Int32, read: T) {
        let child = try SpawnedProcess(path: "/bin/sleep", arguments: ["600"], environment: [:], ownProcessGroup: false)
        close(child.stdout)
        close(child.stderr)
        let read = whileAlive(child.pid)
        kill(child.pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        return (child.pid, read)
    }
}
