import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist history import FILE`: a laptop's SQLite history copied into the shared PostgreSQL
/// store, once; and how the history commands pick and report the store.
@Suite struct HistoryImportTests {
    static func record(_ n: Int, rollbackOf: DeploymentID? = nil) -> DeploymentRecord {
        DeploymentRecord(
            id: DeploymentID("d-IMPORT00\(n)")!, application: "shop", deploymentGroup: "web", playbookPath: "/p/web.yml",
            status: .succeeded, createdBy: "alice@laptop", revisionPath: "rev-\(n)", deploymentConfigName: "CodeDeployDefault.AllAtOnce",
            rollbackOf: rollbackOf, description: "import \(n)", createTime: Date(timeIntervalSince1970: 1_795_428_000 + Double(n)),
            hostCount: 1, origin: .terminal)
    }

    /// A typo in the variable a CI job sets must not record its deployments in a file of its
    /// own, where no teammate's `list`, `stop` or `logs` sees them.
    @Test(arguments: ["postgresql:/ops@db/hoist", "garbage://x"])
    func aMistypedHistoryURLIsRefusedAndCreatesNothing(url: String) throws {
        let scratch = try ScratchDirectory("hoist-history-typo")
        let list = try HoistBinary.run(["list"], environment: ["HOME": scratch.path, "HOIST_HISTORY_URL": url],
                                       currentDirectory: URL(fileURLWithPath: scratch.path))
        #expect(list.status == 2, "\(list.stdout)\(list.stderr)")
        #expect(list.stderr.contains("'\(url)' looks like a URL but is not a PostgreSQL one"), "\(list.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "nothing created")
    }

    @Test func aLaptopsHistoryIsImportedOnceWithItsHostsEventsAndOutput() throws {
        let scratch = try ScratchDirectory("hoist-history-import")
        let file = scratch.file("laptop.sqlite3")
        let laptop = try SQLiteHistoryStore(path: file)
        for record in [Self.record(1), Self.record(2, rollbackOf: Self.record(1).id)] {
            try laptop.createDeployment(record)
            try laptop.upsertHost(HostRecord(deploymentID: record.id, host: "h1", address: "10.0.0.1", status: .succeeded))
            try laptop.upsertEvent(EventRecord(deploymentID: record.id, host: "h1", event: .install, status: .succeeded))
            try laptop.appendOutput((1...3).map {
                OutputRecord(deploymentID: record.id, host: "h1", event: .install, stream: .stdout, time: Date(), text: "out \($0)")
            })
        }
        let url = try TestPostgres.freshDatabase()
        let env = ["HOME": scratch.path, "HOIST_HISTORY_URL": url]

        let first = try HoistBinary.run(["history", "import", file], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "imported 2 deployments (6 output lines); skipped 0 already in the store\n", "\(first.stdout)")
        let again = try HoistBinary.run(["history", "import", file], environment: env)
        #expect(again.stdout == "imported 0 deployments (0 output lines); skipped 2 already in the store\n", "\(again.stdout)")

        let show = try HoistBinary.run(["show", "d-IMPORT002", "--json"], environment: env)
        let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any], "\(show.stderr)")
        let deployment = try #require(detail["deployment"] as? [String: Any])
        #expect(deployment["rollbackOf"] as? String == "d-IMPORT001")
        #expect(deployment["origin"] as? String == "terminal")
        #expect((detail["hosts"] as? [[String: Any]])?.count == 1)
        let logs = try HoistBinary.run(["logs", "d-IMPORT002"], environment: env)
        #expect(logs.stdout == "h1 Install [stdout] out 1\nh1 Install [stdout] out 2\nh1 Install [stdout] out 3\n", "\(logs.stdout)\(logs.stderr)")
        let list = try HoistBinary.run(["list"], environment: env)
        #expect(list.stdout.contains("alice@laptop (terminal)"), "\(list.stdout)")

        let missing = try HoistBinary.run(["history", "import", scratch.file("nope.sqlite3")], environment: env)
        #expect(missing.status == 2 && missing.stderr.contains("nope.sqlite3: no such history file"), "\(missing.stderr)")
    }

    @Test func aBadURLIsInvalidInputAndAServerOutOfReachIsExit5() throws {
        let scratch = try ScratchDirectory("hoist-history-url")
        let bad = try HoistBinary.run(["list"], environment: ["HOME": scratch.path, "HOIST_HISTORY_URL": "postgresql://u:secret@h/db?sslmode=maybe"])
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(bad.stderr.contains("sslmode=maybe") && !bad.stderr.contains("secret"), "\(bad.stderr)")

        let port = URLComponents(string: try TestPostgres.serverURL())!.port! - 1000
        for command in [["list"], ["show", "d-ABCDEFGH1"], ["logs", "d-ABCDEFGH1"], ["stop", "d-ABCDEFGH1"], ["continue", "d-ABCDEFGH1"]] {
            let run = try HoistBinary.run(
                command, environment: ["HOME": scratch.path, "HOIST_HISTORY_URL": "postgresql://hoist@127.0.0.1:\(port)/hoist?sslmode=disable"])
            #expect(run.status == 5, "\(command): \(run.stderr)")
            #expect(run.stderr.contains("Cannot reach the history store postgresql://hoist@127.0.0.1:\(port)/hoist?sslmode=disable"),
                    "\(command): \(run.stderr)")
        }
    }
}
