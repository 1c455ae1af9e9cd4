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
        // A note after each batch that had lines left out: one, or two when the recorder's
        // queue ran only once the limit was passed (a loaded machine), then blocked.
        let notes = stored.filter { $0.text.hasPrefix("hoist: ") }
        let kept = stored.filter { !$0.text.hasPrefix("hoist: ") }
        try #require(!notes.isEmpty, "lines were left out, and said so")
        #expect(notes.allSatisfy { $0.text.hasSuffix(" lines of this output not recorded: the history store fell more than 64 KiB behind") },
                "\(notes.map(\.text))")
        let leftOut = notes.reduce(0) { $0 + (Int($1.text.split(separator: " ")[1]) ?? -total) }
        // Bounded: about 64 KiB of lines waited at a time, twice at most.
        #expect(kept.count < 2_000, "\(kept.count) lines waited for the store")
        #expect(kept.count + leftOut == total, "\(kept.count) kept and \(leftOut) left out of \(total)")
        let numbers = kept.compactMap { Int($0.text.dropFirst("line ".count)) }
        #expect(numbers.first == 0 && zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 }, "what was kept is in order, from the first line")
    }
}
