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
        let store = FaultyHistory.losingEnds(inner: group.history)
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

    /// A history that took the deployment's start and nothing more (its disk full): no host
    /// rows either. The group's hosts that hold a record of it are its hosts; as many as it
    /// had, all Succeeded, it is recorded Succeeded. It was marked Failed, and `hoist rollback`
    /// then had nothing to roll back to.
    @Test(.timeLimit(.minutes(5)))
    func aDeploymentWithNoHostRecordedIsRecordedFromTheHostsThatHoldIt() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        let store = FaultyHistory(inner: group.history) { write in
            if case .create = write { return false }
            return true
        }
        let first = try await group.deploy(try await group.revision("v1"), plan: group.plan(only: ["h1", "h2"]),
                                           ports: group.ports(history: store))
        #expect(first.verdict.status == .succeeded)
        let id = try #require(DeploymentID(first.id))
        #expect(try group.history.hosts(of: id).isEmpty)

        _ = try await group.deploy(try await group.revision("v2"), plan: group.plan(only: ["h3"]))
        let recorded = try #require(try group.history.deployment(id))
        #expect(recorded.status == .succeeded, "\(recorded.status) \(recorded.errorCode?.rawValue ?? "")")
        #expect(try group.history.hosts(of: id).map(\.host).sorted() == ["h1", "h2"], "h3 never received it")
        #expect(try group.history.hosts(of: id).allSatisfy { $0.status == .succeeded })
    }
}
