import Foundation
import HoistCore
import HoistHistory
import Testing

/// Measures, never asserts a time: the figures are printed for the record.
@Suite struct HistoryThroughputTests {
    @Test func appendingAHundredThousandLinesInBatchesOfAHundred() throws {
        let store = try TempHistory().open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))
        let batches = (0..<1000).map { batch in
            (0..<100).map { n in
                Fixture.line(id, "web-\(n % 4)", .afterInstall, "batch \(batch) line \(n): some typical output of a hook script")
            }
        }

        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for batch in batches { try store.appendOutput(batch) }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("appendOutput: 100000 lines in \(String(format: "%.2f", seconds)) s = \(Int(100_000 / seconds)) lines/s")

        #expect(try store.output(of: id, afterSeq: 0, limit: 200_000).count == 100_000)
    }

    @Test func durableStepWrites() throws {
        let store = try TempHistory().open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))
        try store.upsertHost(Fixture.host(id, "web-1", .inProgress))
        let events = LifecycleEvent.allCases
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for round in 0..<20 {
                for event in events {
                    try store.upsertEvent(EventRecord(deploymentID: id, host: "web-1", event: event,
                                                      status: round % 2 == 0 ? .inProgress : .succeeded))
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let writes = 20 * events.count
        print("upsertEvent (synchronous=FULL): \(writes) writes in \(String(format: "%.2f", seconds)) s = \(Int(Double(writes) / seconds)) writes/s")
        #expect(try store.events(of: id).map(\.status) == Array(repeating: .succeeded, count: events.count))
    }
}
