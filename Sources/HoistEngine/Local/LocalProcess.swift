import Foundation
import HoistCore

/// Runs `/bin/sh -c` in its own process group with default signal dispositions, reads stdout
/// and stderr with poll() until both reach EOF, and enforces a deadline on the whole group
/// (TERM, then KILL). Foundation's Process is not used: it inherits the test runner's signal
/// state and does not let us signal the group.
enum LocalProcess {
    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(
        _ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
        onOutput: @escaping @Sendable (OutputLine) -> Void
    ) throws -> CommandResult {
        let started = Date()
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw SpawnError(description: "pipe failed") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/sh", &actions, &attr, argv, environ)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw SpawnError(description: String(cString: strerror(rc)))
        }

        let splitters = [LineSplitter(.stdout, onOutput), LineSplitter(.stderr, onOutput)]
        var fds = [pollfd(fd: outPipe[0], events: Int16(POLLIN), revents: 0),
                   pollfd(fd: errPipe[0], events: Int16(POLLIN), revents: 0)]
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timedOut = false
        var termSentAt: Date?
        while open.contains(true) {
            var waitMs: Int32 = 250
            if let limit = timeoutSeconds {
                let now = Date()
                if termSentAt == nil, now.timeIntervalSince(started) >= limit {
                    timedOut = true
                    termSentAt = now
                    kill(-pid, SIGTERM)
                } else if let t = termSentAt, now.timeIntervalSince(t) >= killGraceSeconds {
                    kill(-pid, SIGKILL)
                }
                waitMs = 100
            }
            for i in 0..<2 { fds[i].fd = open[i] ? fds[i].fd : -1 }
            let n = poll(&fds, 2, waitMs)
            if n < 0 { if errno == EINTR { continue } else { break } }
            for i in 0..<2 where open[i] && fds[i].revents != 0 {
                let got = read(fds[i].fd, &buffer, buffer.count)
                if got > 0 {
                    splitters[i].feed(Data(buffer[0..<got]))
                } else if got == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[i] = false
                    splitters[i].finish()
                }
            }
        }
        close(outPipe[0])
        close(errPipe[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let elapsed = Date().timeIntervalSince(started)
        let termSignal = status & 0x7f
        if termSignal != 0 {
            return CommandResult(exitStatus: nil, signal: signalName(termSignal), timedOut: timedOut, durationSeconds: elapsed)
        }
        return CommandResult(exitStatus: (status >> 8) & 0xff, timedOut: timedOut, durationSeconds: elapsed)
    }
}
