import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// The history commands of the built `hoist` binary, against real files.
@Suite struct HistoryCLITests {
    @Test func listPrintsJSONNewestFirst() throws {
        let temp = try TempHistory()
        let store = try temp.open()
        try store.createDeployment(Fixture.deployment(1))
        try store.createDeployment(Fixture.deployment(2, group: "staging", status: .failed))

        let all = try HoistBinary.run(["list", "--db", temp.path, "--json"])
        #expect(all.status == 0, "\(all.stderr)")
        let decoded = try HistoryJSON.decoder().decode([DeploymentRecord].self, from: Data(all.stdout.utf8))
        #expect(decoded == [Fixture.deployment(2, group: "staging", status: .failed), Fixture.deployment(1)])

        let filtered = try HoistBinary.run(["list", "--db", temp.path, "--json", "--group", "staging", "--status", "failed"])
        #expect(try HistoryJSON.decoder().decode([DeploymentRecord].self, from: Data(filtered.stdout.utf8)).map(\.id)
            == [Fixture.id(2)])
    }

    @Test(arguments: [
        (["show", "d-NOPE00000"], "No deployment d-NOPE00000 in the history"),
        (["show", "42"], "'42' is not a deployment id"),
        (["logs", "d-NOPE00000"], "No deployment d-NOPE00000 in the history"),
        (["list", "--status", "Done"], "'Done' is not a deployment status"),
        (["logs", "d-TEST00001", "--event", "Deploy"], "'Deploy' is not a lifecycle event"),
    ])
    func invalidInputExitsWithStatus2(_ args: [String], _ message: String) throws {
        let temp = try TempHistory()
        try temp.open().createDeployment(Fixture.deployment(1))
        let result = try HoistBinary.run(args + ["--db", temp.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// Nothing to stop exits 1, as the README's exit codes say; an unknown id is bad input.
    @Test func stoppingADeploymentThatHasEndedExitsOne() throws {
        let temp = try TempHistory()
        try temp.open().createDeployment(Fixture.deployment(1))
        let ended = try HoistBinary.run(["stop", "d-TEST00001", "--db", temp.path])
        #expect(ended.status == 1)
        #expect(ended.stderr.contains("d-TEST00001 has already ended (Succeeded); there is nothing to stop"), "\(ended.stderr)")
        let unknown = try HoistBinary.run(["stop", "d-NOPE00000", "--db", temp.path])
        #expect(unknown.status == 2, "\(unknown.stderr)")
    }

    @Test func showPrintsTheReport() throws {
        let temp = try TempHistory()
        let store = try temp.open()
        try store.createDeployment(Fixture.deployment(1))
        try store.upsertHost(Fixture.host(Fixture.id(1), "web-1"))
        let result = try HoistBinary.run(["show", "d-TEST00001", "--db", temp.path])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Deployment   d-TEST00001\nStatus       Succeeded\n"))
        #expect(result.stdout.contains("\nweb-1 (10.0.0.1)"))
    }

    @Test func logsFiltersByHostAndEvent() throws {
        let temp = try TempHistory()
        let store = try temp.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1))
        try store.upsertHost(Fixture.host(id, "web-1"))
        try store.upsertHost(Fixture.host(id, "web-2"))
        try store.appendOutput([
            Fixture.line(id, "web-1", .beforeInstall, "one"),
            Fixture.line(id, "web-2", .beforeInstall, "two", stream: .stderr),
            Fixture.line(id, "web-2", .afterInstall, "three"),
        ])
        let all = try HoistBinary.run(["logs", id.rawValue, "--db", temp.path])
        #expect(all.status == 0)
        #expect(all.stdout == "web-1 BeforeInstall [stdout] one\nweb-2 BeforeInstall [stderr] two\nweb-2 AfterInstall [stdout] three\n")
        let some = try HoistBinary.run(["logs", id.rawValue, "--db", temp.path, "--host", "web-2", "--event", "afterinstall"])
        #expect(some.stdout == "web-2 AfterInstall [stdout] three\n")
        let unknownHost = try HoistBinary.run(["logs", id.rawValue, "--db", temp.path, "--host", "web-9"])
        #expect(unknownHost.status == 2)
    }

    /// Two processes on one file: this test deploys, `hoist logs --follow` reads.
    @Test func logsFollowPrintsEveryLineAndStopsWhenTheDeploymentEnds() throws {
        let temp = try TempHistory()
        let store = try temp.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1, status: .inProgress))
        try store.upsertHost(Fixture.host(id, "web-1", .inProgress))
        try store.appendOutput([Fixture.line(id, "web-1", .applicationStop, "before the follower started")])

        let follower = try HoistBinary.start(["logs", id.rawValue, "--db", temp.path, "--follow"])
        var expected = ["web-1 ApplicationStop [stdout] before the follower started"]
        for batch in 0..<30 {
            let lines = (0..<50).map { Fixture.line(id, "web-1", .afterInstall, "line \(batch)-\($0)") }
            try store.appendOutput(lines)
            expected += lines.map(HistoryText.logLine)
        }
        try store.updateDeployment(id, DeploymentUpdate(status: .succeeded, endTime: Fixture.time(400)))

        let result = follower.finish()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == expected.map { $0 + "\n" }.joined())
    }
}
