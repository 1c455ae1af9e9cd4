import Foundation
import GRDB
import HoistCore
import HoistHistory
import Testing

@Suite struct HistorySchemaTests {
    @Test func aNewFileGetsEveryTableAndIndexInWALMode() throws {
        let temp = try TempHistory()
        let store = try temp.open()
        #expect(try store.appliedMigrations() == HistorySchema.migrationIdentifiers)

        let queue = try DatabaseQueue(path: temp.path)
        let names = try queue.read { db in
            try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'")
        }
        let expected: Set<String> = [
            "deployment", "host", "event", "output", "phase", "grdb_migrations",
            "deployment_by_time", "deployment_by_group", "deployment_by_application", "deployment_by_status",
            "output_by_deployment", "output_by_host", "delivery", "delivery_by_deployment",
        ]
        #expect(names == expected)
        #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func openingAVersion1FileMigratesItAndKeepsItsRows() throws {
        let temp = try TempHistory()
        try HistorySchema.createFile(atPath: temp.path, upTo: "v1")
        // A deployment as version 1 wrote it: no description column yet.
        let queue = try DatabaseQueue(path: temp.path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO deployment (id, application, deploymentGroup, playbookPath, status, creator, createdBy,
                    revisionPath, deploymentConfigName, fileExistsBehavior, deploymentType, createTime, hostCount)
                VALUES ('d-OLD000001', 'web', 'production', 'hoist.yml', 'Succeeded', 'user', 'alice@laptop',
                    'web.tgz', 'CodeDeployDefault.AllAtOnce', 'OVERWRITE', 'IN_PLACE', 1795428000000, 4)
                """)
        }
        try queue.close()

        let store = try temp.open()
        #expect(try store.appliedMigrations() == HistorySchema.migrationIdentifiers)
        let old = try #require(try store.deployment(DeploymentID("d-OLD000001")!))
        #expect(old.description == nil)
        #expect(old.fileExistsBehavior == .overwrite)
        #expect(old.createTime == Fixture.t0)
        #expect(old.hostCount == 4)

        var new = Fixture.deployment(2)
        new.description = "after the upgrade"
        try store.createDeployment(new)
        #expect(try store.deployment(new.id) == new)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func triggerDeliveriesAreKeptInOrderWithTheirErrors(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let deployment = Fixture.deployment(1)
        try store.createDeployment(deployment)
        let delivered = DeliveryRecord(
            deploymentID: deployment.id, trigger: "chat", event: .deploymentStart, host: nil, target: "https://hooks.example.com/x",
            status: .delivered, attempts: 1, error: nil, eventTime: Fixture.t0, endTime: Fixture.t0.addingTimeInterval(0.25))
        let failed = DeliveryRecord(
            deploymentID: deployment.id, trigger: "audit", event: .instanceFailure, host: "web-2", target: "./audit.sh",
            status: .failed, attempts: 4, error: "exit status 1", eventTime: Fixture.t0.addingTimeInterval(1), endTime: Fixture.t0.addingTimeInterval(9))
        try store.recordDelivery(delivered)
        try store.recordDelivery(failed)
        #expect(try store.deliveries(of: deployment.id) == [delivered, failed])
        #expect(try store.detail(deployment.id)?.deliveries == [delivered, failed])
        let unknown = DeploymentID("d-NOPE00001")!
        #expect(throws: HistoryError.unknownDeployment(unknown)) {
            var orphan = delivered
            orphan.deploymentID = unknown
            try store.recordDelivery(orphan)
        }
        let text = HistoryText(timeZone: TimeZone(identifier: "UTC")!).show(try #require(try store.detail(deployment.id)))
        #expect(text.contains("TRIGGER  EVENT                  STATUS     ATTEMPTS  AT                   TARGET / ERROR\n"))
        #expect(text.contains("audit    InstanceFailure web-2  Failed     4         "))
        #expect(text.contains("  ./audit.sh: exit status 1\n"))
    }

    @Test func aFileFromANewerHoistIsRefused() throws {
        let temp = try TempHistory()
        _ = try temp.open()
        let queue = try DatabaseQueue(path: temp.path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        try queue.close()

        #expect(throws: HistoryError.newerSchema(path: temp.path)) { try temp.open() }
    }

    @Test func aFolderThatCannotBeMadeIsReportedWithThePath() throws {
        let temp = try TempHistory()
        let blocker = temp.folder.appendingPathComponent("file")
        try Data().write(to: blocker)
        let path = blocker.appendingPathComponent("history.sqlite3").path
        let error = try #require(throws: HistoryError.self) { try SQLiteHistoryStore(path: path) }
        guard case .cannotOpen(let reported, _, _) = error else {
            Issue.record("expected cannotOpen, got \(error)")
            return
        }
        #expect(reported == path)
    }

    /// A damaged file is told apart by SQLite's result code (SQLITE_CORRUPT), whatever its
    /// message says, and gets the advice for a damaged file.
    @Test func aDamagedFileIsReportedAsDamaged() throws {
        let temp = try TempHistory()
        let queue = try DatabaseQueue(path: temp.path)
        try queue.write { try $0.execute(sql: "CREATE TABLE deployment (id TEXT PRIMARY KEY)") }
        try queue.close()
        // The schema page after the file header: the header still says SQLite, the rest is noise.
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: temp.path))
        try file.seek(toOffset: 100)
        file.write(Data(repeating: 0xA5, count: 3996))
        try file.close()
        let error = try #require(throws: HistoryError.self) { try SQLiteHistoryStore(path: temp.path) }
        guard case .cannotOpen(_, _, let trouble) = error else {
            Issue.record("expected cannotOpen, got \(error)")
            return
        }
        #expect(trouble == .damaged, "\(error)")
        #expect(error.description.contains("restore it from a backup"), "\(error)")
    }
}
