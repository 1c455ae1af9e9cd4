import Foundation
import HoistCore
import HoistHistory
import Testing

/// A NUL in any text other than hook output (a description, who deployed, an error message, a
/// reason) reads back the same from both stores: as ␀, where the NUL was, with the rest of the
/// text kept. SQLite used to cut it there (`a\0b` read back as `a`).
@Suite struct StoredTextTests {
    @Test(arguments: HistoryStoreKind.allCases)
    func aNulInAnyOtherTextShowsAsTheNulSymbolInBothStores(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        var record = Fixture.deployment(1, status: .inProgress)
        record.description = "release\u{0}7"
        record.createdBy = "ali\u{0}ce@laptop"
        record.revisionPath = "build/\u{0}web.tgz"
        try store.createDeployment(record)
        let id = record.id
        try store.updateDeployment(id, DeploymentUpdate(errorMessage: "host h1:\u{0} refused"))
        var host = Fixture.host(id, "h1", .inProgress)
        host.message = "disk\u{0}full"
        try store.upsertHosts([host])
        try store.upsertEvents([EventRecord(deploymentID: id, host: "h1", event: .install, status: .inProgress, message: "exit\u{0}1")])
        try store.recordDelivery(DeliveryRecord(
            deploymentID: id, trigger: "ops", event: .deploymentFailure, host: nil, target: "https://example.test/ops",
            status: .failed, attempts: 3, error: "HTTP 500: \u{0}oops", eventTime: Fixture.time(30), endTime: Fixture.time(31)))
        try store.markFailedAfterRestart(id, reason: "killed\u{0} at 10:00", at: Fixture.time(40))

        let read = try #require(try store.deployment(id))
        #expect(read.description == "release\u{2400}7")
        #expect(read.createdBy == "ali\u{2400}ce@laptop")
        #expect(read.revisionPath == "build/\u{2400}web.tgz")
        #expect(read.errorMessage == "killed\u{2400} at 10:00")
        #expect(try store.events(of: id).map(\.message) == ["killed\u{2400} at 10:00"])
        #expect(try store.deliveries(of: id).map(\.error) == ["HTTP 500: \u{2400}oops"])
        #expect(try store.listDeployments(DeploymentFilter(deploymentGroup: "production")).map(\.id) == [id])

        var other = Fixture.deployment(2)
        other.errorMessage = "a\u{0}b"
        try store.createDeployment(other)
        try store.upsertHosts([{ var h = Fixture.host(other.id, "h2"); h.message = "x\u{0}y"; return h }()])
        #expect(try store.deployment(other.id)?.errorMessage == "a\u{2400}b")
        #expect(try store.hosts(of: other.id).map(\.message) == ["x\u{2400}y"])
    }
}
