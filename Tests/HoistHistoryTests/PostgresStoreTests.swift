import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres
import HoistTestSupport
import Testing

/// What the PostgreSQL store does beyond the contract both stores pass: its migrations
/// (the SQLite file's names, safe when coordinators start at once, refusing a schema it does
/// not know), its errors when the server cannot be reached, and LISTEN/NOTIFY for followers.
@Suite struct PostgresStoreTests {
    static func open(_ url: String, notices: @escaping @Sendable (String) -> Void = { _ in }) throws -> PostgresHistoryStore {
        try PostgresHistoryStore(url: PostgresURL(url, environment: [:]), notices: notices)
    }

    @Test func itsMigrationsAreTheSQLiteFilesOnes() throws {
        let store = try Self.open(try TestPostgres.freshDatabase())
        #expect(try store.appliedMigrations() == HistorySchema.migrationIdentifiers)
    }

    @Test func coordinatorsStartingAtOnceMigrateOnce() throws {
        let url = try TestPostgres.freshDatabase()
        let results = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let outcome = Result { try Self.open(url).appliedMigrations() }
            results.withLock { $0.append((try? outcome.get()).map { $0.joined(separator: ",") } ?? "\(outcome)") }
        }
        #expect(results.withLock { $0 } == Array(repeating: HistorySchema.migrationIdentifiers.joined(separator: ","), count: 8))
        #expect(try TestPostgres.psql(url, "SELECT count(*) FROM hoist_migrations").trimmingCharacters(in: .whitespacesAndNewlines)
            == String(HistorySchema.migrationIdentifiers.count))
    }

    @Test func aSchemaFromANewerHoistIsRefusedAtOpenAndAtTheNextWrite() throws {
        let url = try TestPostgres.freshDatabase()
        let running = try Self.open(url)
        try TestPostgres.psql(url, "INSERT INTO hoist_migrations (identifier, appliedAt) VALUES ('v99-from-the-future', 0)")
        let shown = try PostgresURL(url, environment: [:]).description
        let known = HistorySchema.migrationIdentifiers.last!
        let refusal = HistoryError.schemaMismatch(store: shown, found: "v99-from-the-future", known: known, newer: true)
        #expect(throws: refusal) { try Self.open(url) }
        #expect(throws: refusal) { try running.createDeployment(Fixture.deployment(1)) }
        #expect(refusal.description.contains("v99-from-the-future") && refusal.description.contains(known))
        // Reads still work: an older Hoist can list what a newer one wrote.
        #expect(try running.listDeployments().isEmpty)
    }

    @Test func aSchemaMissingMigrationsThisHoistAppliedIsRefusedAtTheNextWrite() throws {
        let url = try TestPostgres.freshDatabase()
        let store = try Self.open(url)
        let last = HistorySchema.migrationIdentifiers.last!
        try TestPostgres.psql(url, "DELETE FROM hoist_migrations WHERE identifier = '\(last)'")
        let error = try #require(throws: HistoryError.self) { try store.createDeployment(Fixture.deployment(1)) }
        guard case .schemaMismatch(_, _, let known, let newer) = error else {
            Issue.record("expected schemaMismatch, got \(error)")
            return
        }
        #expect(known == last && !newer)
    }

    @Test func aServerThatIsNotThereIsAnErrorAtOnceNamingIt() throws {
        // A port nothing listens on: the shared server's, minus one thousand.
        let server = try #require(URLComponents(string: try TestPostgres.serverURL()))
        let url = "postgresql://hoist@127.0.0.1:\(server.port! - 1000)/hoist?sslmode=disable"
        let error = try #require(throws: HistoryError.self) { try Self.open(url) }
        guard case .unreachable(let store, _) = error else {
            Issue.record("expected unreachable, got \(error)")
            return
        }
        #expect(store == "postgresql://hoist@127.0.0.1:\(server.port! - 1000)/hoist?sslmode=disable")
    }

    @Test func aWrongPasswordIsAnErrorThatSaysSo() throws {
        let (bare, _) = TestPostgres.splitPassword(try TestPostgres.serverURL())
        let wrong = bare.replacingOccurrences(of: "hoist@", with: "hoist:not-the-password@")
        let error = try #require(throws: HistoryError.self) { try Self.open(wrong) }
        #expect("\(error)".contains("password authentication failed"), "\(error)")
        #expect(!"\(error)".contains("not-the-password"))
    }

    @Test func thePasswordComesFromPGPASSWORDOrThePgpassFile() throws {
        let (bare, password) = TestPostgres.splitPassword(try TestPostgres.serverURL())
        let fromEnvironment = try PostgresHistoryStore(url: PostgresURL(bare, environment: ["PGPASSWORD": password]))
        #expect(try fromEnvironment.listDeployments(DeploymentFilter(limit: 1)).count <= 1)

        let scratch = try ScratchDirectory()
        let port = URLComponents(string: bare)!.port!
        let pgpass = try scratch.write(".pgpass", "# comment\nother:*:*:*:nope\n127.0.0.1:\(port):*:hoist:\(password)\n", mode: 0o600)
        let fromFile = try PostgresHistoryStore(url: PostgresURL(bare, environment: ["PGPASSFILE": pgpass]))
        #expect(try fromFile.listDeployments(DeploymentFilter(limit: 1)).count <= 1)
    }

    @Test func tlsIsUsedAsSSLModeAsksAndTheCertificateCheckedWithVerifyFull() throws {
        let plain = try TestPostgres.freshDatabase()
        let database = try #require(URLComponents(string: plain)?.path.dropFirst())
        func withMode(_ query: String) -> String { plain.replacingOccurrences(of: "sslmode=disable", with: query) }
        func tlsConnections() throws -> Int {
            Int(try TestPostgres.psql(plain, """
                SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) WHERE ssl AND datname = '\(database)'
                """).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        #expect(try tlsConnections() == 0)
        let required = try Self.open(withMode("sslmode=require"))
        _ = try required.listDeployments()
        #expect(try tlsConnections() == 1)

        let certificate = try TestPostgres.certificate()
        let verified = try Self.open(withMode("sslmode=verify-full&sslrootcert=\(certificate)"))
        try verified.createDeployment(Fixture.deployment(1))
        #expect(try tlsConnections() == 2)
        // Without the server's authority, its self-signed certificate is refused.
        let error = try #require(throws: HistoryError.self) { try Self.open(withMode("sslmode=verify-full")) }
        #expect("\(error)".contains("Cannot reach the history store"), "\(error)")
    }

    /// A URL without a password, where none is found elsewhere, says so in words (it showed
    /// PostgresNIO's `authMechanismRequiresPassword`).
    @Test func aMissingPasswordIsNamed() throws {
        let url = try TestPostgres.freshDatabase()
        guard let at = url.range(of: "@"), let colon = url.range(of: ":", range: url.index(url.startIndex, offsetBy: 13)..<at.lowerBound) else {
            Issue.record("no password in \(url)")
            return
        }
        let withoutPassword = String(url[..<colon.lowerBound]) + String(url[at.lowerBound...])
        let error = try #require(throws: HistoryError.self) { try Self.open(withoutPassword) }
        #expect("\(error)".contains("the server asks for a password and none was given"), "\(error)")
    }

    /// `logs --follow` elsewhere: a waiting follower is woken by another process's write
    /// (NOTIFY), long before its limit; the test's time limit fails it otherwise.
    @Test(.timeLimit(.minutes(2)))
    func aFollowerIsWokenByAWriteNotByItsLimit() async throws {
        let url = try TestPostgres.freshDatabase()
        let writer = try Self.open(url)
        let follower = try Self.open(url)
        let id = Fixture.id(1)
        try writer.createDeployment(Fixture.deployment(1, status: .inProgress))
        // A first, short wait starts listening.
        await follower.waitForChange(of: id, limit: .milliseconds(1))
        var seen: [OutputRecord] = []
        for round in 1...3 {
            try writer.appendOutput([Fixture.line(id, "web-1", .install, "line \(round)")])
            // Returns for the write's notification (come already, or coming), never the limit.
            await follower.waitForChange(of: id, limit: .seconds(3600))
            seen = try follower.output(of: id)
        }
        #expect(seen.map(\.text) == ["line 1", "line 2", "line 3"])
    }

    @Test func urlsParseWithTheirPasswordAndSSLMode() throws {
        let url = try PostgresURL("postgresql://deploy:p%40ss@db.example.com:6543/hoist?sslmode=verify-full", environment: [:])
        #expect(url.user == "deploy" && url.password == "p@ss" && url.host == "db.example.com" && url.port == 6543)
        #expect(url.database == "hoist" && url.sslMode == .verifyFull)
        #expect(url.description == "postgresql://deploy@db.example.com:6543/hoist?sslmode=verify-full")
        let short = try PostgresURL("postgres://ci@[::1]/", environment: ["PGPASSWORD": "x"])
        #expect(short.host == "::1" && short.port == 5432 && short.database == "ci" && short.password == "x" && short.sslMode == .prefer)

        #expect(throws: PostgresURLError.self) { try PostgresURL("postgresql://u:secret@h/db?sslmode=sometimes", environment: [:]) }
        do {
            _ = try PostgresURL("postgresql://u:secret@h/db?sslmode=sometimes", environment: [:])
        } catch {
            #expect(error.description.contains("sslmode=sometimes") && !error.description.contains("secret"))
        }
        #expect(throws: PostgresURLError.self) { try PostgresURL("postgresql:///db", environment: [:]) }
        #expect(PostgresURL.withoutPassword("postgresql://u:s3cret@h:5/db?sslmode=require") == "postgresql://u@h:5/db?sslmode=require")
        #expect(PostgresURL.withoutPassword("/var/lib/hoist/history.sqlite3") == "/var/lib/hoist/history.sqlite3")
        #expect(throws: PostgresURLError.self) { try PostgresURL("postgresql://u@h/db?pool=9", environment: [:]) }
    }
}

/// The outage limit is the outage's, not each write's: a deployment's queued writes each
/// waited the whole limit again, and each said "lost" (29 times, 3 minutes past a 5 s limit,
/// holding the group's lock).
@Suite struct PostgresOutageLimitTests {
    @Test(.timeLimit(.minutes(5)))
    func writesAfterTheLimitFailAtOnceAndTheLossIsSaidOnce() throws {
        let (store, proxy, notices) = try PostgresLostCommitTests.storeBehindProxy(outageLimit: .milliseconds(300))
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))
        proxy.goDown()
        for n in 1...3 {
            #expect(throws: HistoryError.self) { try store.appendOutput([Fixture.line(id, "web-1", .install, "line \(n)")]) }
        }
        let said = notices.withLock { $0 }
        #expect(said.count == 1 && said[0].hasPrefix("lost the history store"), "\(said)")
    }
}

/// A write whose COMMIT reached the server but whose answer was lost: the store reconnects,
/// asks the server whether that transaction committed (`txid_status`) and does not write it
/// again, so no output line is doubled.
@Suite struct PostgresLostCommitTests {
    /// A store on a fresh database, reached through a proxy the test can cut, and what it
    /// says through `notices`.
    static func storeBehindProxy(outageLimit: Duration = .seconds(900)) throws
        -> (PostgresHistoryStore, CommitCuttingProxy, Locked<[String]>) {
        var parts = try #require(URLComponents(string: try TestPostgres.freshDatabase()))
        let proxy = try CommitCuttingProxy(targetPort: try #require(parts.port))
        parts.port = proxy.port
        let notices = Locked<[String]>([])
        let store = try PostgresHistoryStore(url: PostgresURL(parts.string!, environment: [:]), outageLimit: outageLimit,
                                             notices: { note in notices.withLock { $0.append(note) } })
        return (store, proxy, notices)
    }

    @Test(.timeLimit(.minutes(5)))
    func aCommitWhoseAnswerIsLostIsNotWrittenTwice() throws {
        let (store, proxy, notices) = try Self.storeBehindProxy()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))

        proxy.armCutAfterCommit()
        try store.appendOutput((1...3).map { Fixture.line(id, "web-1", .install, "line \($0)") })
        #expect(proxy.cuts == 1, "the COMMIT's answer was cut off")
        try store.appendOutput([Fixture.line(id, "web-1", .install, "line 4")])

        #expect(try store.output(of: id).map(\.text) == ["line 1", "line 2", "line 3", "line 4"])
        let said = notices.withLock { $0 }
        #expect(said.count == 2 && said[0].hasPrefix("lost the history store") && said[1].contains("is back after"), "\(said)")
    }
}
