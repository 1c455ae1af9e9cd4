import Foundation
import HoistCore
import HoistHistory
@testable import HoistHistoryPostgres
import HoistTestSupport
import Testing

/// Two `hoist history import`s of one file into one store at once (two teammates, or a
/// retried CI job): both succeed, and the store holds every deployment and line once. They
/// used to race: the loser failed on the deployment's unique id with advice about the role's
/// rights, or both appended the same output.
@Suite struct ConcurrentImportTests {
    @Test(.timeLimit(.minutes(10)), arguments: HistoryStoreKind.allCases)
    func twoImportsAtOnceBothSucceedAndCopyEachLineOnce(_ kind: HistoryStoreKind) throws {
        let sourceFile = try TempHistory()
        let source = try sourceFile.open()
        let count = 30
        for n in 1...count {
            let id = Fixture.id(n)
            try source.createDeployment(Fixture.deployment(n))
            try source.upsertHosts([Fixture.host(id, "h1")])
            try source.appendOutput((1...300).map { Fixture.line(id, "h1", .install, "d\(n) line \($0)") })
        }
        let targetFile = try TempHistory()
        let environment: [String: String]
        let target: any HistoryStore
        switch kind {
        case .sqlite:
            environment = ["HOME": targetFile.folder.path, "HOIST_HISTORY_URL": targetFile.path]
            target = try targetFile.open()
        case .postgres:
            let url = try TestPostgres.freshDatabase()
            environment = ["HOME": targetFile.folder.path, "HOIST_HISTORY_URL": url]
            target = try HistoryStoreKind.open(url: url)
        }
        let imports = try (1...2).map { _ in try HoistBinary.start(["history", "import", sourceFile.path], environment: environment) }
        let results = imports.map { $0.finish() }
        for result in results { #expect(result.status == 0, "\(result.stderr)") }
        #expect(!results.contains { $0.stderr.contains("rights") }, "\(results.map(\.stderr))")
        let imported = results.compactMap { Int($0.stdout.split(separator: " ").dropFirst().first ?? "") }
        #expect(imported.reduce(0, +) == count, "every deployment imported by one of them: \(results.map(\.stdout))")
        #expect(try HistoryImportResumeTests.contents(target) == HistoryImportResumeTests.contents(source))
    }

    /// Only a refusal of rights is blamed on the role's rights; a conflict with another
    /// writer says to run the command again.
    @Test func aRefusalSaysWhatToDoAboutItsKind() {
        #expect(PostgresHistoryStore.advice(sqlState: "23505").hasPrefix("Another Hoist wrote the same rows at the same moment"))
        #expect(PostgresHistoryStore.advice(sqlState: "40001").hasPrefix("Another Hoist wrote the same rows at the same moment"))
        #expect(PostgresHistoryStore.advice(sqlState: "42501").hasPrefix("Check the role's rights"))
        #expect(PostgresHistoryStore.advice(sqlState: "53100").contains("disk"))
        let error = HistoryError.storeFailed(store: "postgresql://u@db/h", reason: "duplicate key value", advice: PostgresHistoryStore.advice(sqlState: "23505"))
        #expect(!error.description.contains("rights"), "\(error)")
    }
}
