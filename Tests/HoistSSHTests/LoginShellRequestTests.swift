import Foundation
@testable import HoistSSH
import Testing

/// sshd runs an exec request as `$SHELL -c REQUEST`: the request must give sh the same
/// command whichever shell that is (fish and tcsh are installed by scripts/setup).
@Suite("SSH adapter: exec requests through any login shell")
struct LoginShellRequestTests {
    /// Every character some shell treats specially: quotes, backslashes (fish reads `\\` and
    /// `\'` in single quotes), `!` and newlines (csh), `$`, backquotes, UTF-8, tabs.
    static let command = """
        x='it'\\''s'; printf '%s|%s|%s\\n' "$x" 'a\\\\b' "caf\u{e9} !1 `echo q` \\$HOME"
        printf 'tab\\there\\n' 2>/dev/null; umask
        """

    @Test(arguments: ["/bin/sh", "/bin/bash", "/usr/bin/zsh", "/usr/bin/fish", "/usr/bin/tcsh"])
    func everyLoginShellRunsTheCommandInSh(shell: String) throws {
        guard FileManager.default.isExecutableFile(atPath: shell) else {
            // zsh is not one of scripts/setup's packages: the others are.
            try #require(shell == "/usr/bin/zsh", "\(shell) is missing: run scripts/setup")
            return
        }
        let direct = try Self.run("/bin/sh", ["-c", "umask 022; " + Self.command])
        #expect(direct.contains("it's|a\\\\b|caf\u{e9} !1 q $HOME\n"), "\(direct)")
        let throughLogin = try Self.run(shell, ["-c", LoginShellRequest.request(Self.command)])
        #expect(throughLogin == direct, "\(shell)")
    }

    /// A command of plain words goes to the login shell without an `sh` in between, and runs
    /// there as in sh, after the same umask.
    @Test(arguments: ["/bin/sh", "/bin/bash", "/usr/bin/zsh", "/usr/bin/fish", "/usr/bin/tcsh"])
    func aCommandOfPlainWordsNeedsNoSh(shell: String) throws {
        guard FileManager.default.isExecutableFile(atPath: shell) else {
            try #require(shell == "/usr/bin/zsh", "\(shell) is missing: run scripts/setup")
            return
        }
        let plain = "exec /bin/sh -c umask"
        #expect(LoginShellRequest.request(plain) == "umask 022; " + plain)
        #expect(try Self.run(shell, ["-c", LoginShellRequest.request(plain)]) == "0022\n", "\(shell)")
        #expect(LoginShellRequest.request("exec bash --noprofile --norc -s") == "umask 022; exec bash --noprofile --norc -s")
        // Not plain: zsh would expand the `=` word, and sh parses the rest.
        #expect(LoginShellRequest.request("echo =ls").hasPrefix("exec sh -c "))
    }

    private static func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        // A login shell's startup files would print or change things: HOME with none.
        process.environment = ["HOME": "/nonexistent", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
