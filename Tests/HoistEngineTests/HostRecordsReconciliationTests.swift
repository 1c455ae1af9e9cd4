import Foundation
import HoistCore
import HoistHistory
import HoistPlanning
import HoistTestSupport
import Testing
@testable import HoistEngine

/// A deployment whose coordinator died after its hosts finished, one of them Failed, stayed
/// FAILED_AFTER_RESTART (or unfinished) though its configuration's minimum healthy hosts were
/// met: CodeDeploy calls that a success. The hosts' records now get the rollout's verdict.
@Suite struct HostRecordsReconciliationTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func onHost(_ id: DeploymentID, _ host: String, _ status: InstanceStatus, end: TimeInterval = 5) -> HostDeploymentRecord {
        let failed = status == .failed
        return HostDeploymentRecord(
            deploymentID: id.rawValue, application: "shop", deploymentGroup: "web", revision: "rev", revisionSHA256: "ab",
            creator: "user", createdBy: "alice@laptop", host: host, status: status.rawValue,
            errorCode: failed ? LifecycleErrorCode.scriptFailed.rawValue : nil, message: failed ? "exit 1" : nil,
            events: [.init(event: LifecycleEvent.applicationStart.rawValue, status: status.rawValue,
                           errorCode: failed ? LifecycleErrorCode.scriptFailed.rawValue : nil, message: failed ? "exit 1" : nil,
                           start: start, end: start.addingTimeInterval(end))])
    }

    /// A history holding `id` InProgress on `hosts` under `config`, as a coordinator killed
    /// after its hosts finished leaves it.
    static func unended(_ id: DeploymentID, hosts: [String], config: String, type: DeploymentType = .inPlace,
                        in scratch: ScratchDirectory) throws -> SQLiteHistoryStore {
        let store = try SQLiteHistoryStore(path: scratch.file("history.sqlite3"))
        try store.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "web", playbookPath: "/p.yml", status: .inProgress, createdBy: "alice@laptop",
            revisionPath: "rev", deploymentConfigName: config, deploymentType: type, createTime: start, hostCount: hosts.count))
        try store.upsertHosts(hosts.map { HostRecord(deploymentID: id, host: $0, address: "", status: .inProgress) })
        return store
    }

    static func readings(_ id: DeploymentID, _ statuses: [(String, InstanceStatus?)]) -> [HostRecordReading] {
        statuses.map { host, status in HostRecordReading(host: host, record: status.map { onHost(id, host, $0) }) }
    }

    static func reconcile(_ store: SQLiteHistoryStore, _ id: DeploymentID, config: DeploymentConfig?,
                          _ readings: [HostRecordReading]) throws -> HostRecordsReconciliation.Applied {
        let deployment = try #require(try store.deployment(id))
        let reconciliation = HostRecordsReconciliation(deployment, config: config, rows: try store.hosts(of: id), readings: readings,
                                                       now: start.addingTimeInterval(60))
        return reconciliation.apply(to: store)
    }

    static let threeOfFour: [(String, InstanceStatus?)] = [("h1", .succeeded), ("h2", .succeeded), ("h3", .succeeded), ("h4", .failed)]

    @Test func halfAtATimeWithOneOfFourFailedIsSucceeded() throws {
        let scratch = try ScratchDirectory("hoist-reconcile-half")
        let id = DeploymentID("d-HALF00001")!
        let store = try Self.unended(id, hosts: ["h1", "h2", "h3", "h4"], config: DeploymentConfig.halfAtATime.name, in: scratch)
        let changes = try Self.reconcile(store, id, config: .halfAtATime, Self.readings(id, Self.threeOfFour))
        #expect(changes.end == .succeeded(was: .inProgress, succeeded: 3, hosts: 4), "\(changes)")
        let record = try #require(try store.deployment(id))
        #expect(record.status == .succeeded && record.errorCode == nil)
        #expect(record.errorMessage == "The deployment succeeded: 3 of 4 hosts succeeded (at least 2 needed).")
        #expect(record.endTime == Self.start.addingTimeInterval(5), "the hosts' last end, not now")
        let rows = Dictionary(uniqueKeysWithValues: try store.hosts(of: id).map { ($0.host, $0) })
        #expect(rows["h4"]?.status == .failed && rows["h4"]?.errorCode == .scriptFailed && rows["h4"]?.message == "exit 1")
        #expect(["h1", "h2", "h3"].allSatisfy { rows[$0]?.status == .succeeded })
        #expect(try store.events(of: id).allSatisfy { $0.status != .inProgress && $0.endTime != nil })
    }

    /// A guess (FAILED_AFTER_RESTART) is replaced as an unfinished record is; a custom
    /// configuration of 75 % needs 3 of 4.
    @Test func customSeventyFivePercentIsJudgedByItsMinimum() throws {
        let canary = DeploymentConfig(name: "Canary", minimumHealthyHosts: .init(.fleetPercent, 75))
        let scratch = try ScratchDirectory("hoist-reconcile-custom")
        let met = DeploymentID("d-CUSTOM001")!
        let store = try Self.unended(met, hosts: ["h1", "h2", "h3", "h4"], config: "Canary", in: scratch)
        #expect(try store.markFailedAfterRestart(met, reason: "guessed", at: Self.start))
        _ = try Self.reconcile(store, met, config: canary, Self.readings(met, Self.threeOfFour))
        let record = try #require(try store.deployment(met))
        #expect(record.status == .succeeded && record.errorCode == nil, "\(record.status) \(String(describing: record.errorCode))")

        let missed = DeploymentID("d-CUSTOM002")!
        try store.createDeployment(DeploymentRecord(
            id: missed, application: "shop", deploymentGroup: "web", playbookPath: "/p.yml", status: .inProgress, createdBy: "alice@laptop",
            revisionPath: "rev", deploymentConfigName: "Canary", createTime: Self.start, hostCount: 4))
        try store.upsertHosts(["h1", "h2", "h3", "h4"].map { HostRecord(deploymentID: missed, host: $0, address: "", status: .inProgress) })
        let changes = try Self.reconcile(store, missed, config: canary,
                                         Self.readings(missed, [("h1", .succeeded), ("h2", .succeeded), ("h3", .failed), ("h4", .failed)]))
        #expect(changes.end == .failed(was: .inProgress, errorCode: .healthConstraints, succeeded: 2, hosts: 4), "\(changes)")
        let failed = try #require(try store.deployment(missed))
        // CodeDeploy's text for too few healthy hosts, as the live rollout records it.
        let live = "The overall deployment failed because too many individual instances failed deployment,"
            + " too few healthy instances are available for deployment, or some instances in your"
            + " deployment group are experiencing problems."
        #expect(failed.status == .failed && failed.errorCode == .healthConstraints && failed.errorMessage == live)
        #expect(failed.endTime == Self.start.addingTimeInterval(5))
    }

    /// AllAtOnce needs one success even with a minimum of 0.
    @Test func allAtOnceWithEveryHostFailedIsFailed() throws {
        let scratch = try ScratchDirectory("hoist-reconcile-all-failed")
        let id = DeploymentID("d-ALLFAIL01")!
        let store = try Self.unended(id, hosts: ["h1", "h2"], config: DeploymentConfig.allAtOnce.name, in: scratch)
        _ = try Self.reconcile(store, id, config: .allAtOnce, Self.readings(id, [("h1", .failed), ("h2", .failed)]))
        #expect(try store.deployment(id)?.errorCode == .healthConstraints)
    }

    /// A host unreachable at the end writes no record of its own; the history saw it fail.
    @Test func aFailureOnlyTheHistorySawCounts() throws {
        let scratch = try ScratchDirectory("hoist-reconcile-unreachable")
        let id = DeploymentID("d-UNREACH01")!
        let store = try Self.unended(id, hosts: ["h1", "h2", "h3", "h4"], config: DeploymentConfig.halfAtATime.name, in: scratch)
        try store.upsertHost(HostRecord(deploymentID: id, host: "h4", address: "", status: .failed, errorCode: .hostUnreachable,
                                        endTime: Self.start.addingTimeInterval(9)))
        let readings = Self.readings(id, [("h1", .succeeded), ("h2", .succeeded), ("h3", .succeeded)])
            + [HostRecordReading(host: "h4", error: "connection refused")]
        _ = try Self.reconcile(store, id, config: .halfAtATime, readings)
        let record = try #require(try store.deployment(id))
        #expect(record.status == .succeeded)
        #expect(record.endTime == Self.start.addingTimeInterval(9), "h4's end, as the history had it")
        #expect(try store.hosts(of: id).first { $0.host == "h4" }?.errorCode == .hostUnreachable)
    }

    /// What is not settled stays as it is: a host never reached (no record, the history never
    /// saw it end), a configuration unknown here, a blue/green deployment.
    @Test func whatTheHostsDoNotSettleIsLeftAlone() throws {
        let scratch = try ScratchDirectory("hoist-reconcile-unsettled")
        let id = DeploymentID("d-UNSETTLE1")!
        let store = try Self.unended(id, hosts: ["h1", "h2", "h3", "h4"], config: "Canary", in: scratch)
        let canary = DeploymentConfig(name: "Canary", minimumHealthyHosts: .init(.hostCount, 1))
        let neverReached: [(String, InstanceStatus?)] = [("h1", .succeeded), ("h2", .failed), ("h3", nil), ("h4", nil)]
        _ = try Self.reconcile(store, id, config: canary, Self.readings(id, neverReached))
        #expect(try store.deployment(id)?.status == .inProgress)
        _ = try Self.reconcile(store, id, config: nil, Self.readings(id, Self.threeOfFour))
        #expect(try store.deployment(id)?.status == .inProgress, "a custom configuration the playbook no longer names")

        let blueGreen = DeploymentID("d-BLUEGRN01")!
        let other = try ScratchDirectory("hoist-reconcile-blue-green")
        let bgStore = try Self.unended(blueGreen, hosts: ["h1", "h2", "h3", "h4"], config: DeploymentConfig.allAtOnce.name,
                                       type: .blueGreen, in: other)
        _ = try Self.reconcile(bgStore, blueGreen, config: .allAtOnce, Self.readings(blueGreen, Self.threeOfFour))
        #expect(try bgStore.deployment(blueGreen)?.status == .inProgress)
    }

    /// A FAILED_AFTER_RESTART guess marks the hosts it found in progress Failed: that is no
    /// end of theirs, and two hosts never heard from cannot count as failed ones.
    @Test func theGuessIsNoHostsEnd() throws {
        let scratch = try ScratchDirectory("hoist-reconcile-guess")
        let id = DeploymentID("d-GUESSED02")!
        let store = try Self.unended(id, hosts: ["h1", "h2", "h3", "h4"], config: "Canary", in: scratch)
        #expect(try store.markFailedAfterRestart(id, reason: "guessed", at: Self.start))
        let canary = DeploymentConfig(name: "Canary", minimumHealthyHosts: .init(.hostCount, 1))
        _ = try Self.reconcile(store, id, config: canary, Self.readings(id, [("h1", .succeeded), ("h2", .succeeded), ("h3", nil), ("h4", nil)]))
        #expect(try store.deployment(id)?.errorCode == .failedAfterRestart)
    }

    /// Under OneAtATime only the last host may fail; with all four at an end, that is the one.
    @Test func oneAtATimeAllowsOneFailure() throws {
        let scratch = try ScratchDirectory("hoist-reconcile-one")
        let id = DeploymentID("d-ONEATA001")!
        let store = try Self.unended(id, hosts: ["h1", "h2", "h3", "h4"], config: DeploymentConfig.oneAtATime.name, in: scratch)
        _ = try Self.reconcile(store, id, config: .oneAtATime, Self.readings(id, Self.threeOfFour))
        #expect(try store.deployment(id)?.status == .succeeded)
    }

    @Test func aRecordNamesItsConfiguration() {
        let canary = DeploymentConfig(name: "Canary", minimumHealthyHosts: .init(.fleetPercent, 75))
        #expect(DeploymentConfig.named("CodeDeployDefault.HalfAtATime", custom: canary) == .halfAtATime)
        #expect(DeploymentConfig.named("Canary", custom: canary) == canary)
        #expect(DeploymentConfig.named("Canary", custom: nil) == nil)
    }
}
