import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// Collects events for assertions.
final class RecordingObserver: DeploymentObserver, @unchecked Sendable {
    let events = Locked<[DeploymentEvent]>([])
    func handle(_ event: DeploymentEvent) { events.withLock { $0.append(event) } }
    var outputLines: [OutputLine] {
        events.current.compactMap { if case .output(_, _, let line, _) = $0 { return line } else { return nil } }
    }
}

/// Which hook wrapper a test runs: the perl runner (this machine has perl; the test writes the
/// runner where the probe would), or the sh wrapper a host without perl gets
/// (`RewritingSession.path` over a folder of the programs it uses, no perl).
enum HookWrapperKind: CaseIterable, Sendable, CustomTestStringConvertible {
    case perl, shell
    var testDescription: String { self == .perl ? "perl runner" : "sh wrapper" }
}

/// The hook program run on this machine: the same program a remote host runs, each test with
/// both wrappers, which must answer alike.
@Suite final class HookRunnerTests {
    // Each test gets its own folder (and its own instance), removed when the test ends.
    let scratch: ScratchDirectory
    var dir: String { scratch.path }

    init() throws {
        scratch = try ScratchDirectory("hoist-hook-test")
        try FileManager.default.createDirectory(atPath: scratch.file("scripts"), withIntermediateDirectories: true)
    }

    /// The perl runner where the probe puts it on a host (the deployment's folder).
    func runnerFile() throws -> String {
        let file = dir + "/hook-runner.pl"
        try HookInvocation.perlRunner.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A folder of the programs the sh wrapper and the tests' scripts use, without perl.
    func binWithoutPerl() throws -> String {
        let bin = dir + "/bin"
        guard !FileManager.default.fileExists(atPath: bin) else { return bin }
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["sh", "mkfifo", "rm", "setsid", "sleep", "find", "date", "tr", "awk", "mawk", "gawk", "chmod", "cat",
                     "ps", "touch", "kill", "env", "getent", "sudo", "id", "tail", "fold", "stdbuf", "head"] {
            for folder in ["/usr/bin", "/bin"] where FileManager.default.isExecutableFile(atPath: folder + "/" + tool) {
                try? FileManager.default.createSymbolicLink(atPath: bin + "/" + tool, withDestinationPath: folder + "/" + tool)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: bin + "/perl"))
        return bin
    }

    func script(_ name: String, _ body: String, executable: Bool = true) throws {
        try writeScript(dir + "/scripts/" + name, "#!/bin/sh\n" + body + "\n", mode: executable ? 0o755 : 0o644)
    }

    func run(_ location: String, _ wrapper: HookWrapperKind, timeout: Int = 30, env: [(String, String)] = [], grace: Int = 1,
             firstInEvent: Bool = true, sudo: Bool = false, stop: StopController? = nil) async -> (HookOutcome, RecordingObserver) {
        let observer = RecordingObserver()
        let session: any HostSession = wrapper == .perl ? LocalHostSession() : RewritingSession.path(try! binWithoutPerl())
        let runner = HookRunner(session: session, observer: observer, stop: stop)
        let hook = HookInvocation(
            event: .afterInstall, location: location, revisionRoot: dir, timeoutSeconds: timeout, sudo: sudo,
            environment: env, logFile: dir + "/scripts.log", killGraceSeconds: grace, firstInEvent: firstInEvent,
            runnerFile: wrapper == .perl ? try! runnerFile() : nil)
        try? hook.rendered.write(toFile: dir + "/wrapper.sh", atomically: true, encoding: .utf8)
        return (await runner.run(hook), observer)
    }

    @Test(arguments: HookWrapperKind.allCases)
    func streamsBothStreamsAndSucceeds(_ wrapper: HookWrapperKind) async throws {
        // The last line has no newline: it is still a line, in the stream and in the log.
        try script("ok.sh", "echo out1; echo err1 >&2; echo out2; pwd; printf partial")
        let (outcome, observer) = await run("scripts/ok.sh", wrapper)
        #expect(outcome.errorCode == .success)
        let lines = observer.outputLines
        #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["out1", "out2", dir, "partial"])
        #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["err1"])
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        #expect(log.contains("LifecycleEvent - AfterInstall"))
        #expect(log.contains("Script - scripts/ok.sh"))
        #expect(log.contains("[stdout]out1"))
        #expect(log.contains("[stderr]err1"))
        #expect(log.contains(" [stdout]partial\n"), "\(log)")
    }

    @Test(arguments: HookWrapperKind.allCases)
    func failureCarriesExitCode(_ wrapper: HookWrapperKind) async throws {
        try script("fail.sh", "echo boom >&2; exit 7")
        let (outcome, _) = await run("scripts/fail.sh", wrapper)
        #expect(outcome.errorCode == .scriptFailed)
        #expect(outcome.message == "Script at specified location: scripts/fail.sh failed with exit code 7")
    }

    @Test(arguments: HookWrapperKind.allCases)
    func missingScript(_ wrapper: HookWrapperKind) async throws {
        let (outcome, _) = await run("scripts/nope.sh", wrapper)
        #expect(outcome.errorCode == .scriptMissing)
        #expect(outcome.message == "Script does not exist at specified location: \(dir)/scripts/nope.sh")
    }

    /// A script saved on Windows cannot start: its shebang names `/bin/sh\r`, and the kernel's
    /// "No such file or directory" names the script. Both wrappers say why, in the stream and
    /// in the log, and the hook fails with the exit code the host gave (127).
    @Test(arguments: HookWrapperKind.allCases, ["#!/bin/sh", "#!/usr/bin/env sh"])
    func aScriptWithWindowsLineEndingsSaysWhyItDidNotStart(_ wrapper: HookWrapperKind, _ shebang: String) async throws {
        try writeScript(dir + "/scripts/w.sh", shebang + "\r\necho hi\r\n", mode: 0o755)
        let (outcome, observer) = await run("scripts/w.sh", wrapper)
        #expect(outcome.errorCode == .scriptFailed)
        #expect(outcome.message == "Script at specified location: scripts/w.sh failed with exit code 127")
        let last = shebang.split(separator: " ").last.map(String.init) ?? shebang
        let said = "hoist: scripts/w.sh has Windows line endings (CRLF): its first line, `\(shebang)`, ends in a carriage return, "
            + "which the host reads as part of `\(last.replacingOccurrences(of: "#!", with: ""))\\r`, so the script does not start; convert it with dos2unix"
        let stderr = observer.outputLines.filter { $0.stream == .stderr }.map(\.text)
        #expect(stderr.last == said, "\(stderr)")
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        #expect(log.contains(" [stderr]" + said + "\n"), "\(log)")
    }

    /// An interpreter the host does not have is named; a script that itself exits 127 is not
    /// explained away.
    @Test(arguments: HookWrapperKind.allCases)
    func aMissingInterpreterIsNamed(_ wrapper: HookWrapperKind) async throws {
        try writeScript(dir + "/scripts/p.sh", "#!/opt/hoist-nowhere/bin/python3 -u\nprint(1)\n", mode: 0o755)
        let (outcome, observer) = await run("scripts/p.sh", wrapper)
        #expect(outcome.message == "Script at specified location: scripts/p.sh failed with exit code 127")
        let stderr = observer.outputLines.filter { $0.stream == .stderr }.map(\.text)
        #expect(stderr.last == "hoist: scripts/p.sh names the interpreter /opt/hoist-nowhere/bin/python3 in its first line, which does not exist on this host",
                "\(stderr)")

        try script("own.sh", "echo own >&2; exit 127")
        let (own, ownObserver) = await run("scripts/own.sh", wrapper)
        #expect(own.message == "Script at specified location: scripts/own.sh failed with exit code 127")
        #expect(ownObserver.outputLines.map(\.text) == ["own"])
    }

    @Test(arguments: HookWrapperKind.allCases)
    func scriptWithoutExecBitRunsAnyway(_ wrapper: HookWrapperKind) async throws {
        try script("noexec.sh", "echo ran", executable: false)
        let (outcome, observer) = await run("scripts/noexec.sh", wrapper)
        #expect(outcome.errorCode == .success)
        #expect(observer.outputLines.map(\.text) == ["ran"])
    }

    @Test(arguments: HookWrapperKind.allCases)
    func hostileEnvironmentRoundTrips(_ wrapper: HookWrapperKind) async throws {
        let values = ["$(touch /tmp/pwned)", "`id`", "it's \"quoted\"", "line1\nline2", "ünï ✓", "; exit 3"]
        try script("env.sh", "printf '%s\\n' \"$V0\" \"$V1\" \"$V2\" \"$V3\" \"$V4\" \"$V5\"")
        let env = values.enumerated().map { ("V\($0.offset)", $0.element) }
        let (outcome, observer) = await run("scripts/env.sh", wrapper, env: env)
        #expect(outcome.errorCode == .success)
        let expected = values.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        #expect(observer.outputLines.map(\.text) == expected)
    }

    /// `sudo: true`: sudo resets the environment, so the hook's variables travel through
    /// `env` after it, and reach the script unchanged.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo"), "sudo is not installed"),
          arguments: HookWrapperKind.allCases)
    func aSudoHookGetsItsEnvironmentThroughSudo(_ wrapper: HookWrapperKind) async throws {
        try script("sudo.sh", "printf '%s\\n' \"$V\" \"$DEPLOYMENT_ID\"; id -u")
        let (outcome, observer) = await run("scripts/sudo.sh", wrapper, env: [("V", "it's $(x) `y`"), ("DEPLOYMENT_ID", "d-1")], sudo: true)
        #expect(outcome.errorCode == .success, "\(outcome)")
        #expect(observer.outputLines.map(\.text) == ["it's $(x) `y`", "d-1", "0"])
    }

    @Test(arguments: HookWrapperKind.allCases)
    func timeoutKillsChildThatIgnoresTerm(_ wrapper: HookWrapperKind) async throws {
        try script("hang.sh", "trap '' TERM; (trap '' TERM; echo $$ > \(dir)/child.pid; exec sleep 1000) & sleep 1000 & echo $! > \(dir)/bg.pid; trap '' TERM; while :; do sleep 1; done")
        let (outcome, _) = await run("scripts/hang.sh", wrapper, timeout: 1, grace: 1)
        #expect(outcome.errorCode == .scriptTimedOut)
        #expect(outcome.message == "Script at specified location: scripts/hang.sh failed to complete in 1 seconds")
        let bg = try String(contentsOfFile: dir + "/bg.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!isRunning(bg, command: "sleep 1000"), "background child \(bg) survived the timeout")
    }

    /// A script stopped at its timeout, by TERM or by KILL after the grace: the output is the
    /// script's and the report Hoist's. The sh wrapper's dash used to add "Terminated" (or
    /// "Killed") on its stderr, as if the script had printed it.
    @Test(arguments: HookWrapperKind.allCases, ["", "trap '' TERM; "])
    func aTimedOutScriptsOutputIsItsOwn(_ wrapper: HookWrapperKind, _ trap: String) async throws {
        try script("slow.sh", "\(trap)echo started; sleep 600 & wait")
        let (outcome, observer) = await run("scripts/slow.sh", wrapper, timeout: 1, grace: 1)
        #expect(outcome.errorCode == .scriptTimedOut, "\(outcome)")
        #expect(observer.outputLines.map(\.text) == ["started"])
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        #expect(!log.contains("Terminated") && !log.contains("Killed"), "\(log)")
    }

    /// A script that closed its output (so there is nothing left to relay) still times out,
    /// and is killed: the perl runner keeps the deadline in its relay loop.
    @Test(arguments: HookWrapperKind.allCases)
    func aScriptThatClosedItsOutputStillTimesOut(_ wrapper: HookWrapperKind) async throws {
        try script("quiet.sh", "echo $$ > \(dir)/quiet.pid; exec >/dev/null 2>&1; trap '' TERM; while :; do sleep 1; done")
        let (outcome, _) = await run("scripts/quiet.sh", wrapper, timeout: 1, grace: 1)
        #expect(outcome.errorCode == .scriptTimedOut, "\(outcome)")
        let pid = try String(contentsOfFile: dir + "/quiet.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!isRunning(pid), "the script \(pid) survived the timeout")
    }

    /// The CodeDeploy agent waits for a script's output to close until its deadline: a
    /// background job that finishes soon after the script succeeds there, and must here (an
    /// adversarial run found it failed a second after the script exited).
    @Test(arguments: HookWrapperKind.allCases)
    func aBackgroundJobThatFinishesSoonAfterTheScriptSucceeds(_ wrapper: HookWrapperKind) async throws {
        try script("job.sh", "(sleep 2; echo job-done) & echo started")
        let (outcome, observer) = await run("scripts/job.sh", wrapper, timeout: 600)
        #expect(outcome.errorCode == .success, "\(outcome)")
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        #expect(observer.outputLines.map(\.text) == ["started", "job-done"] || log.contains("job-done"), "\(log)")
    }

    @Test(arguments: HookWrapperKind.allCases)
    func backgroundChildHoldingStdoutIsReportedAtOnce(_ wrapper: HookWrapperKind) async throws {
        try script("daemon.sh", "sleep 300 & echo $! > \(dir)/daemon.pid; echo started")
        let (outcome, observer) = await run("scripts/daemon.sh", wrapper, timeout: 600)
        #expect(outcome.errorCode == .outputsLeftOpen)
        let pid = try String(contentsOfFile: dir + "/daemon.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(outcome.message?.contains("background process \(pid)") == true)
        #expect(outcome.message?.contains("> /dev/null 2>&1 < /dev/null &") == true)
        // The line is streamed, or, when the relay had not read it yet, kept in the host log.
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        #expect(observer.outputLines.map(\.text) == ["started"] || log.contains("started"))
        #expect(log.contains("hoist: process \(pid)"))
        kill(pid_t(pid)!, SIGKILL)
    }
}

extension HookRunnerTests {
    static let forgeries = #"""
        for out in 1 2; do
          printf '\036HOIST-RESULT exited 0\n' >&$out
          printf '\036HOIST-HOOK 01234567-89ab-cdef-0123-456789abcdef\n' >&$out
          printf '\036HOIST-HOOK 01234567-89ab-cdef-0123-456789abcdef exited 0\n' >&$out
        done
        """#

    @Test(arguments: HookWrapperKind.allCases)
    func forgedStatusLinesAreOutput(_ wrapper: HookWrapperKind) async throws {
        try script("forge.sh", Self.forgeries + "\nexit 1")
        let (outcome, observer) = await run("scripts/forge.sh", wrapper)
        #expect(outcome.errorCode == .scriptFailed)
        #expect(outcome.message == "Script at specified location: scripts/forge.sh failed with exit code 1")
        #expect(observer.outputLines.filter { $0.text.contains("exited 0") }.count == 4)
    }

    @Test(arguments: HookWrapperKind.allCases)
    func aForgedSuccessIsNoResultWhenTheWrapperDies(_ wrapper: HookWrapperKind) async throws {
        try script("die.sh", Self.forgeries + "\nkill -9 $PPID\nexit 1")
        let (outcome, _) = await run("scripts/die.sh", wrapper)
        #expect(outcome.errorCode == .unknownError)
        #expect(outcome.message?.contains("ended without reporting a result") == true, "\(outcome)")
    }

    /// The kill takes its process ids from the run's own files: a "pid" line naming another
    /// process changes nothing, and the hook's whole group goes.
    @Test(arguments: HookWrapperKind.allCases)
    func anImmediateStopKillsTheHookAndNothingElse(_ wrapper: HookWrapperKind) async throws {
        let sentinel = Process()
        sentinel.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sentinel.arguments = ["600"]
        sentinel.standardOutput = FileHandle.nullDevice
        sentinel.standardError = FileHandle.nullDevice
        try sentinel.run()
        defer { kill(sentinel.processIdentifier, SIGKILL) }
        try script("wait.sh", """
            for out in 1 2; do
              printf '\\036HOIST-RESULT pid %s /tmp\\n' \(sentinel.processIdentifier) >&$out
              printf '\\036HOIST-HOOK 01234567-89ab-cdef-0123-456789abcdef pid %s\\n' \(sentinel.processIdentifier) >&$out
            done
            sleep 600 & echo $! >\(dir)/child.pid
            touch \(dir)/waiting
            wait
            """)
        let stop = StopController()
        let waiting = dir + "/waiting"
        let watcher = Task {
            while !FileManager.default.fileExists(atPath: waiting) { try await Task.sleep(for: .milliseconds(20)) }
            stop.request(.immediate)
        }
        let (outcome, _) = await run("scripts/wait.sh", wrapper, timeout: 600, stop: stop)
        watcher.cancel()
        #expect(outcome.message == "Script at specified location: scripts/wait.sh was killed: the deployment was stopped immediately")
        #expect(isRunning(String(sentinel.processIdentifier)), "the process the hook named still runs")
        let child = try String(contentsOfFile: dir + "/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!isRunning(child, command: "sleep 600"), "the hook's own child was killed")
    }

    /// An immediate stop that comes before the coordinator has read the wrapper's first line
    /// (the script is starting) still kills the script once that line arrives. The limit
    /// is far below the script's sleep, which only a script that was not killed reaches.
    @Test(.timeLimit(.minutes(5)), arguments: HookWrapperKind.allCases)
    func anImmediateStopBeforeTheScriptsFirstLineStillKillsIt(_ wrapper: HookWrapperKind) async throws {
        try script("late.sh", """
            sleep 900 & echo $! >\(dir)/child.pid
            wait
            """)
        let stop = StopController()
        stop.request(.immediate)
        let (outcome, _) = await run("scripts/late.sh", wrapper, timeout: 1200, stop: stop)
        #expect(outcome.message == "Script at specified location: scripts/late.sh was killed: the deployment was stopped immediately")
        // The kill may come before the script started its child.
        if let child = try? String(contentsOfFile: dir + "/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           !child.isEmpty {
            #expect(!isRunning(child, command: "sleep 900"), "the hook's own child was killed")
        }
    }

    /// A daemon started with its output redirected holds nothing of the hook's: the run ends
    /// as exited, not as output left open.
    @Test(arguments: HookWrapperKind.allCases)
    func aDaemonWithRedirectedOutputDoesNotHoldTheHook(_ wrapper: HookWrapperKind) async throws {
        try script("daemon.sh", "sleep 300 >/dev/null 2>&1 </dev/null & echo $! > \(dir)/daemon.pid; echo started")
        let (outcome, observer) = await run("scripts/daemon.sh", wrapper, timeout: 600)
        let pid = try String(contentsOfFile: dir + "/daemon.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        kill(pid_t(pid)!, SIGKILL)
        #expect(outcome.errorCode == .success, "\(outcome)")
        #expect(observer.outputLines.map(\.text) == ["started"])
    }

    /// A line longer than 64 KiB (a `\r` progress bar, a dump) reaches the host's log as it
    /// comes: the wrapper holds at most 64 KiB of it. The perl runner logs it whole, under one
    /// stamp; the sh wrapper cuts it into lines of 64 KiB (`fold`), each stamped. Both held a
    /// line whole: the perl runner looked for its end from the start on every read (a 300 MB
    /// line took it 600 MB and 35 s of CPU), and the sh wrapper's awk held it all (a 1 GB
    /// line, 1 GB on the host).
    @Test(.timeLimit(.minutes(5)), arguments: HookWrapperKind.allCases)
    func aLongLineReachesTheLogAsItComes(_ wrapper: HookWrapperKind) async throws {
        try script("long.sh", """
            head -c 200000 /dev/zero | tr '\\0' x
            while [ ! -e \(dir)/go ]; do sleep 0.05; done
            echo; echo done
            """)
        let dir = self.dir
        // While the script waits in the middle of its line, most of it must be in the log.
        let watcher = Task {
            let arrived = await eventually(within: 120) {
                ((try? String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)) ?? "").filter { $0 == "x" }.count >= 100_000
            }
            _ = FileManager.default.createFile(atPath: dir + "/go", contents: nil)
            return arrived
        }
        let (outcome, observer) = await run("scripts/long.sh", wrapper, timeout: 600)
        let arrived = await watcher.value
        #expect(arrived, "the first 100,000 bytes of the line were in the log while it went on")
        #expect(outcome.errorCode == .success, "\(outcome)")
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        let lines = log.split(separator: "\n").map { $0.dropFirst(20) }
        #expect(lines.last == "[stdout]done", "the log's last lines: \(lines.suffix(3).map { "\($0.prefix(40))… (\($0.count))" })")
        let pieces = lines.filter { $0.hasPrefix("[stdout]x") }.map { $0.dropFirst(8) }
        let whole = String(repeating: "x", count: 200_000)
        switch wrapper {
        case .perl:
            #expect(pieces.count == 1 && pieces.first.map(String.init) == whole, "one line: \(pieces.map(\.count))")
        case .shell:
            #expect(pieces.joined() == whole && pieces.allSatisfy { $0.count <= 65536 }, "pieces of at most 64 KiB: \(pieces.map(\.count))")
        }
        #expect(observer.outputLines.map(\.text).last == "done")
    }

    /// A status line after a piece of a long stderr line still starts a line of its own: here
    /// the script's child holds its stderr, so the runner reports while that line is open.
    /// (Behind it, the coordinator keeps only the first 64 KiB of a line: a status after the
    /// piece would be cut off.) The runner's own stderr, as the channel carries it.
    @Test(.timeLimit(.minutes(5)))
    func theStatusAfterAPieceOfALongStderrLineStartsItsOwnLine() async throws {
        try script("held.sh", """
            head -c 100000 /dev/zero | tr '\\0' y >&2
            sleep 300 & echo $! >\(dir)/child.pid
            exit 0
            """)
        let hook = HookInvocation(
            event: .afterInstall, location: "scripts/held.sh", revisionRoot: dir, timeoutSeconds: 600, environment: [],
            logFile: dir + "/scripts.log", killGraceSeconds: 1, firstInEvent: true, runnerFile: try runnerFile())
        let (_, _, err) = try await LocalShell.capture(hook.rendered, timeoutSeconds: 120)
        if let child = try? String(contentsOfFile: dir + "/child.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           let pid = pid_t(child) {
            kill(pid, SIGKILL)
        }
        let status = err.split(separator: "\n").first { $0.contains(" leftopen ") }
        #expect(status?.hasPrefix(HookStatusReader.marker) == true, "the status line: \(status.map { "\($0.prefix(60))… (\($0.count) bytes)" } ?? "none")")
    }

    /// When the coordinator's end of the channel goes (it was killed, the network or sshd
    /// went), the wrapper stops the script as at its deadline and says so in the log: no one
    /// will ever hear how it ended, and left running it would change the host under the next
    /// deployment. Here the channel is the pipes of a local `sh`, whose reader (this test)
    /// closes them while the script waits. The sh wrapper used to go on until the deadline.
    @Test(.timeLimit(.minutes(5)), arguments: HookWrapperKind.allCases)
    func aRunWhoseChannelClosesStopsItsScript(_ wrapper: HookWrapperKind) async throws {
        try script("wait.sh", "echo $$ >\(dir)/script.pid; echo waiting; exec sleep 600")
        let hook = HookInvocation(
            event: .afterInstall, location: "scripts/wait.sh", revisionRoot: dir, timeoutSeconds: 900, environment: [],
            logFile: dir + "/scripts.log", killGraceSeconds: 1, firstInEvent: true,
            runnerFile: wrapper == .perl ? try runnerFile() : nil)
        let path = wrapper == .perl ? "" : "PATH=\(shellQuote(try binWithoutPerl())); export PATH\n"
        let child = try SpawnedProcess(path: "/bin/sh", arguments: ["-c", path + hook.rendered],
                                       environment: ProcessInfo.processInfo.environment, ownProcessGroup: true)
        defer { kill(-child.pid, SIGKILL); var status: Int32 = 0; waitpid(child.pid, &status, 0) }
        let dir = self.dir
        let started = await eventually(within: 120) {
            let log = (try? String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)) ?? ""
            return log.contains("[stdout]waiting")
        }
        try #require(started, "the script started")
        let script = try #require(pid_t(try String(contentsOfFile: dir + "/script.pid", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        close(child.stdout)
        close(child.stderr)
        // By its command too: pids wrap at 32,768 here, and a busy machine soon reuses one.
        let stopped = await eventually(within: 120) { !isRunning(String(script), command: "sleep 600") }
        if !stopped, isRunning(String(script), command: "sleep 600") { kill(script, SIGKILL) }
        #expect(stopped, "the script was stopped once its channel closed")
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        #expect(log.contains("[stderr]hoist: the connection to the coordinator closed; stopping scripts/wait.sh"), "\(log)")
        // The wrapper ends too, and leaves no scratch file behind (a FIFO left would count the
        // run as alive for the kill program and the lock's sweep).
        let wrapperPID = String(child.pid)
        let ended = await eventually(within: 120) { !isRunning(wrapperPID) }
        #expect(ended, "the wrapper ended")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".hook-") }
        #expect(leftovers.isEmpty, "the scratch files are removed: \(leftovers)")
    }

    /// The perl runner makes one scratch file per run, its `.pid`, and writes the line in it
    /// in place: a second file renamed over it would be one more new inode per hook, and on
    /// ext4 without a journal each one costs the host a search past every inode deleted in
    /// the last minutes (docs/performance.md). The run's file calls are traced with strace.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace"), "strace is not installed"))
    func thePerlRunnerMakesOneScratchFileAndRenamesNothing() async throws {
        try script("a.sh", "echo ran")
        let trace = dir + "/trace"
        let observer = RecordingObserver()
        let runner = HookRunner(session: RewritingSession.traced(to: trace), observer: observer, stop: nil)
        let hook = HookInvocation(
            event: .afterInstall, location: "scripts/a.sh", revisionRoot: dir, timeoutSeconds: 30, sudo: false,
            environment: [], logFile: dir + "/scripts.log", killGraceSeconds: 1, firstInEvent: true, runnerFile: try runnerFile())
        let outcome = await runner.run(hook)
        #expect(outcome.succeeded, "\(outcome)")
        #expect(observer.outputLines.map(\.text) == ["ran"])
        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").map(String.init)
        let created = calls.filter { $0.contains("O_CREAT") && !$0.contains("= -1") }
            .compactMap { $0.firstMatch(of: #/"([^"]*)"/#).map { String($0.1) } }
            .filter { $0.hasPrefix(dir + "/") }
        #expect(created.map { $0.replacing(#/\.hook-[^.]*/#, with: ".hook-X") }.sorted() == [dir + "/.hook-X.pid", dir + "/scripts.log"],
                "\(created)")
        #expect(!calls.contains { $0.contains("rename") }, "\(calls.filter { $0.contains("rename") })")
    }

    @Test(arguments: HookWrapperKind.allCases)
    func scriptsLogIsInTheAgentsFormat(_ wrapper: HookWrapperKind) async throws {
        try script("a.sh", "echo out a; echo err a >&2")
        try script("b.sh", "echo out b")
        _ = await run("scripts/a.sh", wrapper)
        _ = await run("scripts/b.sh", wrapper, firstInEvent: false)
        let log = try String(contentsOfFile: dir + "/scripts.log", encoding: .utf8)
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.prefixMatch(of: #/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /#) != nil }, "\(log)")
        let bodies = lines.map { $0.dropFirst(20) }
        #expect(bodies.filter { $0.hasPrefix("LifecycleEvent") } == ["LifecycleEvent - AfterInstall"])
        #expect(bodies.filter { $0.hasPrefix("Script") } == ["Script - scripts/a.sh", "Script - scripts/b.sh"])
        #expect(Set(bodies.filter { $0.hasPrefix("[") }) == ["[stdout]out a", "[stderr]err a", "[stdout]out b"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix(".hook-") }
        #expect(leftovers.isEmpty, "the scratch files are removed: \(leftovers)")
    }
}

/// A local session whose commands are rewritten before they run (`path`, `traced`).
final class RewritingSession: ForwardingSession, @unchecked Sendable {
    let rewrite: @Sendable (String) -> String
    init(_ rewrite: @escaping @Sendable (String) -> String) {
        self.rewrite = rewrite
        super.init(inner: LocalHostSession())
    }
    override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                      onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await super.run(rewrite(command), timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
    }
    override func run(_ command: String, input: [UInt8], timeoutSeconds: Double?, killGraceSeconds: Double,
                      onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
        try await super.run(rewrite(command), input: input, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds,
                            onOutput: onOutput)
    }

    /// Commands that see only the programs in `folder` (a host without perl).
    static func path(_ folder: String) -> RewritingSession {
        RewritingSession { "PATH=\(shellQuote(folder)); export PATH\n" + $0 }
    }

    /// Commands run under strace, their file calls written to `file`.
    static func traced(to file: String) -> RewritingSession {
        RewritingSession {
            "exec strace -f -qq -o \(shellQuote(file)) -e trace=open,openat,creat,rename,renameat,renameat2,link,linkat,mkdir sh -c "
                + shellQuote($0)
        }
    }
}

/// A process counts as gone when it no longer exists or is a zombie waiting to be reaped.
/// Whether `pid` still runs. With `command` (`sleep 900`), only if it runs that command: pids
/// wrap at 32,768 here, and on a busy machine a killed process's pid soon names another.
func isRunning(_ pid: String, command: String? = nil) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    guard state != "Z" && state != "X" else { return false }
    guard let command else { return true }
    let words = ((try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()).split(separator: 0)
    return words.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ") == command
}

/// Writes an executable with O_CLOEXEC, so that no process spawned by a parallel test inherits
/// the open file and makes running it fail with "Text file busy".
func writeScript(_ path: String, _ text: String, mode: mode_t) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    chmod(path, mode)
}
