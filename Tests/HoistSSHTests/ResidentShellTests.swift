import Foundation
import HoistCore
@testable import HoistSSH
import Testing

/// The resident shell's framing (pure), and commands run through it on a real sshd.
@Suite("Resident shell")
struct ResidentShellTests {
    /// Feeds `chunks` to a scanner and returns (output, status, what it held back).
    static func scan(_ chunks: [[UInt8]], marker: String = "HOIST-END-abc") -> (String, Int32?) {
        var scanner = EndMarkerScanner(marker: marker)
        var output: [UInt8] = []
        var status: Int32?
        for chunk in chunks where status == nil {
            status = chunk.withUnsafeBytes { scanner.feed($0) { output.append(contentsOf: $0) } }
        }
        return (String(decoding: output, as: UTF8.self), status)
    }

    @Test func theEndLineIsFoundWhetherOrNotTheOutputEndedWithANewline() {
        #expect(Self.scan([Array("a\nb\n\nHOIST-END-abc 0\n".utf8)]) == ("a\nb\n", 0))
        #expect(Self.scan([Array("no newline\nHOIST-END-abc 3\n".utf8)]) == ("no newline", 3))
        #expect(Self.scan([Array("\nHOIST-END-abc 137\n".utf8)]) == ("", 137))
    }

    @Test func anEndLineSplitAcrossEveryByteIsFound() {
        let bytes = Array("out put\n\nHOIST-END-abc 42\n".utf8)
        #expect(Self.scan(bytes.map { [$0] }) == ("out put\n", 42))
    }

    @Test func lookalikesAndAnotherShellsMarkerAreOutput() {
        let text = "HOIST-END-abc 1\nxHOIST-END-abc 2\n\nHOIST-END-abd 3\n\nHOIST-END-ab"
        #expect(Self.scan([Array(text.utf8), Array("c 5\n".utf8)]) == ("HOIST-END-abc 1\nxHOIST-END-abc 2\n\nHOIST-END-abd 3\n", 5))
        // Without the end line nothing beyond the possible start of one is passed on.
        #expect(Self.scan([Array("abc\n\nHOIST-EN".utf8)]) == ("abc\n", nil))
    }

    /// A line is passed on as soon as its newline arrives, though that newline could be the
    /// start of the end line; the output is the same either way.
    @Test func aLastLineIsNotHeldBackAndNothingIsDoubled() {
        var scanner = EndMarkerScanner(marker: "M")
        var output: [UInt8] = []
        _ = Array("started\n".utf8).withUnsafeBytes { scanner.feed($0) { output.append(contentsOf: $0) } }
        #expect(String(decoding: output, as: UTF8.self) == "started\n")
        let status = Array("\nM 0\n".utf8).withUnsafeBytes { scanner.feed($0) { output.append(contentsOf: $0) } }
        #expect(status == 0 && String(decoding: output, as: UTF8.self) == "started\n")
        // The newline passed on was output after all: it is not passed on twice.
        var second = EndMarkerScanner(marker: "M")
        var text: [UInt8] = []
        for chunk in ["a\n", "\nb\n", "\nM 1\n"] {
            _ = Array(chunk.utf8).withUnsafeBytes { second.feed($0) { text.append(contentsOf: $0) } }
        }
        #expect(String(decoding: text, as: UTF8.self) == "a\n\nb\n")
        #expect(Self.scan([Array("\n".utf8), Array("\nM 0\n".utf8)], marker: "M") == ("\n", 0))
    }

    @Test func lateBytesAfterTheEndLineBelongToTheNextCommand() {
        var scanner = EndMarkerScanner(marker: "M")
        var first: [UInt8] = []
        let status = Array("one\n\nM 0\nlate\n\nM 7\n".utf8).withUnsafeBytes { scanner.feed($0) { first.append(contentsOf: $0) } }
        #expect(status == 0 && String(decoding: first, as: UTF8.self) == "one\n")
        var second: [UInt8] = []
        #expect(scanner.scan { second.append(contentsOf: $0) } == 7)
        #expect(String(decoding: second, as: UTF8.self) == "late\n")
    }

    @Test func statusesAbove128AreSignalsAsAnExecChannelReportsThem() {
        #expect(ShellFraming.result(status: 137, timedOut: false, durationSeconds: 0).signal == "KILL")
        #expect(ShellFraming.result(status: 137, timedOut: false, durationSeconds: 0).exitStatus == nil)
        #expect(ShellFraming.result(status: 3, timedOut: false, durationSeconds: 0).exitStatus == 3)
        #expect(ShellFraming.result(status: 128, timedOut: false, durationSeconds: 0).exitStatus == 128)
    }

    /// The line a framed command carries, checked to follow `hoist_run` and its byte count.
    static func line(_ framed: String) -> String {
        let head = framed.prefix { $0 != "\n" }
        let line = String(framed.dropFirst(head.count + 1))
        #expect(head == "hoist_run \(line.utf8.count)", "\(framed)")
        return line
    }

    @Test func theCommandAndItsMarkerAreQuoted() {
        let framing = ShellFraming(marker: "HOIST-END-x")
        let command = { (text: String, input: Int?) in Self.line(framing.command(text, inputCount: input)) }
        let line = command("echo 'it''s' $(id)", nil)
        #expect(line.hasSuffix("; hoist_end\n"))
        #expect(line.contains(shellQuote(RemoteCommandWrapper.wrap("echo 'it''s' $(id)"))), "alone in its job, sh is its leader")
        #expect(command("cat", 1).contains(shellQuote(RemoteCommandWrapper.announced("cat"))), "behind head, the kernel says the group")
        #expect(!line.contains("exec sh -c"), "the command runs in the job's shell itself")
        #expect(!line.contains("HOIST-END-x"), "the marker must not be on a command line the command can see")
        #expect(command("cat", 12).hasPrefix("head -c 12 | sh -c "))
        // A plain exec of quoted words runs in a subshell of bash: no sh; perl (a hook) in a
        // fork of the shell's resident perl.
        #expect(command("exec env 'a b'", nil).hasPrefix("( read -r _ _ _ _ hoist_pgid"))
        let perl = ResidentPerlProgram.start
        #expect(command(perl + "/r.pl 'a b'", nil) == "PERL_BADLANG= hoist_perl /r.pl 'a b' </dev/null 2>&4; hoist_end\n")
        #expect(command(perl + "/r.pl", 3).hasPrefix("head -c 3 | sh -c "), "with input, perl is exec'd")
        #expect(command("exec perl /r.pl", nil).hasPrefix("( read"), "perl started another way is exec'd")
        #expect(command(perl + "/r.pl; echo x", nil).hasPrefix("sh -c "))
        #expect(!ResidentPerl.server.contains("'"), "the prologue carries the server as one quoted word")
        #expect(framing.prologue.contains("hoist_perl_up() {"))
        #expect(command("execute 'a'", nil).hasPrefix("sh -c "))
        #expect(Self.line(framing.command("echo naïve ✓", inputCount: nil)).contains("naïve ✓"), "counted in bytes")
        #expect(ShellFraming.framed("echo a\0b") == "echo a\0b", "bash drops a NUL uncounted: such a line goes plain")
        #expect(framing.prologue.contains("set -m\n"), "job control gives each command its own process group")
    }

    /// bash takes a framed command in one read: exactly its bytes, counted as bytes even in a
    /// UTF-8 locale (where `read -N` would count characters and eat the next command's input),
    /// so the input after it reaches `head -c` whole. A command cut short by the end of the
    /// stream runs not even in part, where a plain line would have run up to the cut.
    @Test func theShellReadsAFramedCommandWholeOrNotAtAll() async throws {
        let framing = ShellFraming(marker: "HOIST-END-t")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("framed-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let input = "input ✓ after\n"
        let script = framing.prologue
            + framing.command("printf '%s\\n' 'naïve ✓ € 😀'; cat", inputCount: input.utf8.count) + input
            + framing.command("echo second", inputCount: nil)
            + String(framing.command("touch \(shellQuote(folder + "/cut")); echo ran", inputCount: nil).dropLast(6))
        let (result, out, _) = try await LocalShell.capture(
            "cat | exec bash --noprofile --norc -s", environment: ["LANG": "C.UTF-8", "LC_ALL": ""], input: script)
        #expect(result.exitStatus == 1, "the cut command's read found the end of the stream")
        #expect(out == "\nHOIST-END-t 0\nnaïve ✓ € 😀\ninput ✓ after\n\nHOIST-END-t 0\nsecond\n\nHOIST-END-t 0", "\(out)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/cut"))
    }

    /// A perl that cannot take the request (one that ended, not yet reaped by bash when the
    /// next hook starts) costs neither the shell nor the command: the write's SIGPIPE is
    /// ignored, nothing ran, and the command runs in a subshell as before, announcing its group.
    @Test func aRequestThePerlCannotTakeRunsTheCommandAsBefore() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("resident-\(UUID().uuidString.prefix(6)).pl").path
        try "print \"ran @ARGV\\n\"; exit 4;\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Descriptor 8 is a pipe whose reader has exited; bash takes its own pid for the perl's.
        let script = "exec 4>&2\n" + ResidentPerl.functions + """
            exec 8> >(exit 0); wait $!
            exec 9</dev/null
            hoist_perl_pid=$$
            hoist_perl \(shellJoin([file, "a b"])) </dev/null 2>&4
            echo "status $? shell alive"
            """
        let (_, out, err) = try await LocalShell.capture("exec bash -c \(shellQuote(script))", timeoutSeconds: 60)
        #expect(out == "ran a b\nstatus 4 shell alive")
        #expect(err.hasPrefix(RemoteCommandWrapper.marker), "\(err)")
    }

    // MARK: - On a real sshd

    let sshd = LocalSSHD.shared

    /// Many commands with stdin of every kind on one session, each with exactly its own input,
    /// output and status; a command cannot end another's output by printing a marker-like line.
    @Test func commandsWithInputKeepTheirOwnBytesAndStatus() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let inputs = ["", "no newline", "two\nlines\n", "HOIST-END-0 0\n", String(repeating: "x", count: 200_000) + "\n", "naïve ✓\n\n"]
        for (index, input) in inputs.enumerated() {
            let (result, out, err) = try await session.capture("wc -c; printf '\\nHOIST-END-0 0\\n' >&2; exit \(index)", input: Array(input.utf8))
            #expect(result.exitStatus == Int32(index))
            #expect(out == "\(input.utf8.count)")
            #expect(err == "\nHOIST-END-0 0")
        }
    }

    /// A command's wait for a quiet host sleeps until something is due (here: nothing, for up
    /// to ten minutes) rather than waking every second: a command queued beside it (a
    /// heartbeat) and a cancellation wake it. Without the wake, the side command would wait
    /// for the quiet one's end (300 s on), and the cancelled one would run to its end and not
    /// throw. When the wakes work it takes seconds, however long a busy machine keeps this
    /// test from its next step.
    @Test(arguments: [true, false])
    func aQuietCommandsWaitIsWokenForASideCommandAndACancel(resident: Bool) async throws {
        let session = try await LocalSSHD.connector {
            $0.residentShell = resident; $0.keepaliveSeconds = 0; $0.quietWaitSeconds = 600
        }.connect(sshd.host())
        defer { Task { await session.close() } }
        let ended = Locked(false)
        let (lines, line) = AsyncStream.makeStream(of: String.self)
        let long = Task {
            defer { ended.withLock { $0 = true } }
            return try await session.run("echo started; sleep 300", timeoutSeconds: nil, killGraceSeconds: 1) { line.yield($0.text) }
        }
        // Once it printed, the long command holds the session's thread: a side command queued
        // before that would find the thread idle and run as a job of its own.
        var iterator = lines.makeAsyncIterator()
        #expect(await iterator.next() == "started")
        let side = try await session.runBeside("echo beside", timeoutSeconds: 60) { _ in }
        #expect(side.exitStatus == 0)
        #expect(!ended.current, "the side command ran while the quiet command still ran")
        long.cancel()
        await #expect(throws: CancellationError.self) { _ = try await long.value }
    }

    /// A background process that keeps writing after its command ended does not stop the next
    /// command from being read correctly (its late lines may show in that command's output).
    @Test func aBackgroundWriterDoesNotDerailTheNextCommand() async throws {
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let (first, _, _) = try await session.capture("(sleep 0.2; echo late) & echo now")
        #expect(first.exitStatus == 0)
        for index in 0..<5 {
            let (result, out, _) = try await session.capture("sleep 0.1; echo cmd\(index); exit \(index)")
            #expect(result.exitStatus == Int32(index))
            #expect(out.split(separator: "\n").last.map(String.init) == "cmd\(index)")
        }
    }

    /// A program that names `HOIST_NOW` gets the host's clock from the resident shell, with no
    /// `date`; the lock's `now` takes it. Other commands' environments stay as they were, and on
    /// an exec channel the program falls back to `date`.
    @Test func theResidentShellGivesTheClockToProgramsThatAskForIt() async throws {
        let before = Int(Date().timeIntervalSince1970)
        let program = HostClock.nowAssignment + "; printf '%s %s\\n' \"${HOIST_NOW:-unset}\" \"$now\""
        for resident in [true, false] {
            let session = try await LocalSSHD.connector { $0.residentShell = resident }.connect(sshd.host())
            defer { Task { await session.close() } }
            let (result, out, _) = try await session.capture(program)
            #expect(result.exitStatus == 0)
            let fields = out.split(separator: " ").map(String.init)
            #expect(fields.count == 2 && (fields[0] == "unset") != resident, "\(out)")
            let now = try #require(Int(fields.last ?? ""), "\(out)")
            #expect(now >= before && now <= Int(Date().timeIntervalSince1970))
            let (_, environment, _) = try await session.capture("env")
            #expect(!environment.contains("HOIST_"))
        }
    }

    /// Exec channels still work when the resident shell is turned off.
    @Test func withoutTheResidentShellCommandsRunOnExecChannels() async throws {
        let session = try await LocalSSHD.connector { $0.residentShell = false }.connect(sshd.host())
        defer { Task { await session.close() } }
        let (result, out, _) = try await session.capture("echo $PPID; echo ok", input: Array("in\n".utf8))
        #expect(result.exitStatus == 0 && out.hasSuffix("\nok"))
    }

    /// Through the fleet's WAN relay, ten commands on one session cost fewer round trips with
    /// the resident shell than on exec channels (a count from the relay, not a time).
    @Test func theResidentShellCutsRoundTrips() async throws {
        var turns: [Bool: Int] = [:]
        for resident in [true, false] {
            let relay = try RelayProcess(upstreamPort: sshd.port, rttMilliseconds: 60)
            defer { relay.stop() }
            var host = sshd.host()
            host.port = relay.port
            host.knownHostsFile = sshd.path("known_hosts_shell_\(UUID().uuidString.prefix(6))")
            host.hostKeyChecking = .acceptNew
            let session = try await LocalSSHD.connector { $0.residentShell = resident }.connect(host)
            for index in 0..<10 {
                let (result, out, _) = try await session.capture("echo \(index)")
                #expect(result.exitStatus == 0 && out == "\(index)")
            }
            await session.close()
            turns[resident] = try relay.waitForConnectionLog().turns
        }
        #expect(turns[true]! < turns[false]!, "round trips: resident shell \(turns[true]!), exec channels \(turns[false]!)")
    }

    // MARK: - The resident perl

    /// A program file for the resident perl tests: prints how it runs, sleeps as many seconds
    /// as its second argument says, and ends with the status its first names. `BEGIN` appends
    /// a line to `<file>.compiled` each time perl compiles it.
    static func perlProgram(at file: String, resident: Bool) throws {
        let text = (resident ? ResidentPerlProgram.firstLine + "\n" : "") + #"""
            BEGIN { open(my $c, ">>", "FILE.compiled"); print $c "compiled\n"; close $c }
            our ($status, $sleep) = @ARGV;
            $| = 1;
            sub fds { opendir(my $d, "/proc/self/fd") or return ""; join(",", sort { $a <=> $b } grep { /^\d+$/ } readdir $d) }
            my $in = <STDIN>;
            print "parent=", getppid(), " group=", getpgrp(), " fds=", fds(), " stdin=", (defined $in ? "data" : "eof"), "\n";
            print STDERR "args=@ARGV\n";
            sleep $sleep if $sleep;
            exit $status;
            """#.replacingOccurrences(of: "FILE", with: file)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }

    static func field(_ name: String, _ line: String) -> String {
        line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) } ?? ""
    }

    /// A program marked as resident is compiled once per session and each run is a fork of one
    /// perl, in a process group of its own that it announces, with stdin from /dev/null, no
    /// descriptor but 0 to 2, its own output and its own status. Another perl program is
    /// compiled every run.
    @Test func aResidentPerlProgramIsCompiledOncePerSessionAndRunInForks() async throws {
        let resident = sshd.path("resident-\(UUID().uuidString.prefix(6)).pl")
        let plain = sshd.path("plain-\(UUID().uuidString.prefix(6)).pl")
        try Self.perlProgram(at: resident, resident: true)
        try Self.perlProgram(at: plain, resident: false)
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        var parents: Set<String> = []
        var groups: Set<String> = []
        for status in [0, 3, 0, 7] {
            let (result, out, err) = try await session.capture("\(ResidentPerlProgram.start)\(shellJoin([resident, String(status), "0"]))")
            #expect(result.exitStatus == Int32(status))
            #expect(err == "args=\(status) 0")
            // 3 is the listing's own.
            #expect(Self.field("fds", out) == "0,1,2,3" && Self.field("stdin", out) == "eof", "\(out)")
            parents.insert(Self.field("parent", out))
            groups.insert(Self.field("group", out))
        }
        #expect(parents.count == 1, "every run is a fork of one perl: \(parents)")
        #expect(groups.count == 4, "each run is in a group of its own: \(groups)")
        #expect(try String(contentsOfFile: resident + ".compiled", encoding: .utf8) == "compiled\n")
        for status in [2, 4] {
            let (result, out, _) = try await session.capture("\(ResidentPerlProgram.start)\(shellJoin([plain, String(status), "0"]))")
            #expect(result.exitStatus == Int32(status) && Self.field("fds", out) == "0,1,2,3")
        }
        #expect(try String(contentsOfFile: plain + ".compiled", encoding: .utf8) == "compiled\ncompiled\n")
    }

    /// A run stopped at its timeout (the group it announced is signalled) ends the command, and
    /// the next run gets its own status. A resident perl that was killed between commands is
    /// started again.
    @Test func aStoppedRunOrAKilledPerlDoesNotDerailTheNextRun() async throws {
        let program = sshd.path("resident-\(UUID().uuidString.prefix(6)).pl")
        try Self.perlProgram(at: program, resident: true)
        let session = try await LocalSSHD.connector().connect(sshd.host())
        defer { Task { await session.close() } }
        let (first, firstOut, _) = try await session.capture("\(ResidentPerlProgram.start)\(shellJoin([program, "0", "0"]))")
        let perl = Self.field("parent", firstOut)
        #expect(first.exitStatus == 0 && !perl.isEmpty, "\(firstOut)")
        let (slow, _, _) = try await session.capture("\(ResidentPerlProgram.start)\(shellJoin([program, "9", "600"]))", timeoutSeconds: 2)
        #expect(slow.timedOut && slow.exitStatus != 9)
        let (next, out, _) = try await session.capture("\(ResidentPerlProgram.start)\(shellJoin([program, "5", "0"]))")
        #expect(next.exitStatus == 5 && Self.field("stdin", out) == "eof", "\(next) \(out)")
        // The signal reached the run itself: the shell and its perl went on, none was replaced.
        #expect(Self.field("parent", out) == perl)

        // Killed, and gone (or a zombie the shell has yet to reap) before the next run: a perl
        // that dies while a run is handed to it is another case (the run fails with 126).
        let (killed, _, _) = try await session.capture(
            "kill -KILL \(shellQuote(perl)) && while read -r _ _ s _ </proc/\(shellQuote(perl))/stat 2>/dev/null && [ \"$s\" != Z ]; do sleep 0.01; done")
        #expect(killed.exitStatus == 0)
        let (again, outAgain, _) = try await session.capture("\(ResidentPerlProgram.start)\(shellJoin([program, "6", "0"]))")
        #expect(again.exitStatus == 6)
        #expect(Self.field("parent", outAgain) != perl && !Self.field("parent", outAgain).isEmpty)
    }
}
