import Foundation
import HoistTestSupport
import Testing

/// The live view of `hoist local` on a pseudo-terminal (`script`): what it costs the
/// terminal, and what is on screen when it ends.
extension LocalCommandTests {
    /// A revision whose AfterInstall prints `lines` numbered lines and exits `exit`.
    func chattyRevision(_ name: String, lines: Int, exit: Int = 0) throws -> String {
        try scratch.write("\(name)/appspec.yml", """
            version: 0.0
            os: linux
            hooks:
              AfterInstall:
                - location: scripts/chatty.sh
            """)
        try scratch.write("\(name)/scripts/chatty.sh", "#!/bin/sh\nseq 1 \(lines)\nexit \(exit)\n", mode: 0o755)
        return scratch.file(name)
    }

    /// How many times the status block was drawn: its first line, `[0/1 done: …`.
    func statusBlocks(_ output: String) -> Int {
        output.components(separatedBy: " done: ").dropLast().filter { before in
            // `[done/total` just before it.
            guard let open = before.lastIndex(of: "[") else { return false }
            let counts = before[before.index(after: open)...].split(separator: "/", omittingEmptySubsequences: false)
            return counts.count == 2 && counts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        }.count
    }

    /// A chatty hook must not cost a redraw of the status block per line: the block is
    /// redrawn at most every 100 ms, so what reaches the terminal grows with the lines, not
    /// with lines × block.
    @Test func aChattyHookDoesNotRedrawTheStatusBlockForEveryLine() throws {
        let lines = 20_000
        let quiet = try localOnATerminal([try chattyRevision("quiet", lines: lines)])
        #expect(quiet.status == 0, "\(quiet.stdout.suffix(2000))")
        let drawn = statusBlocks(quiet.stdout)
        #expect(drawn >= 1, "the block was drawn: \(quiet.stdout.suffix(2000))")
        #expect(drawn < lines / 10, "\(drawn) status blocks for \(lines) output lines")

        // With -v every line scrolls by, whole and in order, with as few redraws.
        let verbose = try localOnATerminal([try chattyRevision("verbose", lines: lines), "-v"])
        #expect(verbose.status == 0, "\(verbose.stdout.suffix(2000))")
        #expect(statusBlocks(verbose.stdout) < lines / 10, "\(statusBlocks(verbose.stdout)) status blocks for \(lines) output lines")
        let shown = TerminalScreen.lines(verbose.stdout).compactMap { line -> Int? in
            guard let range = line.range(of: "localhost AfterInstall | ") else { return nil }
            return Int(line[range.upperBound...])
        }
        #expect(shown == Array(1...lines), "\(shown.count) lines shown; first out of place: \(zip(shown, 1...).first { $0 != $1 }.map { "\($0)" } ?? "none")")
    }

    /// When it ends, the status block is gone and the closing lines are the last thing on
    /// screen.
    @Test func aFailedRunEndsWithItsClosingLinesAndNoStatusBlock() throws {
        let out = try localOnATerminal([try chattyRevision("broken", lines: 3, exit: 7)])
        #expect(out.status == 3, "\(out.stdout.suffix(2000))")
        let screen = TerminalScreen.lines(out.stdout).filter { !$0.isEmpty }
        let verdict = try #require(screen.lastIndex { $0.hasPrefix("deployment d-") }, "a verdict: \(screen)")
        #expect(screen[verdict].contains(" Failed: "), "\(screen[verdict])")
        #expect(screen.last?.hasPrefix("See the deployment log at ") == true, "\(screen.suffix(5))")
        #expect(screen[(verdict + 1)...].allSatisfy { $0.hasPrefix("Local deployment failed: ") || $0.hasPrefix("See the deployment log at ") },
                "only the closing lines follow the verdict: \(screen[verdict...])")
    }
}
