import Foundation
import HoistCore
import HoistEngine
import HoistHistory
import HoistTestSupport
import Testing
@testable import HoistCLI

/// `hoist show ID --refresh` on a deployment whose coordinator could not record its end
/// (exit 7): it set the hosts' rows from their own records but left the deployment
/// InProgress, though its warning said it repairs the record.
@Suite struct HostRecordsRefreshTests {
    static func onHost(_ id: String, _ host: String, _ status: String) -> HostDeploymentRecord? {
        HostDeploymentRecord.parse("""
            {"deploymentID":"\(id)","application":"shop","deploymentGroup":"web","revision":"rev","revisionSHA256":"ab",
             "creator":"user","createdBy":"alice@laptop","host":"\(host)","status":"\(status)",
             "events":[{"event":"ApplicationStart","status":"\(status)","start":"2026-12-06T10:00:00Z","end":"2026-12-06T10:00:05Z"}]}
            """)
    }

    /// A history holding `id` InProgress on `hosts`, as a coordinator that could not record
    /// its end leaves it.
    static func unended(_ id: DeploymentID, hosts: [String], config: String = "CodeDeployDefault.AllAtOnce",
                        in scratch: ScratchDirectory) throws -> SQLiteHistoryStore {
        let store = try SQLiteHistoryStore(path: scratch.file("history.sqlite3"))
        try store.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "web", playbookPath: "/p.yml", status: .inProgress, createdBy: "alice@laptop",
            revisionPath: "rev", deploymentConfigName: config, createTime: Date(), hostCount: hosts.count))
        try store.upsertHosts(hosts.map { HostRecord(deploymentID: id, host: $0, address: "", status: .inProgress) })
        return store
    }

    @Test func aDeploymentEveryHostSaysSucceededIsRecordedSucceeded() throws {
        let scratch = try ScratchDirectory("hoist-refresh")
        let id = DeploymentID("d-UNENDED01")!
        let store = try Self.unended(id, hosts: ["h1", "h2"], in: scratch)

        let oneUnread = [HostRecordReading(host: "h1", record: Self.onHost(id.rawValue, "h1", "Succeeded")),
                         HostRecordReading(host: "h2", error: "connection refused")]
        _ = HostRecordsRefresh.reconcile(oneUnread, store: store, id: id)
        #expect(try store.deployment(id)?.status == .inProgress, "a host not heard leaves the verdict to the next deployment")

        let allSucceeded = ["h1", "h2"].map { HostRecordReading(host: $0, record: Self.onHost(id.rawValue, $0, "Succeeded")) }
        let changes = HostRecordsRefresh.reconcile(allSucceeded, store: store, id: id)
        #expect(try store.deployment(id)?.status == .succeeded)
        #expect(changes.last == "d-UNENDED01: history said InProgress, every host says Succeeded", "\(changes)")
        #expect(try store.hosts(of: id).allSatisfy { $0.status == .succeeded && $0.endTime != nil })
        #expect(try store.events(of: id).allSatisfy { $0.status == .succeeded && $0.endTime != nil })
    }

    /// One host of four Failed under a configuration whose minimum three still met: CodeDeploy
    /// calls it a success, and `--refresh` left it InProgress. A custom configuration is the
    /// playbook's; one the playbook does not define leaves the deployment as it is.
    @Test func aDeploymentThatMetItsMinimumIsRecordedSucceeded() throws {
        let scratch = try ScratchDirectory("hoist-refresh-minimum")
        let id = DeploymentID("d-MINIMUM01")!
        let store = try Self.unended(id, hosts: ["h1", "h2", "h3", "h4"], config: "Canary", in: scratch)
        let reports = ["h1", "h2", "h3", "h4"].map {
            HostRecordReading(host: $0, record: Self.onHost(id.rawValue, $0, $0 == "h4" ? "Failed" : "Succeeded"))
        }
        _ = HostRecordsRefresh.reconcile(reports, store: store, id: id, playbookConfig: .halfAtATime)
        #expect(try store.deployment(id)?.status == .inProgress, "Canary is not this playbook's")

        let canary = DeploymentConfig(name: "Canary", minimumHealthyHosts: .init(.hostCount, 3))
        let changes = HostRecordsRefresh.reconcile(reports, store: store, id: id, playbookConfig: canary)
        #expect(changes.last == "d-MINIMUM01: history said InProgress, 3 of 4 hosts say Succeeded and the rest Failed, enough for Canary: Succeeded",
                "\(changes)")
        let record = try #require(try store.deployment(id))
        #expect(record.status == .succeeded && record.errorCode == nil)
        #expect(try store.hosts(of: id).first { $0.host == "h4" }?.status == .failed)
    }

    /// A deployment a later one only guessed abandoned (it could not reach every host): the
    /// hosts' word replaces the guess, as the docs promise a real end does.
    @Test func theHostsWordReplacesTheAbandonedGuess() throws {
        let scratch = try ScratchDirectory("hoist-refresh-guess")
        let id = DeploymentID("d-GUESSED01")!
        let store = try Self.unended(id, hosts: ["h1"], in: scratch)
        #expect(try store.markFailedAfterRestart(id, reason: "guessed", at: Date()))
        _ = HostRecordsRefresh.reconcile([HostRecordReading(host: "h1", record: Self.onHost(id.rawValue, "h1", "Succeeded"))],
                                         store: store, id: id)
        let record = try #require(try store.deployment(id))
        #expect(record.status == .succeeded && record.errorCode == nil, "\(record.status) \(String(describing: record.errorCode))")
    }

    /// A history that took only the deployment's start (its disk full): the hosts holding a
    /// record of it are its hosts when they are as many as it had. `--refresh` listed them
    /// Succeeded and changed nothing.
    @Test func aDeploymentWithNoHostRowsIsRecordedFromTheHostsThatHoldIt() throws {
        let scratch = try ScratchDirectory("hoist-refresh-no-rows")
        let id = DeploymentID("d-NOROWS001")!
        let store = try SQLiteHistoryStore(path: scratch.file("history.sqlite3"))
        try store.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "web", playbookPath: "/p.yml", status: .created, createdBy: "alice@laptop",
            revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Date(), hostCount: 2))
        let reports = [HostRecordReading(host: "h1", address: "10.0.0.1", record: Self.onHost(id.rawValue, "h1", "Succeeded")),
                       HostRecordReading(host: "h2", address: "10.0.0.2", record: Self.onHost(id.rawValue, "h2", "Succeeded")),
                       HostRecordReading(host: "h3", address: "10.0.0.3", record: Self.onHost("d-OTHER0001", "h3", "Succeeded"))]
        let changes = HostRecordsRefresh.reconcile(reports, store: store, id: id)
        #expect(try store.deployment(id)?.status == .succeeded, "\(changes)")
        #expect(try store.hosts(of: id).map(\.host) == ["h1", "h2"])
        #expect(try store.hosts(of: id).allSatisfy { $0.status == .succeeded })
    }
}
