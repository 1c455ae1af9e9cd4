import Foundation
import Testing
import HoistCore
import HoistHistory
import HoistTestSupport
@testable import HoistEngine

/// A hook that prints faster than the history store takes its lines: the recorder queued a
/// closure per line without bound (585 MB for 2 million lines behind a slow store).
@Suite struct HistoryRecorderTests {
    @Test(.timeLimit(.minutes(5)))
    func outputWaitingForASlowStoreIsBoundedAndWhatIsLeftOutIsSaid() async throws {
        let scratch = try ScratchDirectory("hoist-recorder")
        let sqlite = try SQLiteHistoryStore(path: scratch.file("history.sqlite3"))
        let id = DeploymentID.random()
        try sqlite.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "web", playbookPath: "/p.yml", createdBy: "alice@laptop",
            revisionPath: "/rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Date()))
        // The first output write does not return until the test lets it: the store is behind.
        let released = Locked(false)
        let store = FaultyHistory(inner: sqlite) { write in
            if case .output = write { while !released.current { usleep(5_000) } }
            return false
        }
        let recorder = HistoryRecorder(store: store, id: id, hosts: [HostSpec(name: "h1", address: "10.0.0.1")],
                                       maxWaitingOutputBytes: 64 << 10)
        let time = Date()
        let total = 10_000
        for n in 0..<total {
            recorder.handle(.output(host: "h1", event: .afterInstall, line: OutputLine(.stdout, "line \(n)"), time: time))
        }
        released.withLock { $0 = true }
        await recorder.flush()
        #expect(recorder.failures.isEmpty, "\(recorder.failures)")

        let stored = try sqlite.output(of: id, limit: total + 10)
        let note = try #require(stored.last, "lines were stored")
        #expect(note.text.hasPrefix("hoist: ") && note.text.hasSuffix(" lines of this output not recorded: the history store fell more than 64 KiB behind"),
                "\(note.text)")
        let leftOut = Int(note.text.split(separator: " ")[1]) ?? -1
        let kept = stored.dropLast()
        // Bounded: about 64 KiB of lines waited (a batch may have been taken before the cap).
        #expect(kept.count < 2_000, "\(kept.count) lines waited for the store")
        #expect(kept.count + leftOut == total, "\(kept.count) kept and \(leftOut) left out of \(total)")
        #expect(kept.enumerated().allSatisfy { $0.element.text == "line \($0.offset)" }, "what was kept is the first lines, in order")
    }
}
