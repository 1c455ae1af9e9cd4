import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// A lock that outlives its deployment: the host went down before the end, so releasing it
/// failed there. An adversarial run found the deployment ending Succeeded without a word, and
/// the lock then passing for a live one until its lease ran out: a teammate's deployment,
/// `hoist lock release` and `hoist stop` all refused or misread it.
@Suite struct LockLeftBehindTests {
    /// A lock written as another coordinator would have, with a heartbeat `age` seconds old
    /// (fresh for its two-minute lease).
    static func plant(_ group: FolderGroup, on host: String, deploymentID: String, machine: String = "elsewhere", pid: Int32 = 4242,
                      age: Int = 0, lease: Int = LockOwner.defaultLeaseSeconds) throws {
        let dir = HostLayout(root: group.scratch.file("hosts/\(host)"), groupID: group.groupID).lockDir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let owner = LockOwner(user: "bob", machine: machine, deploymentID: deploymentID, pid: pid,
                              startTime: Int(Date().timeIntervalSince1970), leaseSeconds: lease, command: "hoist deploy")
        try (GroupLockCommands.ownerJSONPrefix(owner) + "\(Int(Date().timeIntervalSince1970) - age)}\n")
            .write(toFile: dir + "/owner.json", atomically: true, encoding: .utf8)
    }

    static func notices(_ observer: RecordingObserver) -> [DeploymentNotice] {
        observer.events.current.compactMap { if case .notice(let notice) = $0 { return notice } else { return nil } }
    }

    @Test(.timeLimit(.minutes(5)))
    func aLockThatCouldNotBeRemovedIsReported() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let observer = RecordingObserver()
        var ports = group.ports(observer: observer)
        // h2's lock release fails as if the host had gone down at the end.
        let lockDir = HostLayout(root: group.scratch.file("hosts/h2"), groupID: group.groupID).lockDir
        ports.connector = HeldCommands(containing: lockDir + ".released.", hold: .connectionLost)
        let report = try await Deployment(request: group.request(group.plan(), try await group.revision("v1")), ports: ports).run()
        #expect(report.verdict.status == .succeeded)
        #expect(!group.lockExists("h1") && group.lockExists("h2"))
        let unreleased = Self.notices(observer).compactMap { if case .lockNotReleased(let hosts, _, _) = $0 { return hosts.map(\.host) } else { return nil } }
        #expect(unreleased == [["h2"]], "\(Self.notices(observer))")
        // Through SuggestedCommands, which quotes the playbook and names the history.
        let release = Self.notices(observer).compactMap { if case .lockNotReleased(_, _, let release) = $0 { return release } else { return nil } }
        #expect(release == [SuggestedCommands().lockRelease(playbook: group.scratch.file("playbook.yml"))], "\(release)")
    }

    /// Hosts h1 and h2 after v1 succeeded, with a lock of that ended deployment planted on
    /// `host`, as a release that failed there leaves it: fresh for its lease, but a quarter of
    /// an hour without a heartbeat, which a live coordinator would have sent. Its lease is half
    /// an hour: with 120 s and a minute's age, a busy machine had a minute to run the test in
    /// before the lock went stale.
    static func lockOfAnEndedDeployment(on host: String) async throws -> (FolderGroup, DeploymentReport) {
        let group = try FolderGroup(["h1", "h2"])
        let first = try await group.deploy(try await group.revision("v1"))
        try #require(first.verdict.status == .succeeded)
        try plant(group, on: host, deploymentID: first.id, age: 900, lease: 1800)
        return (group, first)
    }

    /// A lock whose deployment the history says ended, and whose heartbeat stopped, is taken
    /// over at once, not after its lease.
    @Test(.timeLimit(.minutes(5)))
    func aLockOfADeploymentThatEndedIsTakenOverAtOnce() async throws {
        let (group, first) = try await Self.lockOfAnEndedDeployment(on: "h2")
        let observer = RecordingObserver()
        let report = try await group.deploy(try await group.revision("v2"), ports: group.ports(observer: observer))
        #expect(report.verdict.status == .succeeded)
        #expect(Self.notices(observer).contains { notice in
            if case .goneHolderLockTakenOver(first.id, let reason) = notice { return reason.hasPrefix("\(first.id) ended Succeeded") }
            return false
        }, "\(Self.notices(observer))")
        #expect(!group.lockExists("h2"))
    }

    /// With `--lock-wait`, a holder proven gone is taken over at its first refusal, not after
    /// the whole wait, and no wait is announced for it.
    @Test(.timeLimit(.minutes(5)))
    func aGoneHolderIsTakenOverAtOnceEvenWhileWaitingForTheLock() async throws {
        let (group, first) = try await Self.lockOfAnEndedDeployment(on: "h1")
        let observer = RecordingObserver()
        var request = group.request(group.plan(), try await group.revision("v2"))
        request.lock.wait = .seconds(3600)
        let report = try await Deployment(request: request, ports: group.ports(observer: observer)).run()
        #expect(report.verdict.status == .succeeded)
        let notices = Self.notices(observer)
        #expect(notices.contains { if case .goneHolderLockTakenOver(first.id, _) = $0 { true } else { false } }, "\(notices)")
        #expect(!notices.contains { if case .waitingForLock = $0 { true } else { false } }, "no wait for a holder that is gone: \(notices)")
    }

    /// What proves a holder gone, and what does not.
    @Test func aHolderIsGoneOnlyWhenSomethingProvesIt() throws {
        let group = try FolderGroup(["h1"])
        func record(_ id: DeploymentID, _ status: DeploymentStatus, rollbackOf: DeploymentID? = nil) throws {
            try group.history.createDeployment(DeploymentRecord(
                id: id, application: group.application, deploymentGroup: group.group, playbookPath: "pb.yml", status: status,
                createdBy: "bob@elsewhere", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce",
                rollbackOf: rollbackOf, createTime: Date()))
        }
        func owner(_ id: String, machine: String = "elsewhere", pid: Int32 = 4242) -> LockOwner {
            LockOwner(user: "bob", machine: machine, deploymentID: id, pid: pid, startTime: 0, command: "hoist deploy")
        }
        let ended = DeploymentID("d-ENDED0001")!, running = DeploymentID("d-RUNNING01")!, rolledBack = DeploymentID("d-ROLLED001")!
        try record(ended, .succeeded)
        try record(running, .inProgress)
        try record(rolledBack, .failed)
        try record(DeploymentID("d-ROLLBACK1")!, .inProgress, rollbackOf: rolledBack)
        let here = ProcessInfo.processInfo.hostName
        #expect(GoneLockHolder.reason(owner("d-ENDED0001"), heartbeatAgeSeconds: 60, thisMachine: here, history: group.history)?.hasPrefix("d-ENDED0001 ended Succeeded") == true)
        // A heartbeat still beating is a live coordinator, whatever the history says: one records its
        // deployment's end a moment before its automatic rollback's record, and a teammate's
        // deployment took the lock over in between.
        #expect(GoneLockHolder.reason(owner("d-ENDED0001"), heartbeatAgeSeconds: 5, thisMachine: here, history: group.history) == nil)
        #expect(GoneLockHolder.reason(owner("d-RUNNING01"), heartbeatAgeSeconds: 60, thisMachine: here, history: group.history) == nil)
        #expect(GoneLockHolder.reason(owner("d-ROLLED001"), heartbeatAgeSeconds: 60, thisMachine: here, history: group.history) == nil, "its rollback runs under its lock")
        #expect(GoneLockHolder.reason(owner("d-UNKNOWN01"), heartbeatAgeSeconds: 60, thisMachine: here, history: group.history) == nil)
        #expect(GoneLockHolder.reason(owner("d-UNKNOWN01"), heartbeatAgeSeconds: 60, thisMachine: here, history: nil) == nil)
        // A coordinator on this machine: gone when its process is; this one is alive.
        #expect(GoneLockHolder.reason(owner("d-UNKNOWN01", machine: here, pid: getpid()), heartbeatAgeSeconds: 60, thisMachine: here, history: nil) == nil)
        let child = try ExitedProcess.run { _ in () }
        #expect(GoneLockHolder.reason(owner("d-UNKNOWN01", machine: here, pid: child.pid), heartbeatAgeSeconds: 60, thisMachine: here, history: nil)?.contains("pid \(child.pid) on this machine, is gone") == true)
        // A pid now held by another process (reused after the coordinator died): the record's
        // start time tells them apart.
        let reused = DeploymentID("d-REUSED001")!
        try group.history.createDeployment(DeploymentRecord(
            id: reused, application: group.application, deploymentGroup: group.group, playbookPath: "pb.yml", status: .inProgress,
            createdBy: "bob@\(here)", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Date(),
            coordinator: DeploymentCoordinator(machine: here, pid: getpid(), processStart: ProcessIdentity.start(of: getpid())!.split(separator: "/").dropLast().joined(separator: "/") + "/1")))
        #expect(GoneLockHolder.reason(owner("d-REUSED001", machine: here, pid: getpid()), heartbeatAgeSeconds: 60, thisMachine: here, history: group.history)?
                    .contains("pid \(getpid()) on this machine, is gone") == true)
        let live = DeploymentID("d-LIVE00001")!
        try group.history.createDeployment(DeploymentRecord(
            id: live, application: group.application, deploymentGroup: group.group, playbookPath: "pb.yml", status: .inProgress,
            createdBy: "bob@\(here)", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Date(),
            coordinator: DeploymentCoordinator(machine: here, pid: getpid(), processStart: ProcessIdentity.start(of: getpid()))))
        #expect(GoneLockHolder.reason(owner("d-LIVE00001", machine: here, pid: getpid()), heartbeatAgeSeconds: 60, thisMachine: here, history: group.history) == nil)
    }
}
