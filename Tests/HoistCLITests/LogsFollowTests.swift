import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// `hoist logs ID --follow | head -1`: once its reader has gone, --follow ends, though the
/// deployment is still running and prints nothing more (SIGPIPE is ignored, and there is no
/// write to fail).
extension PlaybookHistoryTests {
    @Test func followEndsOnceItsReaderHasGone() throws {
        let scratch = try ScratchDirectory("hoist-follow-reader-gone")
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: deploys.sqlite3\n")
        try history(at: scratch.file("deploys.sqlite3"), in: scratch, id: "d-FOLLOW001", createdBy: "alice@laptop",
                    description: "long", output: "first line", status: .inProgress)
        let follow = try HoistBinary.start(["logs", "d-FOLLOW001", "--follow", "--playbook", "web.yml"],
                                           environment: ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg")],
                                           currentDirectory: scratch.url)
        let gotLine = follow.waitForStdout(containing: "first line\n", seconds: 60)
        follow.closeStdout()
        let status = follow.waitForExit(seconds: 60)
        if status == nil { follow.send(SIGKILL) }
        let ended = follow.finish()
        #expect(gotLine, "\(ended.stdout)\(ended.stderr)")
        #expect(status == 0, "still following a minute after its reader went away: \(ended.stderr)")
    }
}
