import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A deployment that succeeded on every host but could not record its end (the shared store
/// went away as it ended: exit 7). The next deployment took it for abandoned and marked it
/// Failed (FAILED_AFTER_RESTART), so `hoist rollback` no longer found the last good revision.
@Suite struct UnrecordedEndTests {
    @Test(.timeLimit(.minutes(5)))
    func aSucceededDeploymentWhoseEndWasNotRecordedIsRecordedFromTheHosts() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let store = FaultyHistory(inner: group.history) { write in
            if case .update(_, let update) = write, update.status?.isFinal == true { return true }
            return false
        }
        let first = try await group.deploy(try await group.revision("v1"), ports: group.ports(history: store))
        #expect(first.verdict.status == .succeeded)
        #expect(first.historyIncomplete, "the end could not be recorded")
        let id = try #require(DeploymentID(first.id))
        #expect(try group.history.deployment(id)?.status == .inProgress)

        let observer = RecordingObserver()
        let second = try await group.deploy(try await group.revision("v2"), ports: group.ports(observer: observer))
        #expect(second.verdict.status == .succeeded)
        let recorded = try #require(try group.history.deployment(id))
        #expect(recorded.status == .succeeded, "\(recorded.status) \(recorded.errorCode?.rawValue ?? "")")
        #expect(try group.history.hosts(of: id).allSatisfy { $0.status == .succeeded })
        #expect(try group.history.events(of: id).allSatisfy { $0.status != .inProgress })
        let notices = LockLostTests.notices(observer)
        #expect(notices.contains { if case .abandonedDeploymentRecordedFromHosts(first.id, _) = $0 { true } else { false } }, "\(notices)")
        #expect(!notices.contains { if case .abandonedDeploymentMarkedFailed = $0 { true } else { false } }, "\(notices)")
    }
}
