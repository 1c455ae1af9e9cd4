import Foundation
import HoistCore
import HoistSSH
import Testing

/// Runs commands on a real local sshd through one reused session.
@Suite("SSH exec against a real sshd")
struct ExecTests {
    let sshd = LocalSSHD.shared

    @Test func linesFromBothStreamsAndTheExitStatus() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let lines = Locked<[OutputLine]>([])
        let result = try await session.run("echo out1; echo err1 >&2; printf 'no newline'; exit 3", timeoutSeconds: 600, killGraceSeconds: 1) { line in
            lines.withLock { $0.append(line) }
        }
        #expect(result.exitStatus == 3)
        #expect(result.signal == nil)
        #expect(!result.timedOut)
        #expect(lines.current.filter { $0.stream == .stdout }.map(\.text) == ["out1", "no newline"])
        #expect(lines.current.filter { $0.stream == .stderr }.map(\.text) == ["err1"])
        // The same session runs a second command.
        let (second, out, _) = try await session.capture("echo again")
        #expect(second.exitStatus == 0)
        #expect(out == "again")
    }

    @Test func aMegabyteOnEachStreamInterleavedDoesNotDeadlock() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        // Odd lines are kept (their stream, length and start) so a failure names what arrived.
        let counts = Locked<(out: Int, err: Int, bad: [String])>((0, 0, []))
        let command = """
            (head -c 1048576 /dev/zero | tr '\\0' o | fold -w 1024) & \
            (head -c 1048576 /dev/zero | tr '\\0' e | fold -w 1024 >&2); wait
            """
        let result = try await session.run(command, timeoutSeconds: 1200, killGraceSeconds: 1) { line in
            counts.withLock {
                if line.stream == .stdout { $0.out += 1 } else { $0.err += 1 }
                if line.text.count != 1024, $0.bad.count < 8 {
                    $0.bad.append("\(line.stream) \(line.text.utf8.count) bytes: \(line.text.prefix(120))")
                }
            }
        }
        #expect(result.exitStatus == 0)
        #expect(!result.timedOut, "the deadline fired: the lines below may come from the stopping path")
        #expect(counts.current.out == 1024)
        #expect(counts.current.err == 1024)
        #expect(counts.current.bad == [])
    }

    @Test func utf8SplitAcrossWritesAndInvalidBytesAreDecodedPerLine() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let (result, out, _) = try await session.capture("printf 'caf\\303'; sleep 0.1; printf '\\251 ok\\n\\377bad\\n'")
        #expect(result.exitStatus == 0)
        #expect(out == "café ok\n\u{FFFD}bad")
    }

    @Test func aSignalThatKillsTheCommandIsReported() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let result = try await session.run("kill -KILL $$", timeoutSeconds: 600, killGraceSeconds: 1) { _ in }
        #expect(result.signal == "KILL")
        #expect(result.exitStatus == nil)
    }

    @Test func theDeadlineKillsAProcessGroupThatIgnoresTERM() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let tag = "\(Int.random(in: 100...899)).\(Int.random(in: 1000...9999))"
        let result = try await session.run("trap '' TERM; sleep \(tag) & sleep \(tag); wait", timeoutSeconds: 1, killGraceSeconds: 1) { _ in }
        #expect(result.timedOut)
        #expect(!result.succeeded)
        // The bracket keeps pgrep from matching its own shell's command line.
        let pattern = "slee[p] " + tag
        let (check, out, _) = try await session.capture("pgrep -f \(shellQuote(pattern)); echo rc=$?")
        #expect(check.exitStatus == 0)
        #expect(out == "rc=1", "processes of the timed-out command survived: \(out)")
    }

    /// A command with input runs behind `head -c N |` in the resident shell, so its process
    /// group's leader is not its own shell: the group announced (and stopped) is still the
    /// whole job's, and the session goes on with the next command.
    @Test func theDeadlineKillsTheGroupOfACommandWithInput() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let tag = "\(Int.random(in: 100...899)).\(Int.random(in: 1000...9999))"
        let result = try await session.run("cat >/dev/null; trap '' TERM; sleep \(tag) & sleep \(tag); wait", input: Array("in\n".utf8),
                                           timeoutSeconds: 1, killGraceSeconds: 1) { _ in }
        #expect(result.timedOut)
        let (check, out, _) = try await session.capture("pgrep -f \(shellQuote("slee[p] " + tag)); echo rc=$?")
        #expect(check.exitStatus == 0)
        #expect(out == "rc=1", "processes of the timed-out command survived: \(out)")
    }

    /// Whether the command is a script (run through sh) or only execs a program with quoted
    /// arguments (run in a subshell of the resident shell), cancelling stops its whole group.
    @Test(arguments: [false, true])
    func cancellingTheTaskStopsTheRemoteProcessGroup(quotedExec: Bool) async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let tag = "\(Int.random(in: 100...899)).\(Int.random(in: 1000...9999))"
        let script = "echo started; sleep \(tag)"
        let command = quotedExec ? "exec " + shellJoin(["sh", "-c", script]) : script
        let started = AsyncStream<Void>.makeStream()
        let task = Task {
            try await session.run(command, timeoutSeconds: nil, killGraceSeconds: 1) { line in
                if line.text == "started" { started.continuation.yield() }
            }
        }
        for await _ in started.stream { break }
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        let (_, out, _) = try await session.capture("pgrep -f \(shellQuote("slee[p] " + tag)); echo rc=$?")
        #expect(out == "rc=1", "the cancelled command survived: \(out)")
    }

    /// A quoted exec's arguments arrive as they were written, hostile ones included.
    @Test func aQuotedExecGetsHostileArgumentsUnchanged() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let (result, words, _) = try await session.capture("exec " + shellJoin(["printf", "%s|"] + Self.hostileValues))
        #expect(result.exitStatus == 0)
        #expect(words == Self.hostileValues.joined(separator: "|") + "|")
    }

    static let hostileValues = [
        "$(touch /tmp/hoist-pwned)", "`id`", "it's \"quoted\"", "line1\nline2", "naïve ✓ 日本",
        "", "  spaces  ", "back\\slash", "--", "*", "$HOME", "a;b|c&d>e", "'", "\t",
    ]

    @Test(arguments: hostileValues)
    func hostileEnvironmentValuesRoundTrip(value: String) async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let command = "env K=\(shellQuote(value)) sh -c \(shellQuote("printf %s \"$K\" | od -An -tx1 | tr -d ' \\n'"))"
        let (result, out, _) = try await session.capture(command)
        #expect(result.exitStatus == 0)
        #expect(out == value.utf8.map { String(format: "%02x", $0) }.joined())
    }
}
