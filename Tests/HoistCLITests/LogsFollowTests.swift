import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist logs ID --follow` ends with what it follows: once its reader has gone (`| head -1`),
/// though the deployment is still running and prints nothing more (SIGPIPE is ignored, and
/// there is no write to fail), and once the deployment ends, saying how.
extension PlaybookHistoryTests {
    /// A running deployment `id` with one line in a playbook's SQLite history, and
    /// `hoist logs ID --follow` started once it has printed that line.
    func following(_ id: String, in scratch: ScratchDirectory) throws -> (RunningHoist, gotLine: Bool) {
        _ = try RevisionFixtures.playbook(in: scratch, extra: "history: deploys.sqlite3\n")
        try history(at: scratch.file("deploys.sqlite3"), in: scratch, id: id, createdBy: "alice@laptop",
                    description: "long", output: "first line", status: .inProgress)
        let follow = try HoistBinary.start(["logs", id, "--follow", "--playbook", "web.yml"],
                                           environment: ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg")],
                                           currentDirectory: scratch.url)
        return (follow, follow.waitForStdout(containing: "first line\n", seconds: 60))
    }

    @Test func followEndsOnceItsReaderHasGone() throws {
        let scratch = try ScratchDirectory("hoist-follow-reader-gone")
        let (follow, gotLine) = try following("d-FOLLOW001", in: scratch)
        follow.closeStdout()
        let status = follow.waitForExit(seconds: 60)
        if status == nil { follow.send(SIGKILL) }
        let ended = follow.finish()
        #expect(gotLine, "\(ended.stdout)\(ended.stderr)")
        #expect(status == 0, "still following a minute after its reader went away: \(ended.stderr)")
    }

    /// A followed deployment that another command marks Failed ends the follow with its
    /// status and why: it used to end silently, as one that succeeded does.
    @Test func followSaysHowTheDeploymentEnded() throws {
        let scratch = try ScratchDirectory("hoist-follow-ended")
        let (follow, gotLine) = try following("d-FOLLOW002", in: scratch)
        let store = try SQLiteHistoryStore(path: scratch.file("deploys.sqlite3"))
        _ = try store.markFailedAfterRestart(DeploymentID("d-FOLLOW002")!, reason: "its coordinator stopped", at: Date())
        let status = follow.waitForExit(seconds: 120)
        if status == nil { follow.send(SIGKILL) }
        let ended = follow.finish()
        #expect(gotLine, "\(ended.stdout)\(ended.stderr)")
        #expect(status == 0, "\(ended.stderr)")
        #expect(ended.stderr.contains("hoist: d-FOLLOW002 ended Failed: its coordinator stopped"), "\(ended.stderr)")
    }
}
