import Foundation
import HoistCore
import HoistHistory
import Testing

/// Two store instances on one file stand in for two processes: SQLite's locks are on the
/// file, and each instance has its own connections.
@Suite struct HistoryConcurrencyTests {
    @Test func aSecondStoreSeesEachCommittedStepAtOnce() throws {
        let temp = try TempHistory()
        let writer = try temp.open()
        let reader = try temp.open()
        let id = Fixture.id(1)
        try writer.createDeployment(Fixture.deployment(1, status: .inProgress))
        #expect(try reader.deployment(id)?.status == .inProgress)
        try writer.upsertHost(Fixture.host(id, "web-1", .inProgress))
        #expect(try reader.hosts(of: id).map(\.status) == [.inProgress])
        try writer.appendOutput([Fixture.line(id, "web-1", .install, "one"), Fixture.line(id, "web-1", .install, "two")])
        #expect(try reader.output(of: id).map(\.text) == ["one", "two"])
        try writer.updateDeployment(id, DeploymentUpdate(status: .succeeded, endTime: Fixture.time(9)))
        #expect(try reader.deployment(id)?.status == .succeeded)
    }

    @Test func aReaderFollowingAWriterSeesWholeBatchesInOrder() throws {
        let temp = try TempHistory()
        let writer = try temp.open()
        let reader = try temp.open()
        let id = Fixture.id(1)
        try writer.createDeployment(Fixture.deployment(1, status: .inProgress))
        try writer.upsertHost(Fixture.host(id, "web-1", .inProgress))
        let batches = 60, batchSize = 100
        let writerDone = Locked(false)
        let writerError = Locked<(any Error)?>(nil)

        let thread = Thread {
            do {
                for batch in 0..<batches {
                    try writer.appendOutput((0..<batchSize).map { n in
                        Fixture.line(id, "web-1", .install, "line \(batch * batchSize + n)")
                    })
                    if batch % 10 == 9 {
                        try writer.upsertEvent(EventRecord(deploymentID: id, host: "web-1", event: .install, status: .inProgress))
                    }
                }
            } catch {
                writerError.withLock { $0 = error }
            }
            writerDone.withLock { $0 = true }
        }
        thread.start()

        var seen: [OutputRecord] = []
        var partialReads = 0
        while true {
            let finished = writerDone.current
            let page = try reader.output(of: id, host: nil, event: nil, afterSeq: seen.last?.seq ?? 0, limit: 1_000_000)
            if page.count % batchSize != 0 { partialReads += 1 }
            seen += page
            if finished && page.isEmpty { break }
        }
        #expect(writerError.current == nil)
        #expect(partialReads == 0)
        #expect(seen.map(\.text) == (0..<batches * batchSize).map { "line \($0)" })
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.seq < $1.seq })
    }

    /// Several processes may be the first to open a new file; each must end up with the
    /// schema, none with "table already exists".
    @Test func storesOpeningANewFileTogetherAllSucceed() throws {
        let temp = try TempHistory()
        let path = temp.path
        let failures = Locked<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<6 {
            group.enter()
            Thread.detachNewThread {
                do {
                    let store = try SQLiteHistoryStore(path: path)
                    _ = try store.listDeployments()
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                group.leave()
            }
        }
        group.wait()
        #expect(failures.current == [])
        #expect(try temp.open().appliedMigrations() == HistorySchema.migrationIdentifiers)
    }
}
