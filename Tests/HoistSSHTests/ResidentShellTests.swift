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

    @Test func theCommandAndItsMarkerAreQuoted() {
        let framing = ShellFraming(marker: "HOIST-END-x")
        let line = framing.command("echo 'it''s' $(id)", inputCount: nil)
        #expect(line.hasSuffix("; hoist_end\n"))
        #expect(line.contains(shellQuote(RemoteCommandWrapper.announced("echo 'it''s' $(id)"))))
        #expect(!line.contains("exec sh -c"), "the command runs in the job's shell itself")
        #expect(!line.contains("HOIST-END-x"), "the marker must not be on a command line the command can see")
        #expect(framing.command("cat", inputCount: 12).hasPrefix("head -c 12 | sh -c "))
        // A plain exec of quoted words (a hook) runs in a subshell of bash: no sh.
        #expect(framing.command("exec perl /r.pl 'a b'", inputCount: nil).hasPrefix("( read -r _ _ _ _ hoist_pgid"))
        #expect(framing.command("exec perl /r.pl; echo x", inputCount: nil).hasPrefix("sh -c "))
        #expect(framing.command("execute 'a'", inputCount: nil).hasPrefix("sh -c "))
        #expect(framing.prologue.contains("set -m\n"), "job control gives each command its own process group")
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
}
