import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// The shared history goes away as a deployment ends. An adversarial run found `hoist deploy`
/// printing its verdict, then hanging without a word for up to the outage limit (15 min),
/// holding the group's lock; Ctrl-C, even twice, did not end it.
@Suite struct RecordWaitTests {
    @Test(.timeLimit(.minutes(10)))
    func aStopGivesUpWaitingForAStoreThatDoesNotAnswer() async throws {
        let group = try FolderGroup(["h1", "h2"])
        // The write of the deployment's end does not return until the test lets it.
        let released = Locked(false)
        let reachedEnd = Locked(false)
        let store = FaultyHistory(inner: group.history) { write in
            if case .update(_, let update) = write, update.status?.isFinal == true {
                reachedEnd.withLock { $0 = true }
                while !released.current { usleep(20_000) }
            }
            return false
        }
        let observer = RecordingObserver()
        let stop = StopController()
        let finished = Locked(false)
        let v1 = try await group.revision("v1")
        let running = Task {
            defer { finished.withLock { $0 = true } }
            return try await group.deploy(v1, ports: group.ports(history: store, observer: observer), stop: stop)
        }
        // The deployment reaches its end in its own time (minutes when the whole suite starts
        // at once); the notice is due 3 s after that.
        let ended = await eventually { reachedEnd.current }
        try #require(ended, "the deployment never wrote its end: \(LockLostTests.notices(observer))")
        let told = await eventually(within: 120) {
            LockLostTests.notices(observer).contains { if case .waitingForHistory(_, .succeeded) = $0 { true } else { false } }
        }
        #expect(told, "\(LockLostTests.notices(observer))")
        stop.request()
        let gaveUp = await eventually(within: 120) { finished.current }
        #expect(gaveUp, "the deployment ended while the store still did not answer")
        #expect(!group.lockExists("h1") && !group.lockExists("h2"), "the lock was released")
        released.withLock { $0 = true }
        let report = try await running.value
        #expect(report.verdict.status == .succeeded)
        #expect(report.historyIncomplete, "\(report.historyFailures)")
    }
}
