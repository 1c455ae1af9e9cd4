import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist history import` interrupted at every one of its writes: running it again completes
/// the deployment it left half copied, with nothing lost and nothing twice.
@Suite struct HistoryImportResumeTests {
    /// Two deployments with hosts, events, phases, deliveries and more output than one page.
    static func source(_ history: TempHistory) throws -> SQLiteHistoryStore {
        let store = try history.open()
        for n in 1...2 {
            let id = Fixture.id(n)
            try store.createDeployment(Fixture.deployment(n))
            try store.upsertHosts([Fixture.host(id, "h1"), Fixture.host(id, "h2")])
            try store.upsertEvents([EventRecord(deploymentID: id, host: "h1", event: .install, status: .succeeded),
                                    EventRecord(deploymentID: id, host: "h2", event: .install, status: .succeeded)])
            for index in 0..<2 {
                try store.upsertPhase(PhaseRecord(deploymentID: id, index: index, name: "phase \(index)", hosts: ["h1"],
                                                  startTime: Fixture.time(10), endTime: Fixture.time(20)))
            }
            for trigger in ["ops", "chat"] {
                try store.recordDelivery(DeliveryRecord(deploymentID: id, trigger: trigger, event: .deploymentSuccess, host: nil,
                                                        target: "https://example.test/\(trigger)", status: .delivered, attempts: 1,
                                                        error: nil, eventTime: Fixture.time(30), endTime: Fixture.time(31)))
            }
            try store.appendOutput((1...(n == 1 ? 6_000 : 3)).map { Fixture.line(id, $0 % 2 == 0 ? "h1" : "h2", .install, "d\(n) line \($0)") })
        }
        return store
    }

    /// Everything a reader sees of the deployments, in order.
    static func contents(_ store: any HistoryStore) throws -> [String] {
        var lines: [String] = []
        for record in try store.listDeployments().reversed() {
            let id = record.id
            lines.append("\(id.rawValue) \(record.status.rawValue) \(record.revisionPath)")
            lines += try store.hosts(of: id).map { "host \($0.host) \($0.status.rawValue)" }
            lines += try store.events(of: id).map { "event \($0.host) \($0.event.rawValue) \($0.status.rawValue)" }
            lines += try store.phases(of: id).map { "phase \($0.index) \($0.name)" }
            lines += try store.deliveries(of: id).map { "delivery \($0.trigger) \($0.status.rawValue)" }
            lines += try store.output(of: id, afterSeq: 0, limit: 100_000).map { "output \($0.host) \($0.text)" }
        }
        return lines
    }

    @Test func anImportInterruptedAtAnyWriteIsCompletedByTheNextRun() throws {
        let sourceFile = try TempHistory()
        let source = try Self.source(sourceFile)
        let expected = try Self.contents(source)

        // How many writes a whole import makes.
        let counted = try TempHistory()
        let counter = FaultyHistory.Counter()
        let whole = try HistoryImport.run(from: source, into: FaultyHistory(inner: try counted.open()) { _ in _ = counter.next(); return false })
        #expect(whole == HistoryImport.Outcome(imported: 2, completed: 0, skipped: 0, lines: 6_003))
        let writes = counter.next() - 1
        #expect(writes >= 14, "deployment, hosts, events, 2 phases, 2 deliveries and output pages, twice")

        for stop in 0..<writes {
            let targetFile = try TempHistory()
            let target = try targetFile.open()
            #expect(throws: FaultyHistory.DiskFull.self, "stopped after \(stop) writes") {
                try HistoryImport.run(from: source, into: FaultyHistory.stopping(after: stop, inner: target))
            }
            let again = try HistoryImport.run(from: source, into: target)
            #expect(again.imported + again.completed + again.skipped == 2, "stopped after \(stop) writes: \(again)")
            #expect(again.completed <= 1, "only the deployment in flight was partly copied")
            #expect(try Self.contents(target) == expected, "stopped after \(stop) writes")
            let third = try HistoryImport.run(from: source, into: target)
            #expect(third == HistoryImport.Outcome(imported: 0, completed: 0, skipped: 2, lines: 0))
        }
    }
}
