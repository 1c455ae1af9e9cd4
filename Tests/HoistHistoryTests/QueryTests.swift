import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres
import Testing

/// The store contract, part 2: queries, on both stores.
@Suite struct HistoryQueryTests {
    /// 1 web/production ok, 2 web/staging failed, 3 api/production ok, 4 web/production failed,
    /// 5 web/production in progress; 6 and 7 share a create time (7 inserted last).
    static func seeded(_ kind: HistoryStoreKind) throws -> (Void, any HistoryStore) {
        let store = try kind.open()
        for record in [
            Fixture.deployment(1),
            Fixture.deployment(2, group: "staging", status: .failed),
            Fixture.deployment(3, application: "api"),
            Fixture.deployment(4, status: .failed),
            Fixture.deployment(5, status: .inProgress),
            Fixture.deployment(6, group: "canary", created: 1000),
            Fixture.deployment(7, group: "canary", status: .stopped, created: 1000),
        ] {
            try store.createDeployment(record)
        }
        return ((), store)
    }

    static let filters: [(DeploymentFilter, [Int])] = [
        (DeploymentFilter(), [7, 6, 5, 4, 3, 2, 1]),
        (DeploymentFilter(limit: 2), [7, 6]),
        (DeploymentFilter(deploymentGroup: "production"), [5, 4, 3, 1]),
        (DeploymentFilter(application: "web", deploymentGroup: "production"), [5, 4, 1]),
        (DeploymentFilter(status: .failed), [4, 2]),
        (DeploymentFilter(application: "web", status: .succeeded, limit: 1), [6]),
        (DeploymentFilter(deploymentGroup: "nowhere"), []),
    ]

    @Test(arguments: HistoryStoreKind.allCases, filters)
    func listFiltersNewestFirst(_ kind: HistoryStoreKind, _ query: (DeploymentFilter, [Int])) throws {
        let (filter, expected) = query
        let (_, store) = try Self.seeded(kind)
        #expect(try store.listDeployments(filter).map(\.id) == expected.map(Fixture.id))
    }

    /// `show` of a failed deployment names its rollback: the deployments whose rollbackOf it is.
    @Test(arguments: HistoryStoreKind.allCases)
    func aDeploymentsDetailNamesWhatRolledItBack(_ kind: HistoryStoreKind) throws {
        let (_, store) = try Self.seeded(kind)
        var rollback = Fixture.deployment(8, status: .succeeded)
        rollback.creator = .rollback
        rollback.rollbackOf = Fixture.id(4)
        try store.createDeployment(rollback)
        #expect(try store.listDeployments(DeploymentFilter(rollbackOf: Fixture.id(4))).map(\.id) == [Fixture.id(8)])
        #expect(try store.detail(Fixture.id(4))?.followUps.map(\.id) == [Fixture.id(8).rawValue])
        #expect(try store.detail(Fixture.id(1))?.followUps == [])
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func lastSucceededIsTheNewestSuccessOfThatGroup(_ kind: HistoryStoreKind) throws {
        let (_, store) = try Self.seeded(kind)
        #expect(try store.lastSucceeded(group: "production")?.id == Fixture.id(3))
        #expect(try store.lastSucceeded(group: "staging") == nil)
        try store.updateDeployment(Fixture.id(5), DeploymentUpdate(status: .succeeded, endTime: Fixture.time(400)))
        #expect(try store.lastSucceeded(group: "production")?.id == Fixture.id(5))
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func unfinishedDeploymentsAreFailedAfterRestart(_ kind: HistoryStoreKind) throws {
        let (_, store) = try Self.seeded(kind)
        let id = Fixture.id(5)
        try store.createDeployment(Fixture.deployment(8, group: "staging", status: .created))
        #expect(try store.unfinished(group: nil).map(\.id) == [id, Fixture.id(8)])
        #expect(try store.unfinished(group: "production").map(\.id) == [id])

        let done = Fixture.host(id, "web-1", .succeeded)
        let running = Fixture.host(id, "web-2", .inProgress)
        let waiting = Fixture.host(id, "web-3", .pending)
        for host in [done, running, waiting] { try store.upsertHost(host) }
        let ran = EventRecord(deploymentID: id, host: "web-2", event: .beforeInstall, status: .succeeded,
                              errorCode: .success, startTime: Fixture.time(2), endTime: Fixture.time(3))
        let cut = EventRecord(deploymentID: id, host: "web-2", event: .afterInstall, status: .inProgress,
                              startTime: Fixture.time(4))
        let next = EventRecord(deploymentID: id, host: "web-2", event: .applicationStart)
        for event in [ran, cut, next] { try store.upsertEvent(event) }

        let reason = "hoist stopped while the deployment ran (pid 4242 on laptop)"
        #expect(try store.markFailedAfterRestart(id, reason: reason, at: Fixture.time(600)))

        let failed = try #require(try store.deployment(id))
        #expect(failed.status == .failed)
        #expect(failed.errorCode == .failedAfterRestart)
        #expect(failed.errorMessage == reason)
        #expect(failed.endTime == Fixture.time(600))
        let hosts = try store.hosts(of: id)
        #expect(hosts.map(\.status) == [.succeeded, .failed, .skipped])
        #expect(hosts[1].errorCode == .failedAfterRestart && hosts[1].message == reason)
        #expect(hosts[1].endTime == Fixture.time(600))
        let events = try store.events(of: id)
        #expect(events.map(\.status) == [.succeeded, .failed, .skipped])
        #expect(events[0] == ran)
        #expect(events[1].errorCode == .failedAfterRestart && events[1].endTime == Fixture.time(600))

        #expect(try store.unfinished(group: "production").isEmpty)
        #expect(try store.markFailedAfterRestart(id, reason: "again") == false)
        #expect(try store.deployment(id)?.errorMessage == reason)
        #expect(throws: HistoryError.unknownDeployment(Fixture.id(99))) {
            try store.markFailedAfterRestart(Fixture.id(99), reason: "x")
        }
    }

    @Test(arguments: HistoryStoreKind.allCases)
    func outputPagesBySeqAndFiltersByHostAndEvent(_ kind: HistoryStoreKind) throws {
        let store = try kind.open()
        let id = Fixture.id(1)
        try store.createDeployment(Fixture.deployment(1))
        try store.createDeployment(Fixture.deployment(2))
        var written: [String] = []
        for batch in 0..<5 {
            var lines: [OutputRecord] = []
            for n in 0..<50 {
                let host = n % 2 == 0 ? "web-1" : "web-2"
                let event: LifecycleEvent = batch < 3 ? .beforeInstall : .afterInstall
                lines.append(Fixture.line(id, host, event, "\(batch)-\(n)"))
            }
            written += lines.map(\.text)
            try store.appendOutput(lines)
            try store.appendOutput([Fixture.line(Fixture.id(2), "web-1", .install, "other deployment")])
        }

        var pages: [[OutputRecord]] = []
        var after: Int64 = 0
        while true {
            let page = try store.output(of: id, afterSeq: after, limit: 100)
            guard let last = page.last else { break }
            pages.append(page)
            after = last.seq
        }
        #expect(pages.map(\.count) == [100, 100, 50])
        #expect(pages.flatMap { $0 }.map(\.text) == written)

        let web2 = try store.output(of: id, host: "web-2", event: nil, afterSeq: 0, limit: 1000)
        #expect(web2.count == 125 && web2.allSatisfy { $0.host == "web-2" })
        let late = try store.output(of: id, host: "web-1", event: .afterInstall, afterSeq: 0, limit: 1000)
        #expect(late.map(\.text) == (3..<5).flatMap { batch in stride(from: 0, to: 50, by: 2).map { "\(batch)-\($0)" } })
        let tail = try store.output(of: id, host: nil, event: nil, afterSeq: pages[2][9].seq, limit: 1000)
        #expect(tail.map(\.text) == Array(written.suffix(40)))
    }
}
