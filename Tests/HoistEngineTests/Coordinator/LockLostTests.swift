import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// A coordinator that loses the group's lock mid-deployment: its laptop lost the network (or
/// slept) past the lease, and a teammate's deployment took the lock over as stale. An
/// adversarial run found the returning coordinator only warning "lost the deployment group
/// lock" and going on: starting its next hosts and then rolling back automatically, under a
/// lock that was another deployment's, so two coordinators changed the same hosts.
@Suite struct LockLostTests {
    static func notices(_ observer: RecordingObserver) -> [DeploymentNotice] {
        observer.events.current.compactMap { if case .notice(let notice) = $0 { return notice } else { return nil } }
    }

    /// What ran on `host` of `revision` (its `ran` lines).
    static func ran(_ group: FolderGroup, _ host: String, _ revision: String) -> [String] {
        group.ran(host).filter { $0.hasPrefix(revision + " ") }
    }

    /// Three hosts where v1 succeeded: what an automatic rollback would put back.
    static func groupRunningV1() async throws -> FolderGroup {
        let group = try FolderGroup(["h1", "h2", "h3"])
        let first = try await group.deploy(try await group.revision("v1"))
        try #require(first.verdict.status == .succeeded)
        return group
    }

    /// Waits for the notice `expected` picks, lets h1's held hook go, and checks the v2
    /// deployment ended Stopped without starting h2 or h3 or rolling back.
    static func stoppedOnce(_ group: FolderGroup, _ running: Task<DeploymentReport, any Error>, _ observer: RecordingObserver,
                            _ expected: @escaping (DeploymentNotice) -> Bool) async throws -> DeploymentReport {
        let noticed = await eventually(within: 120) { notices(observer).contains(where: expected) }
        // The stop kills h1's held hook; let it go only once it has ended, or the race is
        // the test's: a hook let go first ends as it would have, not killed. (A stop before
        // the hook started leaves nothing to wait for.)
        let killed = await eventually(within: 120) {
            let events = observer.events.current
            let started = events.contains { if case .eventStarted("h1", .afterInstall, _, _) = $0 { true } else { false } }
            return !started || events.contains { if case .eventFinished("h1", .afterInstall, _) = $0 { true } else { false } }
        }
        try group.release("h1")
        #expect(killed, "h1's AfterInstall was not stopped")
        let report = try await running.value
        #expect(noticed, "\(notices(observer))")
        #expect(report.verdict.status == .stopped, "\(report.verdict)")
        #expect(report.verdict.errorCode == .internalError)
        #expect(report.rollback == nil, "no automatic rollback under a lock that may be another deployment's")
        #expect(ran(group, "h2", "v2").isEmpty && ran(group, "h3", "v2").isEmpty, "\(group.ran("h2")) \(group.ran("h3"))")
        return report
    }

    /// Another deployment takes the lock over on every host while h1's AfterInstall runs: the
    /// coordinator stops, starts no other host, and does not roll back.
    @Test(.timeLimit(.minutes(5)))
    func aCoordinatorWhoseLockWasTakenOverStopsAndDoesNotRollBack() async throws {
        let group = try await Self.groupRunningV1()
        let plan = group.plan(config: .oneAtATime, autoRollback: true)
        let observer = RecordingObserver()
        try group.hold("h1")
        let v2 = try await group.revision("v2")
        let running = Task { try await group.deploy(v2, plan: plan, ports: group.ports(observer: observer)) }
        try await group.waitUntilHolding("h1")
        for host in ["h1", "h2", "h3"] {
            try LockLeftBehindTests.plant(group, on: host, deploymentID: "d-BOBTAKES1", machine: "ci")
        }
        let report = try await Self.stoppedOnce(group, running, observer) { if case .lockLost = $0 { true } else { false } }
        // On whichever host a beat found it first: a round of every host may come before h1's.
        #expect(report.verdict.message?.range(of: "lost the deployment group lock on h[123] to d-BOBTAKES1", options: .regularExpression) != nil,
                "\(report.verdict.message ?? "")")
        // Its hook was stopped once the lock was gone: said as the taker's doing, not a stop of its own.
        let afterInstall = try group.history.events(of: DeploymentID(report.id)!, host: "h1").first { $0.event == .afterInstall }
        #expect(afterInstall?.message?.contains("killed by another deployment, which took the deployment group lock over") == true,
                "\(String(describing: afterInstall))")
        // The rollback would have run v1's hooks on h1 again.
        #expect(group.ran("h1").last?.hasPrefix("v2 ") == true, "\(group.ran("h1"))")
        // Hosts left with their application stopped are the taker's now: no advice to
        // redeploy or roll back from here, which would undo its work.
        let advice = Self.notices(observer).compactMap { if case .hostsNeedAttention(_, let steps) = $0 { steps } else { nil } }
        #expect(!advice.isEmpty, "\(Self.notices(observer))")
        #expect(advice.allSatisfy { $0.count == 1 && $0[0].hasPrefix("the deployment that took the group's lock over decides these hosts now") }, "\(advice)")
        // The lock stays the taker's.
        let lockDir = HostLayout(root: group.scratch.file("hosts/h1"), groupID: group.groupID).lockDir
        #expect((try? String(contentsOfFile: lockDir + "/owner.json", encoding: .utf8))?.contains("d-BOBTAKES1") == true)
    }

    /// `hoist lock release --force` from a teammate, whose deployment then takes the lock and
    /// stops the hook it finds running, before this coordinator's heartbeat has seen the loss:
    /// the killed hook is the news. It ended Failed, rolled back under the other's lock, and
    /// advised a redeploy.
    @Test(.timeLimit(.minutes(5)))
    func aHookKilledByTheDeploymentThatTookTheLockStopsTheCoordinatorAtOnce() async throws {
        let group = try await Self.groupRunningV1()
        let observer = RecordingObserver()
        try group.hold("h1")
        var request = group.request(group.plan(config: .oneAtATime, autoRollback: true), try await group.revision("v2"))
        // No beat or refresh within the test: only the killed hook can tell.
        request.lock.leaseSeconds = 3600
        request.lock.heartbeat = .seconds(3600)
        let running = Task { try await Deployment(request: request, ports: group.ports(observer: observer)).run() }
        try await group.waitUntilHolding("h1")
        let bob = GroupLock(groupID: group.groupID, hosts: group.hosts, owner: LockOwner(
            user: "bob", machine: "ci", deploymentID: "d-BOBTAKES2", pid: 4242, startTime: Int(Date().timeIntervalSince1970),
            command: "hoist deploy")) { LocalHostSession(host: $0) }
        await bob.release(deploymentID: request.id.rawValue)
        let taken = try await bob.acquire()
        #expect(taken.orphanedRuns.map(\.host.name) == ["h1"], "the hook found running: \(taken.orphanedRuns)")
        await bob.stop(taken.orphanedRuns, graceSeconds: 1)
        _ = try await Self.stoppedOnce(group, running, observer) { _ in true }
        let report = try await running.value
        #expect(report.verdict.message?.contains("killed by another deployment, which took the deployment group lock over") == true,
                "\(report.verdict.message ?? "")")
        let lockDir = HostLayout(root: group.scratch.file("hosts/h1"), groupID: group.groupID).lockDir
        #expect((try? String(contentsOfFile: lockDir + "/owner.json", encoding: .utf8))?.contains("d-BOBTAKES2") == true)
    }

    /// No heartbeat is confirmed for nearly the lease (the network is gone): the coordinator
    /// stops before another can take its lock over as stale, and does not roll back.
    @Test(.timeLimit(.minutes(5)))
    func aCoordinatorThatCannotRenewItsLockStops() async throws {
        let group = try await Self.groupRunningV1()
        let plan = group.plan(config: .oneAtATime, autoRollback: true)
        let observer = RecordingObserver()
        let silent = SilentHeartbeats()
        var ports = group.ports(observer: observer)
        ports.connector = silent
        var request = group.request(plan, try await group.revision("v2"))
        // 9.8 s without a renewal stops it: short, yet not so short that a loaded machine
        // holding beats back stops it before h1's hook is reached (it did at 2.8 s, with 3 s).
        request.lock.leaseSeconds = 10
        request.lock.heartbeat = .milliseconds(200)
        try group.hold("h1")
        let running = Task { try await Deployment(request: request, ports: ports).run() }
        // In a busy test process (two threads for every test's tasks) the beats can starve
        // for the whole lease, and the coordinator stop before h1 is reached: that is the
        // same stop, only sooner.
        let unrenewed = { (notice: DeploymentNotice) in if case .lockUnrenewed = notice { true } else { false } }
        _ = await eventually(within: 300) { group.isHolding("h1") || Self.notices(observer).contains(where: unrenewed) }
        silent.silence()
        _ = try await Self.stoppedOnce(group, running, observer, unrenewed)
    }

    /// A coordinator suspended past its lease (SIGSTOP, a laptop's lid) and then resumed:
    /// the host whose hook ended meanwhile went straight on to its next event, and its
    /// ApplicationStop stopped the server of the deployment that had taken the lock over,
    /// before the heartbeat's watchdog woke. Reading the stop level now asks the heartbeat
    /// first; here its watchdog never runs, so only that question can stop it.
    @Test(.timeLimit(.minutes(5)))
    func aCoordinatorBackPastItsLeaseStopsBeforeStartingAnything() async throws {
        let stop = StopController()
        let told = Locked(0)
        let owner = LockOwner(user: "ann", machine: "laptop", deploymentID: "d-SUSPEND01", pid: 1, startTime: 0,
                              leaseSeconds: 120, command: "hoist deploy")
        let lock = GroupLock(groupID: "app_group", hosts: [], owner: owner, sessions: { _ in throw CancellationError() })
        let heartbeat = HeartbeatHandle(
            lock: lock, hosts: [], interval: .seconds(3600), refresh: .seconds(3600), stop: stop,
            unrenewedAfter: .milliseconds(50), onLost: { _, _ in }, onContinue: { _ in },
            onUnrenewed: { _ in
                told.withLock { $0 += 1 }
                stop.request(.immediate, reason: "unrenewed", cause: .lockLost("unrenewed"))
            })
        heartbeat.cancel()
        stop.setGate { heartbeat.checkRenewed() }
        let stopped = await eventually(within: 120) { stop.level == .immediate }
        #expect(stopped)
        #expect(stop.cause == .lockLost("unrenewed"))
        _ = stop.level
        #expect(told.current == 1, "told once, however often the level is read")
        stop.setGate(nil)
    }

    /// A stop a person asked for first does not let an automatic rollback run once the lock is lost.
    @Test func aLostLockOutranksAStopAlreadyAsked() {
        let stop = StopController()
        stop.request(.graceful, reason: "Ctrl-C")
        stop.request(.immediate, reason: "lost it", cause: .lockLost("lost it"))
        stop.request(.immediate, reason: "again", cause: .lockLost("again"))
        #expect(stop.level == .immediate)
        #expect(stop.cause == .lockLost("again"))
    }
}

/// Sessions whose heartbeats, once `silence()` is called, never answer (until cancelled): a
/// network that went away under the lock's connections only.
final class SilentHeartbeats: HostConnector, @unchecked Sendable {
    private let silent = Locked(false)

    func silence() { silent.withLock { $0 = true } }

    func connect(_ host: HostSpec) async throws -> any HostSession {
        Session(inner: LocalHostSession(host: host), owner: self)
    }

    final class Session: ForwardingSession, @unchecked Sendable {
        let owner: SilentHeartbeats
        init(inner: LocalHostSession, owner: SilentHeartbeats) {
            self.owner = owner
            super.init(inner: inner)
        }

        /// The heartbeat's program is the only one that can answer `beatfailed`.
        private func hang(_ command: String) async throws {
            guard owner.silent.current, command.contains("beatfailed") else { return }
            while (try? await Task.sleep(for: .milliseconds(20))) != nil {}
            throw CancellationError()
        }

        override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                          onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            try await hang(command)
            return try await super.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
        }

        override func runBeside(_ command: String, timeoutSeconds: Double,
                                onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            try await hang(command)
            return try await super.runBeside(command, timeoutSeconds: timeoutSeconds, onOutput: onOutput)
        }
    }
}
