import Foundation
import HoistCore
@testable import HoistSSH
import HoistTestSupport
import Testing

/// The resident perl's file operations (`ResidentFileOps`): done by the perl where it takes
/// them, and, for every call, the same files, statuses and messages as the programs give.
@Suite("Resident file operations")
struct ResidentFileOpsTests {
    /// Runs `program` (after `ResidentFileOps.functions`) through the resident shell's framing
    /// in a local bash, as a host's resident shell runs it, then `after`, a command of its own.
    /// Returns each command's status and stdout.
    static func resident(_ program: String, then after: String? = nil) async throws -> [(status: Int32?, out: String)] {
        let framing = ShellFraming(marker: "HOIST-END-f")
        var script = framing.prologue + framing.command(ResidentFileOps.functions + program, inputCount: nil)
        if let after { script += framing.command(after, inputCount: nil) }
        let (result, out, err) = try await LocalShell.capture("cat | exec bash --noprofile --norc -s", input: script)
        #expect(result.exitStatus == 0, "\(err)")
        // The prologue's end line, then each command's output and end line.
        let parts = ("\n" + out + "\n").components(separatedBy: "\nHOIST-END-f ").dropFirst()
        let statuses = parts.dropFirst().map { Int32($0.prefix { $0.isNumber }) }
        let outputs = parts.dropLast().map { String($0.drop { $0 != "\n" }.dropFirst()) }
        return zip(statuses, outputs).map { ($0, $1) }
    }

    /// Only a program that starts with the functions keeps the perl's pipes and is told it
    /// may ask: a user's command that merely names the variable gets neither.
    @Test func onlyAProgramStartingWithTheFunctionsKeepsThePerlsPipes() {
        let framing = ShellFraming(marker: "HOIST-END-x")
        let program = framing.command(ResidentFileOps.functions + "mv -f /a /b", inputCount: nil)
        #expect(program.contains("hoist_fs_up; \(ResidentFileOps.variable)=$hoist_fs sh -c "), "\(program)")
        #expect(!program.contains("8>&-"))
        let user = framing.command("echo \"$\(ResidentFileOps.variable)\"", inputCount: nil)
        #expect(!user.contains("hoist_fs_up") && user.contains(ShellFraming.shellDescriptorsClosed), "\(user)")
    }

    /// With no program on PATH, every form Hoist writes still works: the perl did each one.
    @Test func theFormsHoistWritesNeedNoProgram() async throws {
        let scratch = try ScratchDirectory("fileops")
        let d = scratch.path
        let q = shellQuote(d)
        let runs = try await Self.resident("""
            set -eu
            umask 027
            PATH=/nonexistent
            mkdir -p \(q)/a/b/c \(q)/logs
            mkdir \(q)/x
            mkdir -m 700 -- \(q)/private
            printf 'f\\n' >\(q)/f
            printf 'g\\n' >\(q)/a/b/c/file
            chmod 640 \(q)/f
            chmod -- 750 \(q)/logs
            mv -f \(q)/f \(q)/g
            mv -T \(q)/x \(q)/y
            rm -f -- \(q)/missing \(q)/g
            rm -rf \(q)/a
            rmdir --ignore-fail-on-non-empty -- \(q)/y
            echo done
            """)
        #expect(runs.first?.status == 0 && runs.first?.out == "done\n", "\(runs)")
        let names = try FileManager.default.contentsOfDirectory(atPath: d).sorted()
        #expect(names == ["logs", "private"])
        let mode = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(d + "/private") == 0o700)
        #expect(try mode(d + "/logs") == 0o750)
    }

    /// Each call, run once through the perl and once by the programs alone, on the same tree:
    /// the same statuses, messages and files. These include calls the perl must leave to the
    /// program (a move into a folder, a folder without `-r`, relative paths, set-group-ID
    /// folders, a folder that exists, a tree holding a link to a folder outside it).
    @Test func everyCallDoesWhatTheProgramDoes() async throws {
        let scratch = try ScratchDirectory("fileops")
        let d = scratch.path
        let q = shellQuote(d)
        let setUp = """
            rm -rf \(q)/t \(q)/outside; command mkdir -p \(q)/t/dir/sub \(q)/t/full/x \(q)/t/empty \(q)/t/sgid \(q)/outside/keep
            printf '1' >\(q)/t/file; printf '2' >\(q)/t/other; printf '3' >\(q)/t/dir/sub/deep; printf '4' >\(q)/outside/keep/k
            ln -s \(q)/outside \(q)/t/dir/link; ln -s \(q)/t/empty \(q)/t/linkdir; ln \(q)/t/file \(q)/t/hard
            command chmod 2755 \(q)/t/sgid
            """
        let calls = [
            "mv -f \(q)/t/file \(q)/t/dir", "mv -T \(q)/t/other \(q)/t/empty", "mv \(q)/t/hard \(q)/t/dir/sub/deep",
            "mv -f \(q)/t/dir/sub/deep \(q)/t/linkdir", "mv -T \(q)/t/full \(q)/t/empty", "mv -f \(q)/t/dir/file \(q)/t/dir/file",
            "mv -f \(q)/t/nothing \(q)/t/x", "rm \(q)/t/full", "rm -f \(q)/t/nothing", "rm \(q)/t/nothing",
            "rm -rf \(q)/t/dir", "rmdir \(q)/t/full", "rmdir --ignore-fail-on-non-empty \(q)/t/full \(q)/t/empty",
            "mkdir \(q)/t/full", "mkdir -p \(q)/t/full/x/y \(q)/t/new/one", "mkdir -p \(q)/t/other/z",
            "chmod 700 \(q)/t/sgid", "chmod 640 \(q)/t/nothing", "chmod 600 \(q)/t/hard", "chmod u+x \(q)/t/other",
            "cd \(q)/t && mv other renamed", "mv \(q)/t/../t/hard \(q)/t/h2", "rm -rf \(q)/t/linkdir/",
        ]
        let program = setUp + "\n" + calls.map { "\($0) 2>&1; echo \"== $?\"" }.joined(separator: "\n") + """

            cd / && find \(q) -printf '%P %y %m %n\\n' | LC_ALL=C sort
            """
        let viaPerl = try await Self.resident(program).first?.out ?? ""
        let (_, alone, _) = try await LocalShell.capture("exec sh -c \(shellQuote(ResidentFileOps.functions + program))")
        #expect(viaPerl == alone + "\n")
        #expect(alone.contains("outside/keep/k f"), "rm -rf does not follow a link out of its tree")
        #expect(alone.contains("== 1"), "some calls fail")
    }

    /// A program killed while it waited leaves its answer in the pipe: the next call skips it,
    /// and a hook's status is still its own.
    @Test func anAnswerNobodyReadDerailsNoLaterCall() async throws {
        let scratch = try ScratchDirectory("fileops")
        let d = scratch.path
        let q = shellQuote(d)
        let hook = d + "/hook.pl"
        try "exit 4;\n".write(toFile: hook, atomically: true, encoding: .utf8)
        let stale = "printf '%s\\000' 6 '' stale.1 \"$$\" rm -f \(q)/none >&8"
        let runs = try await Self.resident("""
            \(stale)
            PATH=/nonexistent
            printf 'x' >\(q)/a
            mv -f \(q)/a \(q)/b && echo moved
            \(stale)
            """, then: ResidentPerlProgram.start + shellJoin([hook]))
        #expect(runs.count == 2 && runs[0].status == 0 && runs[0].out == "moved\n", "\(runs)")
        #expect(FileManager.default.fileExists(atPath: d + "/b"))
        #expect(runs.last?.status == 4, "the hook's status is its own: \(runs)")
    }
}

/// On a real sshd: the resident shell's perl does the calls, and an exec channel, where no
/// perl waits, runs the programs.
@Suite("Resident file operations on a real sshd")
struct ResidentFileOpsSessionTests {
    let sshd = LocalSSHD.shared

    @Test func theResidentShellsPerlDoesTheCallsAndAnExecChannelRunsThePrograms() async throws {
        for resident in [true, false] {
            let scratch = try ScratchDirectory("fileops")
            let d = scratch.path
            let q = shellQuote(d)
            let session = try await LocalSSHD.connector { $0.residentShell = resident }.connect(sshd.host())
            defer { Task { await session.close() } }
            let (result, out, err) = try await session.capture(ResidentFileOps.functions + """
                PATH=/nonexistent
                mkdir -p \(q)/x/y && mv -T \(q)/x \(q)/z && rm -rf \(q)/z && echo ok
                """)
            if resident {
                #expect(result.exitStatus == 0 && out == "ok", "\(out) \(err)")
                #expect(try FileManager.default.contentsOfDirectory(atPath: d).isEmpty)
            } else {
                #expect(result.exitStatus == 127, "no mkdir on PATH: \(err)")
            }
        }
    }
}
