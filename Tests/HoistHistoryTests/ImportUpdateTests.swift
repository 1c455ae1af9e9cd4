import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist history import` of a laptop's file taken while a deployment ran: once it has ended,
/// importing again brings the copy up to how it ended, in either store.
@Suite struct ImportUpdateTests {
    /// A laptop's file holding deployment 1 running on h1, its Install in progress.
    static func runningSource() throws -> (file: TempHistory, store: any HistoryStore, id: DeploymentID) {
        let file = try TempHistory()
        let store = try file.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))
        try store.upsertHosts([Fixture.host(id, "h1", .inProgress)])
        try store.upsertEvents([EventRecord(deploymentID: id, host: "h1", event: .install, status: .inProgress)])
        return (file, store, id)
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func aDeploymentImportedWhileRunningIsUpdatedOnceItHasEnded(_ kind: HistoryStoreKind) throws {
        let (sourceFile, source, id) = try Self.runningSource()
        defer { withExtendedLifetime(sourceFile) {} }
        try source.appendOutput([Fixture.line(id, "h1", .install, "first")])
        let target = try kind.open()
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(imported: 1, lines: 1))
        #expect(try target.deployment(id)?.status == .inProgress)

        // It ends, with more output.
        try source.appendOutput([Fixture.line(id, "h1", .install, "second")])
        try source.upsertHosts([Fixture.host(id, "h1", .succeeded)])
        try source.upsertEvents([EventRecord(deploymentID: id, host: "h1", event: .install, status: .succeeded)])
        try source.updateDeployment(id, DeploymentUpdate(status: .succeeded, endTime: Fixture.time(99)))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(updated: 1, lines: 1))
        #expect(try HistoryImportResumeTests.contents(target) == HistoryImportResumeTests.contents(source))
        #expect(try target.deployment(id)?.endTime == Fixture.time(99))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(skipped: 1))

        // One that ends with no row more or less: only its record and its hosts' states change.
        let other = Fixture.id(2)
        try source.createDeployment(Fixture.deployment(2, status: .inProgress))
        try source.upsertHosts([Fixture.host(other, "h1", .inProgress)])
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(imported: 1, skipped: 1))
        try source.markFailedAfterRestart(other, reason: "its coordinator stopped", at: Fixture.time(200))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(updated: 1, skipped: 1))
        let ended = try #require(try target.deployment(other))
        #expect(ended.status == .failed && ended.errorCode == .failedAfterRestart && ended.errorMessage == "its coordinator stopped")
        #expect(try target.hosts(of: other).map(\.status) == [.failed])
    }

    /// A copy the store's next deployment of the group marked failed (FAILED_AFTER_RESTART, a
    /// guess: it found the copy unfinished) keeps that verdict while the source still runs,
    /// and takes the source's own end once it has one, the error code cleared for a success.
    @Test(arguments: HistoryStoreKind.allCases)
    func aGuessedEndGivesWayToTheRealOne(_ kind: HistoryStoreKind) throws {
        let (sourceFile, source, id) = try Self.runningSource()
        defer { withExtendedLifetime(sourceFile) {} }
        let target = try kind.open()
        _ = try HistoryImport.run(from: source, into: target)
        try target.markFailedAfterRestart(id, reason: "found by a later deployment", at: Fixture.time(50))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(skipped: 1))
        #expect(try target.deployment(id)?.status == .failed)

        try source.upsertHosts([Fixture.host(id, "h1", .succeeded)])
        try source.upsertEvents([EventRecord(deploymentID: id, host: "h1", event: .install, status: .succeeded)])
        try source.updateDeployment(id, DeploymentUpdate(status: .succeeded, endTime: Fixture.time(40)))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(updated: 1))
        let ended = try #require(try target.deployment(id))
        #expect(ended.status == .succeeded && ended.errorCode == nil && ended.errorMessage == nil, "\(ended)")
        #expect(ended.endTime == Fixture.time(40))
        #expect(try target.hosts(of: id).map(\.status) == [.succeeded])
        #expect(try target.events(of: id).map(\.status) == [.succeeded])
        #expect(try HistoryImportResumeTests.contents(target) == HistoryImportResumeTests.contents(source))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(skipped: 1), "not updated again and again")
    }

    /// A source that ended with a guess of its own (the laptop's next deployment marked it)
    /// does not replace the store's: neither knows more.
    @Test(arguments: HistoryStoreKind.allCases)
    func twoGuessesLeaveTheStoresVerdict(_ kind: HistoryStoreKind) throws {
        let (sourceFile, source, id) = try Self.runningSource()
        defer { withExtendedLifetime(sourceFile) {} }
        let target = try kind.open()
        _ = try HistoryImport.run(from: source, into: target)
        try target.markFailedAfterRestart(id, reason: "found by a later deployment", at: Fixture.time(50))
        try source.markFailedAfterRestart(id, reason: "found by the laptop", at: Fixture.time(70))
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(skipped: 1))
        #expect(try target.deployment(id)?.errorMessage == "found by a later deployment")
    }

    /// Nor are its hosts and events: a source that ran on (a laptop that slept through the
    /// takeover) adds the output it printed, but the hosts the store marked failed stay so.
    @Test(arguments: HistoryStoreKind.allCases)
    func anEndedCopysHostsAndEventsAreNotTakenBackToRunning(_ kind: HistoryStoreKind) throws {
        let (sourceFile, source, id) = try Self.runningSource()
        defer { withExtendedLifetime(sourceFile) {} }
        let target = try kind.open()
        _ = try HistoryImport.run(from: source, into: target)
        try target.markFailedAfterRestart(id, reason: "found by a later deployment", at: Fixture.time(50))
        let verdict = (hosts: try target.hosts(of: id).map(\.status), events: try target.events(of: id).map(\.status))
        try #require(verdict.hosts == [.failed])

        try source.appendOutput([Fixture.line(id, "h1", .install, "printed while asleep")])
        try source.upsertHosts([Fixture.host(id, "h2", .inProgress)])
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(completed: 1, lines: 1))
        #expect(try target.hosts(of: id).map(\.status) == verdict.hosts, "the store's verdict on its hosts stands")
        #expect(try target.events(of: id).map(\.status) == verdict.events)
        #expect(try target.output(of: id, afterSeq: 0, limit: 10).map(\.text) == ["printed while asleep"])
        #expect(try HistoryImport.run(from: source, into: target) == HistoryImport.Outcome(skipped: 1), "nothing left to copy")
    }
}
