import Foundation
import Testing
import HoistCore
import HoistHistory
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// The `Deployment` coordinator end to end on folder hosts: rollout, automatic rollback under
/// one lock, stop, the lock on every path, history, and blue/green phase order.
@Suite struct DeploymentCoordinatorTests {
    @Test func deploysEveryHostAndReleasesTheLock() async throws {
        let group = try FolderGroup()
        let report = try await group.deploy(try await group.revision("v1"))
        #expect(report.verdict.status == .succeeded)
        #expect(report.hosts.count == 4)
        for host in group.hosts.map(\.name) {
            #expect(group.ran(host).contains("v1 ValidateService"))
            #expect(!group.lockExists(host))
        }
        let record = try #require(try group.history.deployment(DeploymentID(report.id)!))
        #expect(record.status == .succeeded)
        #expect(!report.historyIncomplete)
    }

    /// Failure 2 and the design's "failure in the second batch, then rollback": OneAtATime,
    /// the second host fails; the rollback runs on the two touched hosts while the lock is
    /// still ours, and the lock is gone afterwards.
    @Test func failureInSecondBatchRollsBackUnderTheSameLock() async throws {
        let group = try FolderGroup()
        let v1 = try await group.revision("v1")
        _ = try await group.deploy(v1)
        try group.fail("h2", .afterInstall, in: "v2")
        let lockDuringRollback = LockWitness(group: group)
        let report = try await group.deploy(
            try await group.revision("v2"), plan: group.plan(config: .oneAtATime, autoRollback: true),
            ports: group.ports(observer: ObserverFanout([group.reporter, lockDuringRollback])))

        #expect(report.verdict.status == .failed)
        #expect(report.hosts["h1"]?.status == .succeeded)
        #expect(report.hosts["h2"]?.status == .failed)
        #expect(report.verdict.hostStatuses["h3"] == .skipped)
        let rollback = try #require(report.rollback)
        #expect(rollback.status == .succeeded)
        #expect(lockDuringRollback.heldOnEveryHost == true)
        // A rollback that never ran has no id: a failed expectation, not a crash of every test.
        let rollbackID = try #require(rollback.id.flatMap { DeploymentID($0) })
        let record = try #require(try group.history.deployment(rollbackID))
        #expect(record.creator == .rollback)
        #expect(record.rollbackOf?.rawValue == report.id)
        #expect(try group.history.hosts(of: record.id).map(\.host).sorted() == ["h1", "h2"])
        #expect(group.ran("h2").last == "v1 ValidateService")
        #expect(group.ran("h3").allSatisfy { $0.hasPrefix("v1") })
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
    }

    /// Failure 5: HalfAtATime whose first host fails touches one host; HalfAtATime cannot run
    /// on one host, so the rollback runs OneAtATime and that host gets v1 back.
    @Test func rollbackRunsOnFewTouchedHosts() async throws {
        let group = try FolderGroup(["h1", "h2"])
        _ = try await group.deploy(try await group.revision("v1"))
        try group.fail("h1", .beforeInstall, in: "v2")
        let report = try await group.deploy(try await group.revision("v2"), plan: group.plan(config: .halfAtATime, autoRollback: true))
        #expect(report.verdict.status == .failed)
        let touched = report.hosts.values.filter { $0.events.contains { $0.1.status != .skipped } }.map(\.host)
        #expect(touched == ["h1"])
        let rollback = try #require(report.rollback)
        #expect(rollback.status == .succeeded)
        #expect(rollback.note.contains("OneAtATime"))
        #expect(group.ran("h1").last == "v1 ValidateService")
        #expect(group.lastSuccessful("h1")?.hasSuffix(rollback.id ?? "?") == true)
    }

    /// Failure 1: `ssh.concurrency` caps the hosts in flight whatever the configuration.
    @Test func concurrencyCapLimitsHostsInFlight() async throws {
        let group = try FolderGroup()
        let counter = InFlightCounter()
        let report = try await group.deploy(try await group.revision("v1"), plan: group.plan(config: .allAtOnce, cap: 1),
                                            ports: group.ports(observer: counter))
        #expect(report.verdict.status == .succeeded)
        #expect(counter.maximum == 1)
    }

    /// A stop during a batch: the running host finishes its hook, nothing new starts, and the
    /// summary names the host whose app is stopped (failure 6).
    @Test func stopDuringABatchNamesHostsLeftDown() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        _ = try await group.deploy(try await group.revision("v1"))
        try group.hold("h1")
        let stop = StopController()
        let v2 = try await group.revision("v2")
        async let report = group.deploy(v2, plan: group.plan(config: .oneAtATime), stop: stop)
        try await group.waitUntilHolding("h1")
        stop.request(.graceful, reason: "test")
        try group.release("h1")
        let ended = try await report
        #expect(ended.verdict.status == .stopped)
        #expect(ended.verdict.hostStatuses["h2"] == .skipped)
        #expect(group.ran("h1").last == "v2 AfterInstall")
        #expect(ended.attention.map(\.host) == ["h1"])
        #expect(ended.attention.first?.appStopped == true)
        let attention = group.reporter.notices.compactMap { notice -> [String]? in
            if case .hostsNeedAttention(let hosts, let steps) = notice { return hosts.map(\.host) + steps } else { return nil }
        }.first ?? []
        #expect(attention.first == "h1")
        #expect(attention.contains { $0.contains("hoist redeploy \(ended.id) --only-failed") })
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
    }

    /// Failure 2: every error path releases the lock. The history refuses the record: the
    /// deployment does not start, and the lock taken for it is gone.
    @Test func lockIsReleasedWhenTheHistoryFails() async throws {
        let group = try FolderGroup()
        let failing = FaultyHistory(inner: group.history) { if case .create = $0 { true } else { false } }
        await #expect(throws: DeploymentError.self) {
            _ = try await group.deploy(try await group.revision("v1"), ports: group.ports(history: failing))
        }
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
        #expect(group.ran("h1").isEmpty)
    }

    /// The rollback's revision cannot be found: the deployment still ends with its verdict, the
    /// lock is released, and the advice for the host left with its application stopped comes
    /// once, after the rollback said it could not run.
    @Test func lockIsReleasedWhenTheRollbackCannotRun() async throws {
        let group = try FolderGroup(["h1", "h2"])
        _ = try await group.deploy(try await group.revision("v1"))
        try group.fail("h1", .applicationStart)
        let report = try await group.deploy(
            try await group.revision("v2"), plan: group.plan(config: .oneAtATime, autoRollback: true),
            ports: group.ports(bundles: MissingBundles()))
        #expect(report.verdict.status == .failed)
        #expect(report.rollback?.id == nil)
        #expect(report.rollback?.note.contains("cannot be deployed again") == true)
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
        let notices = group.reporter.notices
        let rollback = try #require(notices.firstIndex { if case .rollbackImpossible = $0 { true } else { false } }, "\(notices)")
        let advice = notices.indices.filter { if case .hostsNeedAttention(let hosts, _) = notices[$0] { hosts.map(\.host) == ["h1"] } else { false } }
        #expect(advice.count == 1 && advice[0] > rollback, "\(notices)")
    }

    /// Failure 7: a history write that fails leaves the record incomplete, and the report
    /// says so (the CLI exits 7 instead of 0).
    @Test func failedHistoryWriteIsReported() async throws {
        let group = try FolderGroup(["h1"])
        let failing = FaultyHistory(inner: group.history) { if case .update(_, let update) = $0 { update.status?.isFinal == true } else { false } }
        let report = try await group.deploy(try await group.revision("v1"), ports: group.ports(history: failing))
        #expect(report.verdict.status == .succeeded)
        #expect(report.historyIncomplete)
        #expect(group.reporter.notices.contains { if case .historyIncomplete = $0 { return true } else { return false } })
    }

    /// Failure 4: the lock covers the group, not the selection: a deployment to other hosts
    /// of the group waits its turn, and the first is never declared dead.
    @Test func lockCoversHostSubsets() async throws {
        let group = try FolderGroup()
        try group.hold("h1")
        let v1 = try await group.revision("v1")
        async let first = group.deploy(v1, plan: group.plan(only: ["h1", "h2"]))
        try await group.waitUntilHolding("h1")
        await #expect {
            _ = try await group.deploy(v1, plan: group.plan(only: ["h3", "h4"]))
        } throws: { error in
            guard case DeploymentError.lockHeld = error else { return false }
            return true
        }
        try group.release("h1")
        let report = try await first
        #expect(report.verdict.status == .succeeded)
        let record = try #require(try group.history.deployment(DeploymentID(report.id)!))
        #expect(record.status == .succeeded)
        #expect(group.ran("h3").isEmpty)
    }

    /// Failure 4: two coordinators racing to take over the lock of a coordinator whose process
    /// is gone: exactly one wins, and the loser's attempt never removes the winner's lock.
    @Test func racingTakeoversOfADeadCoordinatorsLock() async throws {
        let group = try FolderGroup()
        let v1 = try await group.revision("v1")
        // A coordinator on this machine that is gone: its lock is on every host.
        let deadPID: Int32 = 2_000_000_000
        let dead = LockOwner(user: "old", machine: ProcessInfo.processInfo.hostName, deploymentID: "d-DEADDEAD1", pid: deadPID,
                             startTime: 0, command: "hoist deploy")
        _ = try await GroupLock(groupID: group.groupID, hosts: group.hosts, owner: dead) { LocalHostSession(host: $0) }.acquire()
        try group.hold("h1")
        let results = try await withThrowingTaskGroup(of: Result<DeploymentReport, any Error>.self) { tasks in
            for _ in 0..<2 {
                tasks.addTask { await Result(catching: { try await group.deploy(v1, plan: group.plan(only: ["h1"])) }) }
            }
            // The winner holds h1 until released, so the first to end is the loser.
            var ended = [try await tasks.next()!]
            try group.release("h1")
            ended.append(try await tasks.next()!)
            return ended
        }
        guard case .failure(DeploymentError.lockHeld) = results[0] else {
            Issue.record("the first coordinator to end should have found the lock held, got \(results[0])")
            return
        }
        guard case .success(let report) = results[1] else {
            Issue.record("the second coordinator should have deployed, got \(results[1])")
            return
        }
        #expect(report.verdict.status == .succeeded)
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
    }

    /// Blue/green as phases, in order: block the replacement, install it, reroute in batches
    /// (OneAtATime: each batch allows a green host before it blocks a blue one), record the
    /// live fleet.
    @Test func blueGreenPhasesRunInOrder() async throws {
        let tags: [String: [HoistCore.Tag]] = ["b1": [HoistCore.Tag("color", "blue")], "b2": [HoistCore.Tag("color", "blue")],
                                     "g1": [HoistCore.Tag("color", "green")], "g2": [HoistCore.Tag("color", "green")]]
        let group = try FolderGroup(["b1", "b2", "g1", "g2"], tags: tags)
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"])
        let traffic = RecordingTraffic()
        let plan = group.plan(config: .oneAtATime, phases: DeploymentPhase.blueGreen(spec, traffic: true), blueGreen: spec, traffic: true)
        let observer = RecordingObserver()
        let report = try await group.deploy(try await group.revision("v1"), plan: plan, ports: group.ports(traffic: traffic, observer: observer))
        #expect(report.verdict.status == .succeeded)
        // The original fleet is out of service on purpose: no advice to put it right.
        #expect(report.attention.isEmpty, "\(report.attention)")
        #expect(!observer.events.current.contains { if case .notice(.hostsNeedAttention) = $0 { return true } else { return false } })
        let calls = traffic.calls.current
        let phases = calls.map { "\($0.0) \($0.1.first == "g" ? "green" : "blue")" }
        var collapsed: [String] = []
        for phase in phases where collapsed.last != phase { collapsed.append(phase) }
        #expect(collapsed == ["block green", "allow green", "block blue", "allow green", "block blue"])
        #expect(Set(calls.filter { $0.0 == "block" && $0.1.first == "b" }.map(\.1)) == ["b1", "b2"], "every original host left rotation")
        #expect(group.ran("g1").contains("v1 ApplicationStart"))
        #expect(group.ran("b1").contains("v1 ApplicationStart") == false)
        let live = HostCommands(layout: HostLayout(root: group.scratch.file("hosts/b1"), groupID: group.groupID),
                                deploymentID: "", become: false).liveFleetFile
        #expect((try? String(contentsOfFile: live, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "green")
    }
}

/// Checks, when the rollback starts, that the failed deployment's lock is still on every host.
final class LockWitness: DeploymentObserver, @unchecked Sendable {
    let group: FolderGroup
    private let seen = Locked<Bool?>(nil)
    init(group: FolderGroup) { self.group = group }
    var heldOnEveryHost: Bool? { seen.current }
    func handle(_ event: DeploymentEvent) {
        guard case .notice(.rollbackStarting) = event else { return }
        let held = group.hosts.allSatisfy { group.lockExists($0.name) }
        seen.withLock { $0 = held }
    }
}

/// The most hosts in flight at once.
final class InFlightCounter: DeploymentObserver, @unchecked Sendable {
    private let state = Locked((now: 0, max: 0))
    var maximum: Int { state.current.max }
    func handle(_ event: DeploymentEvent) {
        switch event {
        case .hostStarted: state.withLock { $0.now += 1; $0.max = Swift.max($0.max, $0.now) }
        case .hostFinished: state.withLock { $0.now -= 1 }
        default: break
        }
    }
}

/// Traffic control that records each call.
final class RecordingTraffic: TrafficControl, @unchecked Sendable {
    let calls = Locked<[(String, String)]>([])
    func block(_ host: HostSpec) async throws -> [DrainCutShort] { calls.withLock { $0.append(("block", host.name)) }; return [] }
    func allow(_ host: HostSpec) async throws { calls.withLock { $0.append(("allow", host.name)) } }
}

struct MissingBundles: BundleSource {
    struct Gone: Error, CustomStringConvertible { var description: String { "the bundle is gone" } }
    func revision(of record: DeploymentRecord) async throws -> DeployableRevision { throw Gone() }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
