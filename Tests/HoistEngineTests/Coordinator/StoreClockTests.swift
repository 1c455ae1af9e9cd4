import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A coordinator records every time on the history's clock (`HistoryStore.clockOffset`): a
/// shared server's, not the laptop's. An adversarial run found a laptop whose clock was ten
/// minutes behind recording its deployment before the CI deployment it followed, so `hoist
/// list` showed it second and `hoist rollback` put back the revision the laptop had replaced.
@Suite struct StoreClockTests {
    /// Whether `time` is `offset` seconds after a time of this machine between `from` and `to`.
    static func shifted(_ time: Date?, by offset: TimeInterval, between from: Date, and to: Date) -> Bool {
        guard let time else { return false }
        let local = time.addingTimeInterval(-offset)
        return local >= from.addingTimeInterval(-1) && local <= to.addingTimeInterval(1)
    }

    @Test(.timeLimit(.minutes(5)), arguments: [600.0, -600.0])
    func aDeploymentIsRecordedOnTheStoresClock(offset: TimeInterval) async throws {
        let group = try FolderGroup(["h1", "h2"])
        let store = FaultyHistory(inner: group.history, clockOffset: offset)
        let before = Date()
        let report = try await group.deploy(try await group.revision("v1"), ports: group.ports(history: store))
        let after = Date()
        #expect(report.verdict.status == .succeeded)
        let id = try #require(DeploymentID(report.id))
        let record = try #require(try group.history.deployment(id))
        for (name, time) in [("created", record.createTime), ("started", record.startTime), ("ended", record.endTime)] {
            #expect(Self.shifted(time, by: offset, between: before, and: after), "\(name) \(String(describing: time)), this machine \(before)…\(after)")
        }
        for host in try group.history.hosts(of: id) {
            #expect(Self.shifted(host.startTime, by: offset, between: before, and: after), "\(host)")
            #expect(Self.shifted(host.endTime, by: offset, between: before, and: after), "\(host)")
        }
        let events = try group.history.events(of: id)
        #expect(!events.isEmpty)
        for event in events {
            #expect(Self.shifted(event.startTime, by: offset, between: before, and: after), "\(event)")
            #expect(Self.shifted(event.endTime, by: offset, between: before, and: after), "\(event)")
        }
        let output = try group.history.output(of: id)
        #expect(!output.isEmpty)
        #expect(output.allSatisfy { Self.shifted($0.time, by: offset, between: before, and: after) }, "\(output.prefix(2))")
    }

    /// A deployment another coordinator abandoned is ended on the store's clock too.
    @Test(.timeLimit(.minutes(5)))
    func anAbandonedDeploymentIsEndedOnTheStoresClock() async throws {
        let group = try FolderGroup(["h1"])
        let abandoned = DeploymentID("d-GONE00001")!
        try group.history.createDeployment(DeploymentRecord(
            id: abandoned, application: group.application, deploymentGroup: group.group, playbookPath: "p.yml",
            status: .inProgress, createdBy: "alice@laptop", revisionPath: "r", deploymentConfigName: "CodeDeployDefault.AllAtOnce",
            createTime: Date().addingTimeInterval(-60)))
        let before = Date()
        _ = try await group.deploy(try await group.revision("v1"), ports: group.ports(history: FaultyHistory(inner: group.history, clockOffset: 600)))
        let record = try #require(try group.history.deployment(abandoned))
        #expect(record.status == .failed)
        #expect(Self.shifted(record.endTime, by: 600, between: before, and: Date()), "\(String(describing: record.endTime))")
    }
}
