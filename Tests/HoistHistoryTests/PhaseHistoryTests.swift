import Foundation
import GRDB
import HoistCore
import HoistHistory
import Testing

/// A blue/green deployment's phases in the history: stored, read back in order, and each
/// event put under the phase it started in, for `hoist show` and `--json`.
@Suite struct PhaseHistoryTests {
    static func blueGreen(_ id: DeploymentID) -> (hosts: [HostRecord], events: [EventRecord], phases: [PhaseRecord]) {
        func host(_ name: String) -> HostRecord {
            HostRecord(deploymentID: id, host: name, address: "10.0.0.\(name.suffix(1))", status: .succeeded)
        }
        func event(_ host: String, _ event: LifecycleEvent, _ start: Double) -> EventRecord {
            EventRecord(deploymentID: id, host: host, event: event, status: .succeeded, startTime: Fixture.time(start), endTime: Fixture.time(start + 1))
        }
        let phases = [
            PhaseRecord(deploymentID: id, index: 0, name: "Block green", hosts: ["g1"], startTime: Fixture.time(100), endTime: Fixture.time(110)),
            PhaseRecord(deploymentID: id, index: 1, name: "Install on green", hosts: ["g1"], startTime: Fixture.time(110), endTime: Fixture.time(120)),
            PhaseRecord(deploymentID: id, index: 2, name: "Ready", detail: "waiting", hosts: ["g1"], startTime: Fixture.time(120), endTime: Fixture.time(130)),
            PhaseRecord(deploymentID: id, index: 3, name: "Reroute 1 of 1", hosts: ["g1", "b1"], startTime: Fixture.time(130), endTime: Fixture.time(140)),
        ]
        let events = [
            event("g1", .blockTraffic, 101), event("g1", .install, 111),
            event("b1", .beforeBlockTraffic, 135), event("g1", .allowTraffic, 131), event("b1", .blockTraffic, 136),
        ]
        return ([host("g1"), host("b1")], events, phases)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func phasesAreStoredAndEventsGroupedUnderThem(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let record = Fixture.deployment(7)
        try store.createDeployment(record)
        let (hosts, events, phases) = Self.blueGreen(record.id)
        try store.upsertHosts(hosts)
        try store.upsertEvents(events)
        // Written open first, closed when the next starts: the second write replaces the first.
        for phase in phases {
            var open = phase
            open.endTime = nil
            try store.upsertPhase(open)
            try store.upsertPhase(phase)
        }
        #expect(try store.phases(of: record.id) == phases)
        let detail = try #require(try store.detail(record.id))
        #expect(detail.phases.map(\.phase.name) == ["Block green", "Install on green", "Ready", "Reroute 1 of 1"])
        #expect(detail.phases.map { $0.events.map { "\($0.host) \($0.event.rawValue)" } } == [
            ["g1 BlockTraffic"], ["g1 Install"], [], ["g1 AllowTraffic", "b1 BeforeBlockTraffic", "b1 BlockTraffic"],
        ])
        let json = try HistoryJSON.encode(detail)
        #expect(json.contains("\"phases\""))
        #expect(json.contains("\"name\" : \"Ready\""))
        let text = HistoryText(timeZone: TimeZone(identifier: "UTC")!, now: Fixture.time(200)).show(detail)
        let lines = text.split(separator: "\n").map(String.init)
        let order = ["1. Block green", "  g1 BlockTraffic", "2. Install on green", "  g1 Install", "3. Ready", "4. Reroute 1 of 1",
                     "  g1 AllowTraffic", "  b1 BeforeBlockTraffic", "  b1 BlockTraffic"]
        let positions = order.map { label in lines.firstIndex { $0.hasPrefix(label) } }
        #expect(positions.allSatisfy { $0 != nil }, "\(text)")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "phases and events in order:\n\(text)")
    }

    @Test func anInPlaceDeploymentHasNoPhasesInItsJSON() throws {
        let record = Fixture.deployment(8)
        let detail = DeploymentDetail(deployment: record, hosts: [], events: [])
        #expect(!(try HistoryJSON.encode(detail)).contains("phases"))
    }

    /// A history file from a Hoist with trigger deliveries but not yet phases gains the phase
    /// table, migrations in order, and keeps its deliveries.
    @Test func aFileWithDeliveriesButNoPhasesIsUpgraded() throws {
        let temp = try TempHistory()
        try HistorySchema.createFile(atPath: temp.path, upTo: "v3-trigger-deliveries")
        let before = try DatabaseQueue(path: temp.path)
        #expect(try before.read { try Bool.fetchOne($0, sql: "SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'phase'") } == false)
        try before.close()
        let ids = HistorySchema.migrationIdentifiers
        #expect(ids.firstIndex(of: "v3-phases") == ids.firstIndex(of: "v3-trigger-deliveries").map { $0 + 1 }, "\(ids)")

        let store = try temp.open()
        #expect(try store.appliedMigrations() == HistorySchema.migrationIdentifiers)
        let record = Fixture.deployment(9)
        try store.createDeployment(record)
        let (_, _, phases) = Self.blueGreen(record.id)
        for phase in phases { try store.upsertPhase(phase) }
        #expect(try store.phases(of: record.id) == phases)
    }

    /// `hoist show` of a blue/green deployment with triggers: its phases and its deliveries,
    /// in text and in JSON.
    @Test(arguments: HistoryStoreKind.allCases)
    func phasesAndTriggerDeliveriesShowTogether(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let record = Fixture.deployment(10)
        try store.createDeployment(record)
        let (hosts, events, phases) = Self.blueGreen(record.id)
        try store.upsertHosts(hosts)
        try store.upsertEvents(events)
        for phase in phases { try store.upsertPhase(phase) }
        let ready = DeliveryRecord(
            deploymentID: record.id, trigger: "chat", event: .deploymentReady, host: nil, target: "https://hooks.example.com/x",
            status: .delivered, attempts: 1, error: nil, eventTime: Fixture.time(120), endTime: Fixture.time(121))
        try store.recordDelivery(ready)

        let detail = try #require(try store.detail(record.id))
        #expect(detail.phases.count == 4 && detail.deliveries == [ready])
        let json = try HistoryJSON.encode(detail)
        #expect(json.contains("\"phases\"") && json.contains("\"deliveries\"") && json.contains("DeploymentReady"))
        let text = HistoryText(timeZone: TimeZone(identifier: "UTC")!, now: Fixture.time(200)).show(detail)
        let phaseTable = try #require(text.range(of: "PHASE / HOST EVENT"))
        let triggerTable = try #require(text.range(of: "TRIGGER"))
        #expect(phaseTable.lowerBound < triggerTable.lowerBound, "phases, then deliveries:\n\(text)")
        #expect(text.contains("chat     DeploymentReady"), "\(text)")
    }
}
