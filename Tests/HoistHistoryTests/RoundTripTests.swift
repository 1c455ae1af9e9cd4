import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres
import Testing

/// The store contract, part 1: what is written reads back the same, on both stores.
@Suite struct HistoryRoundTripTests {
    static let minimal = DeploymentRecord(
        id: DeploymentID("d-MIN000001")!, application: "a", deploymentGroup: "g", playbookPath: "p.yml",
        createdBy: "u@m", revisionPath: "r", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Fixture.t0)

    @Test(arguments: HistoryStoreKind.allCases, [Fixture.fullDeployment, minimal])
    func aDeploymentReadsBackAsWritten(_ kind: HistoryStoreKind, _ record: DeploymentRecord) throws {
        let store = try kind.open()
        try store.createDeployment(Fixture.deployment(1))  // the one `fullDeployment` rolls back
        try store.createDeployment(record)
        #expect(try store.deployment(record.id) == record)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func anUnknownIdReadsAsNil(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        #expect(try store.deployment(Fixture.id(9)) == nil)
        #expect(try store.hosts(of: Fixture.id(9)).isEmpty)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func creatingAnExistingIdOrRollingBackAnUnknownOneFails(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        try store.createDeployment(Fixture.deployment(1))
        #expect(throws: HistoryError.duplicateDeployment(Fixture.id(1))) { try store.createDeployment(Fixture.deployment(1)) }
        var rollback = Fixture.deployment(2)
        rollback.rollbackOf = Fixture.id(7)
        #expect(throws: HistoryError.unknownDeployment(Fixture.id(7))) { try store.createDeployment(rollback) }
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func anUpdateChangesOnlyTheFieldsItSets(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        var record = Fixture.deployment(1, status: .inProgress)
        record.revisionSHA256 = nil
        try store.createDeployment(record)

        try store.updateDeployment(record.id, DeploymentUpdate(revisionSHA256: "cafe", hostCount: 5))
        try store.updateDeployment(record.id, DeploymentUpdate(
            status: .failed, errorCode: .healthConstraints, errorMessage: "too many failed", endTime: Fixture.time(50)))

        var expected = record
        expected.revisionSHA256 = "cafe"
        expected.hostCount = 5
        expected.status = .failed
        expected.errorCode = .healthConstraints
        expected.errorMessage = "too many failed"
        expected.endTime = Fixture.time(50)
        #expect(try store.deployment(record.id) == expected)
        #expect(throws: HistoryError.unknownDeployment(Fixture.id(2))) {
            try store.updateDeployment(Fixture.id(2), DeploymentUpdate(status: .failed))
        }
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func hostsUpsertInPlaceAndKeepTheirFirstOrder(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1))
        try store.upsertHost(Fixture.host(id, "web-2", .pending))
        try store.upsertHost(Fixture.host(id, "web-1", .pending))
        let failed = HostRecord(
            deploymentID: id, host: "web-2", address: "192.168.1.2", status: .failed, errorCode: .scriptFailed,
            message: "AfterInstall failed", startTime: Fixture.time(2), endTime: Fixture.time(9.5))
        try store.upsertHost(failed)

        #expect(try store.hosts(of: id) == [failed, Fixture.host(id, "web-1", .pending)])
        #expect(throws: HistoryError.unknownDeployment(Fixture.id(5))) {
            try store.upsertHost(Fixture.host(Fixture.id(5), "web-1"))
        }
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func eventsUpsertPerHostAndNeedTheirHost(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1))
        try store.upsertHost(Fixture.host(id, "web-1"))
        try store.upsertHost(Fixture.host(id, "web-2"))
        let stop = EventRecord(deploymentID: id, host: "web-1", event: .applicationStop, status: .succeeded,
                               errorCode: .success, startTime: Fixture.time(2), endTime: Fixture.time(2.25))
        var install = EventRecord(deploymentID: id, host: "web-1", event: .afterInstall, status: .inProgress,
                                  startTime: Fixture.time(3))
        let other = EventRecord(deploymentID: id, host: "web-2", event: .applicationStop)
        try store.upsertEvent(stop)
        try store.upsertEvent(install)
        try store.upsertEvent(other)
        install.status = .failed
        install.errorCode = .scriptFailed
        install.message = "exit status 3"
        install.scriptName = "scripts/migrate.sh"
        install.endTime = Fixture.time(4)
        try store.upsertEvent(install)

        #expect(try store.events(of: id, host: "web-1") == [stop, install])
        #expect(try store.events(of: id) == [stop, install, other])
        #expect(throws: HistoryError.unknownHost(id, host: "web-9")) {
            try store.upsertEvent(EventRecord(deploymentID: id, host: "web-9", event: .install))
        }
        #expect(throws: HistoryError.unknownDeployment(Fixture.id(4))) {
            try store.upsertEvent(EventRecord(deploymentID: Fixture.id(4), host: "web-1", event: .install))
        }
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func outputLinesReadBackInOrderWithTheirSeq(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1))
        let lines = [
            Fixture.line(id, "web-1", .beforeInstall, "installing ünïcode ✓"),
            Fixture.line(id, "web-1", .beforeInstall, "warning: $HOME `x` 'q'", stream: .stderr),
            Fixture.line(id, "web-2", .afterInstall, ""),
        ]
        try store.appendOutput(lines)
        try store.appendOutput([])

        let read = try store.output(of: id)
        #expect(read.map { record in var r = record; r.seq = 0; return r } == lines)
        #expect(read.map(\.seq) == read.map(\.seq).sorted() && Set(read.map(\.seq)).count == 3)
        #expect(throws: HistoryError.unknownDeployment(Fixture.id(3))) {
            try store.appendOutput([Fixture.line(Fixture.id(3), "web-1", .install, "x")])
        }
    }

    /// A NUL a hook printed does not end its line: SQLite keeps the NUL, PostgreSQL (whose
    /// text cannot hold one) shows it as ␀, and `hoist show`'s failure tail reads the same.
    @Test(arguments: HistoryStoreKind.allCases)
    func aNulInOutputKeepsTheRestOfItsLine(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1))
        try store.appendOutput([
            Fixture.line(id, "web-1", .afterInstall, "a\u{0}b end"), Fixture.line(id, "web-1", .afterInstall, "\u{0}", stream: .stderr),
        ])
        let nul = kind == .sqlite ? "\u{0}" : "\u{2400}"
        let expected = ["a\(nul)b end", nul]
        #expect(try store.output(of: id).map(\.text) == expected)
        #expect(try store.outputTail(of: id, host: "web-1", event: .afterInstall).lines.map(\.text) == expected)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func aFleetAndItsPendingEventsAreRecordedInOneWriteOrNotAtAll(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))
        let hosts = (1...20).map { Fixture.host(id, "web-\($0)", .pending) }
        try store.upsertHosts(hosts)
        let events = hosts.flatMap { host in
            LifecycleEvent.inPlace.map { EventRecord(deploymentID: id, host: host.host, event: $0) }
        }
        try store.upsertEvents(events)
        #expect(try store.hosts(of: id) == hosts)
        #expect(try store.events(of: id) == events)

        let started = events.prefix(3).map { event in var e = event; e.status = .inProgress; return e }
        let stray = EventRecord(deploymentID: id, host: "db-1", event: .install)
        #expect(throws: HistoryError.unknownHost(id, host: "db-1")) { try store.upsertEvents(started + [stray]) }
        #expect(try store.events(of: id) == events)
    }
}
