import Foundation
import HoistTestSupport
import Testing

/// The live view of `hoist local` on a pseudo-terminal (`script`): what is on screen when it
/// ends.
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
