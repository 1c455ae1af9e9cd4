import Foundation
import Testing
@testable import HoistCore

/// The quoting function is the only thing between user data and a remote shell, so it is
/// checked against a real `sh`: whatever goes in must come out of `printf %s` unchanged.
@Suite struct ShellQuoteTests {
    static let hostile: [String] = [
        "", "plain", "with space", "$(touch /tmp/pwned)", "`id`", "it's", "\"double\"",
        "a\nb", "tab\there", "back\\slash", "ünïcødé ✓", "'; rm -rf / #", "$HOME", "*", "~root",
        "-n", "a'b'c", "'", "''", "!bang", "semi;colon", "pipe|amp&", "<redir>", "#hash",
        "{brace}", "new\r\nline",
        // A quote that Swift sees as part of one Character with what follows it.
        "'\u{301}; id", "e\u{301}'x", "👍🏽'👍🏽",
    ]

    @Test(arguments: hostile)
    func roundTripsThroughRealShell(_ value: String) throws {
        let (status, output) = try Self.run("/bin/sh", "printf %s " + shellQuote(value))
        #expect(status == 0)
        #expect(output == value)
    }

    /// What `shell -c script` exits with and prints.
    static func run(_ shell: String, _ script: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: shell)
        p.arguments = ["-c", script]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func safeWordsStayBare() {
        #expect(shellQuote("/var/lib/hoist") == "/var/lib/hoist")
        #expect(shellQuote("a b") == "'a b'")
        #expect(shellQuote("it's") == "'it'\\''s'")
        #expect(shellQuote("") == "''")
    }

    /// Words `shellJoin` wrote are recognised as such, whatever they hold, and bash reads
    /// them exactly as sh does (the resident shell runs such commands in bash).
    @Test(arguments: hostile)
    func joinedWordsAreRecognisedAndMeanTheSameToBash(_ value: String) throws {
        let words = shellJoin(["printf", "%s|", value, "x" + value, value + "'"])
        #expect(isJoinedWords(words[...]))
        for shell in ["/bin/sh", "/bin/bash"] {
            let (status, output) = try Self.run(shell, words)
            #expect(status == 0 && output == "\(value)|x\(value)|\(value)'|", "\(shell)")
        }
    }

    @Test func textThatIsNotJoinedWordsIsNot() {
        for text in ["", " a", "a ", "a  b", "a;b", "$x", "a'b'", "'a'b", "'open", "'a'\\'", "\"a\"", "a\nb", "a|b", "`id`", "a\\ b"] {
            #expect(!isJoinedWords(text[...]), "\(text)")
        }
        for text in ["a", "''", "'it'\\''s'", "/usr/bin/perl 'a b' c", "'\n' ''"] {
            #expect(isJoinedWords(text[...]), "\(text)")
        }
    }

    @Test func joinQuotesEachWord() {
        #expect(shellJoin(["echo", "a b", "$x"]) == "echo 'a b' '$x'")
    }
}
