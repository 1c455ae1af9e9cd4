import Foundation
import HoistTestSupport
import Testing
import HoistCore
import HoistPlanning
@testable import HoistEngine

/// The deployment-group lock, taken on temp-directory "hosts" by a real /bin/sh.
@Suite struct GroupLockTests {
    @Test(arguments: 0..<4)
    func twoCoordinatorsRaceAndExactlyOneWins(round: Int) async throws {
        let fleet = try GroupLockFleet()
        let a = fleet.lock(GroupLockFleet.owner("d-AAAAAAAA\(round)", user: "alice"))
        let b = fleet.lock(GroupLockFleet.owner("d-BBBBBBBB\(round)", user: "bob", machine: "ci"))
        async let first = outcome { try await a.acquire() }
        async let second = outcome { try await b.acquire() }
        let results = await [(a, first), (b, second)]

        let winners = results.filter { (try? $0.1.get()) != nil }
        try #require(winners.count == 1)
        let winner = winners[0].0.owner
        let loser = results.first { (try? $0.1.get()) == nil }!
        guard case .failure(let error) = loser.1, let held = error as? GroupLockHeld else {
            Issue.record("the loser should get GroupLockHeld, got \(loser.1)")
            return
        }
        #expect(held.holder.deploymentID == winner.deploymentID)
        #expect(held.holder.holder == winner.holder)
        #expect(held.host == "web1")
        for host in ["web1", "web2", "web3"] {
            #expect(fleet.ownerOnDisk(host)?.deploymentID == winner.deploymentID)
            #expect(fleet.instructionEntries(host) == ["app_prod.lock"])
        }
    }

    @Test func acquireReleaseAcquireAgain() async throws {
        let fleet = try GroupLockFleet()
        let a = fleet.lock(GroupLockFleet.owner("d-AAAAAAAAA"))
        let b = fleet.lock(GroupLockFleet.owner("d-BBBBBBBBB", user: "bob"))
        let first = try await a.acquire()
        #expect(first.lockedHosts.map(\.name) == ["web1", "web2", "web3"])
        #expect(first.skippedHosts.isEmpty)
        await #expect(throws: GroupLockHeld.self) { try await b.acquire() }

        await first.release()
        #expect(["web1", "web2", "web3"].allSatisfy { fleet.instructionEntries($0).isEmpty })
        let second = try await b.acquire()
        #expect(fleet.ownerOnDisk("web2")?.deploymentID == "d-BBBBBBBBB")
        // A stale handle cannot release a lock that is no longer its own.
        await first.release()
        #expect(fleet.ownerOnDisk("web2")?.deploymentID == "d-BBBBBBBBB")
        await second.release()
    }

    @Test func acquiringTwiceBySameDeploymentIsFine() async throws {
        let fleet = try GroupLockFleet()
        let a = fleet.lock(GroupLockFleet.owner("d-AAAAAAAAA"))
        _ = try await a.acquire()
        let again = try await a.acquire()
        #expect(again.lockedHosts.count == 3)
    }

    @Test func heldLockNamesHolderAndWhatToDo() async throws {
        let fleet = try GroupLockFleet()
        let alice = GroupLockFleet.owner("d-ALICE0001")
        for host in ["web1", "web2", "web3"] { try fleet.plantLock(on: host, owner: alice, age: 5) }
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        do {
            _ = try await bob.acquire()
            Issue.record("a fresh lock must not be taken")
        } catch let held as GroupLockHeld {
            #expect(held.holder == LockOwner(
                user: "alice", machine: "laptop", deploymentID: "d-ALICE0001", pid: 4242, startTime: alice.startTime,
                heartbeatTime: held.holder.heartbeatTime, leaseSeconds: alice.leaseSeconds, command: alice.command))
            #expect(held.heartbeatAgeSeconds >= 5)
            let text = held.description
            #expect(text.contains("d-ALICE0001"))
            #expect(text.contains("alice@laptop"))
            #expect(text.contains("hoist lock status PLAYBOOK"))
            #expect(text.contains("hoist lock release PLAYBOOK --force"))
        }
        #expect(fleet.ownerOnDisk("web1")?.deploymentID == "d-ALICE0001")
    }

    @Test func staleLockIsTakenOverAndSaysSo() async throws {
        let fleet = try GroupLockFleet()
        let alice = GroupLockFleet.owner("d-ALICE0001", lease: 1)
        for host in ["web1", "web2", "web3"] { try fleet.plantLock(on: host, owner: alice, age: 30) }
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        let messages = Locked<[String]>([])
        let taken = try await bob.acquire(onStaleTakeover: { message in messages.withLock { $0.append(message) } })
        #expect(taken.lockedHosts.count == 3)
        #expect(messages.current.count == 3)
        let first = try #require(messages.current.first)
        #expect(first.hasPrefix("took over a stale lock on web1 held by alice@laptop for d-ALICE0001 since "))
        #expect(first.contains("its last heartbeat was "))
        for host in ["web1", "web2", "web3"] {
            #expect(fleet.ownerOnDisk(host)?.deploymentID == "d-BOB000001")
            #expect(fleet.instructionEntries(host) == ["app_prod.lock"])
        }
    }

    @Test(arguments: 0..<4)
    func twoCoordinatorsRacingForAStaleLockProduceOneHolder(round: Int) async throws {
        let fleet = try GroupLockFleet()
        let dead = GroupLockFleet.owner("d-DEAD00000", lease: 1)
        for host in ["web1", "web2", "web3"] { try fleet.plantLock(on: host, owner: dead, age: 30) }
        let a = fleet.lock(GroupLockFleet.owner("d-AAAAAAAA\(round)", user: "alice"))
        let b = fleet.lock(GroupLockFleet.owner("d-BBBBBBBB\(round)", user: "bob"))
        async let first = outcome { try await a.acquire() }
        async let second = outcome { try await b.acquire() }
        let results = await [first, second]
        let winners = results.compactMap { try? $0.get() }
        try #require(winners.count == 1)
        let winner = winners[0].lock.owner.deploymentID
        for host in ["web1", "web2", "web3"] {
            #expect(fleet.ownerOnDisk(host)?.deploymentID == winner)
            #expect(fleet.instructionEntries(host) == ["app_prod.lock"])
        }
    }

    @Test func lockWaitSucceedsOnceTheHolderReleases() async throws {
        let fleet = try GroupLockFleet()
        let alice = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        let (refusals, refused) = AsyncStream.makeStream(of: GroupLockHeld.self)
        let waiting = Task {
            try await bob.acquire(wait: .seconds(120), onWaiting: { held, _ in refused.yield(held) })
        }
        let firstRefusal = try await withinAMinute {
            var iterator = refusals.makeAsyncIterator()
            return await iterator.next()
        }
        #expect(firstRefusal?.holder.deploymentID == "d-ALICE0001")
        await alice.release()
        let taken = try await withinAMinute { try await waiting.value }
        #expect(taken.lockedHosts.count == 3)
        #expect(fleet.ownerOnDisk("web3")?.deploymentID == "d-BOB000001")
    }

    /// Ctrl-C while waiting for a held lock ends the wait at once, with nothing taken: it used
    /// to go on waiting, then take the lock and start a deployment that was already stopped.
    @Test func aStopEndsTheWaitForTheLockTakingNothing() async throws {
        let fleet = try GroupLockFleet()
        _ = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        let stop = StopController()
        let (refusals, refused) = AsyncStream.makeStream(of: GroupLockHeld.self)
        let waiting = Task {
            try await bob.acquire(wait: .seconds(3600), stop: stop, onWaiting: { held, _ in refused.yield(held) })
        }
        _ = try await withinAMinute {
            var iterator = refusals.makeAsyncIterator()
            return await iterator.next()
        }
        stop.request()
        let ended = try await withinAMinute { await waiting.result }
        guard case .failure(let error) = ended, let stopped = error as? GroupLockWaitStopped else {
            Issue.record("the wait went on or ended otherwise: \(ended)")
            return
        }
        #expect(stopped.held.holder.deploymentID == "d-ALICE0001")
        for host in ["web1", "web2", "web3"] { #expect(fleet.ownerOnDisk(host)?.deploymentID == "d-ALICE0001") }
    }

    @Test func lockWaitGivesUpWithTheHeldError() async throws {
        let fleet = try GroupLockFleet()
        _ = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        await #expect(throws: GroupLockHeld.self) { try await bob.acquire(wait: .milliseconds(50)) }
    }

    @Test func stopRequestsReachTheHolderThroughItsHeartbeat() async throws {
        let fleet = try GroupLockFleet()
        let alice = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let controller = StopController()
        let heartbeat = alice.startHeartbeat(stop: controller, interval: .milliseconds(50))
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob", machine: "ci"))

        try await bob.requestStop(deploymentID: "d-ALICE0001", immediate: false)
        #expect(try await withinAMinute { await controller.wait(above: .none) } == .graceful)
        #expect(controller.reason?.contains("graceful by bob@ci") == true)
        try await bob.requestStop(deploymentID: "d-ALICE0001", immediate: false)
        #expect(try await withinAMinute { await controller.wait(above: .graceful) } == .immediate)
        await heartbeat.finish()
        #expect(heartbeat.lostHosts.isEmpty)

        await #expect(throws: GroupLockError.self) { try await bob.requestStop(deploymentID: "d-NOBODY001", immediate: true) }
    }

    @Test func anImmediateStopEscalatesAtOnce() async throws {
        let fleet = try GroupLockFleet()
        let alice = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let controller = StopController()
        let heartbeat = alice.startHeartbeat(stop: controller, interval: .milliseconds(50))
        try await fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob")).requestStop(deploymentID: "d-ALICE0001", immediate: true)
        #expect(try await withinAMinute { await controller.wait(above: .graceful) } == .immediate)
        await heartbeat.finish()
    }

    @Test func theHeartbeatNoticesALostLock() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let alice = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let (losses, lost) = AsyncStream.makeStream(of: String.self)
        let heartbeat = alice.startHeartbeat(stop: StopController(), interval: .milliseconds(50), onLost: { host, now in
            lost.yield(DeploymentNotice.lockLost(host: host, now: now).description)
        })
        await fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob")).forceRelease()
        let message = try await withinAMinute {
            var iterator = losses.makeAsyncIterator()
            return await iterator.next()
        }
        await heartbeat.finish()
        // Failure 8: worded once, with no "lost the group lock on" in front.
        #expect(message == "lost the deployment group lock on web1: it is gone (released with hoist lock release --force, or taken over as stale by a deployment that has ended since)")
        #expect(heartbeat.lostHosts == ["web1"])
    }

    /// Failure 8: a heartbeat whose refresh cannot be written (here owner.json.tmp is a
    /// folder, as a full disk would fail the write) keeps the lock: it is not reported lost.
    @Test func aHeartbeatThatCannotWriteIsNotALostLock() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let owner = GroupLockFleet.owner("d-ALICE0001")
        let alice = try await fleet.lock(owner).acquire()
        try FileManager.default.createDirectory(atPath: fleet.layout("web1").lockDir + "/owner.json.tmp/blocked", withIntermediateDirectories: true)
        let commands = GroupLockCommands(layout: fleet.layout("web1"), become: false)
        let (_, out, _) = try await LocalHostSession(host: fleet.hosts[0]).capture(commands.heartbeat(owner: owner))
        #expect(GroupLockReply.parse(out)?.outcome == .beatfailed)
        #expect(fleet.ownerOnDisk("web1")?.deploymentID == "d-ALICE0001")
        await alice.release()
    }

    @Test func forceReleaseRemovesAnyonesLock() async throws {
        let fleet = try GroupLockFleet()
        _ = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob"))
        let removed = await bob.forceRelease()
        #expect(removed.map(\.host) == ["web1", "web2", "web3"])
        for state in removed {
            guard case .held(let owner, _, let stale) = state.state else {
                Issue.record("\(state.host) should have been held")
                continue
            }
            #expect(owner.deploymentID == "d-ALICE0001")
            #expect(!stale)
        }
        #expect(await bob.status().allSatisfy { $0.state == .free })
        #expect(["web1", "web2", "web3"].allSatisfy { fleet.instructionEntries($0).isEmpty })
        _ = try await bob.acquire()
    }

    @Test func statusShowsFreeFreshStaleAndUnreachable() async throws {
        let fleet = try GroupLockFleet(["web1", "web2", "web3", "down1"])
        let alice = GroupLockFleet.owner("d-ALICE0001", lease: 1)
        try fleet.plantLock(on: "web2", owner: alice, age: 40)
        try fleet.plantLock(on: "web3", owner: GroupLockFleet.owner("d-CAROL0001", user: "carol"), age: 3)
        let states = await fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob")).status()
        #expect(states.map(\.host) == ["down1", "web1", "web2", "web3"])
        guard case .unreachable(let why) = states[0].state else { Issue.record("down1: \(states[0])"); return }
        #expect(why.contains("connection refused"))
        #expect(states[1].state == .free)
        #expect(states[1].description == "web1: free")
        guard case .held(let old, let oldAge, true) = states[2].state else { Issue.record("web2: \(states[2])"); return }
        #expect(old.deploymentID == "d-ALICE0001")
        #expect(oldAge >= 40)
        #expect(states[2].description.contains("STALE"))
        guard case .held(let carol, _, false) = states[3].state else { Issue.record("web3: \(states[3])"); return }
        #expect(carol.holder == "carol@laptop")
        #expect(states[3].description.contains("fresh"))
    }

    @Test func unreachableHostsAreSkippedButOneHostMustBeLocked() async throws {
        let fleet = try GroupLockFleet(["web1", "down1", "web2"])
        let taken = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        #expect(taken.lockedHosts.map(\.name) == ["web1", "web2"])
        #expect(taken.skippedHosts.map(\.host) == ["down1"])
        #expect(taken.skippedHosts.first?.reason.contains("connection refused") == true)

        // Hosts with the same reason are named once, shortened: a thousand silent hosts made a
        // line of every host and the same reason.
        let allDown = try GroupLockFleet((1...8).map { "down\($0)" })
        let error = await #expect(throws: GroupLockError.self) { try await allDown.lock(GroupLockFleet.owner("d-ALICE0001")).acquire() }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("no host could be reached (down1, down2, down3, down4, down5 and 3 more: "), "\(message)")
        #expect(message.components(separatedBy: "connection refused").count == 2, "\(message)")
    }

    /// A host whose lock program fails (here its deployment root is a file; on a real host a
    /// login shell that exits, or sudo refusing) refuses the lock when the deployment targets
    /// it, and is skipped like an unreachable host when it does not (`--hosts` leaves it out):
    /// one host's broken .bashrc stopped every deployment to the group's other hosts.
    @Test func aFailingHostTheDeploymentDoesNotTargetIsSkipped() async throws {
        let fleet = try GroupLockFleet(["broken", "web1"])
        try "not a folder".write(toFile: fleet.scratch.file("broken"), atomically: true, encoding: .utf8)
        let targeted = fleet.lock(GroupLockFleet.owner("d-ALICE0001"))
        await #expect(throws: GroupLockError.self) { try await targeted.acquire() }
        var narrowed = fleet.lock(GroupLockFleet.owner("d-ALICE0001"))
        narrowed.untargeted = ["broken"]
        let taken = try await narrowed.acquire()
        #expect(taken.lockedHosts.map(\.name) == ["web1"])
        #expect(taken.skippedHosts.map(\.host) == ["broken"])
        #expect(taken.skippedHosts.first?.reason.contains("the lock program on broken") == true, "\(taken.skippedHosts)")
    }

    @Test func findUnfinishedReportsStaleRunningDeployments() async throws {
        let fleet = try GroupLockFleet()
        let alice = GroupLockFleet.owner("d-ALICE0001", lease: 1)
        try fleet.plantLock(on: "web1", owner: alice, age: 90)
        try fleet.plantLock(on: "web2", owner: alice, age: 80)
        try fleet.plantLock(on: "web3", owner: GroupLockFleet.owner("d-LIVE00001"), age: 0)
        let unfinished = await fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob")).findUnfinished()
        #expect(unfinished.count == 1)
        let found = try #require(unfinished.first)
        #expect(found.owner.deploymentID == "d-ALICE0001")
        #expect(found.hosts == ["web1", "web2"])
        #expect(found.secondsSinceHeartbeat >= 80)
        #expect(found.description.hasPrefix("deployment d-ALICE0001 by alice@laptop did not finish (its coordinator stopped heartbeating "))
    }
}

private func outcome(_ body: @Sendable () async throws -> AcquiredLock) async -> Result<AcquiredLock, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}

/// The heartbeat between the lease's refreshes: the first two hosts only (one frozen host was
/// the only ear for `hoist stop`), each beat beside the session's running command (a
/// deployment's sessions are busy with hooks).
@Suite struct GroupLockHeartbeatHostsTests {
    /// A lock whose sessions report each program run beside, host by host, as they come;
    /// `failing`'s beats find its connection gone.
    static func recording(_ fleet: GroupLockFleet, failing: String? = nil) -> (GroupLock, AsyncStream<String>) {
        let (beats, beat) = AsyncStream.makeStream(of: String.self)
        let connector = CountingConnector(failingBeside: failing) { beat.yield($0) }
        var lock = GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-ALICE0001", lease: 120)) {
            try await connector.connect($0)
        }
        lock.firstRetryDelay = .milliseconds(20)
        return (lock, beats)
    }

    @Test func betweenRefreshesOnlyTheFirstTwoHostsAreBeaten() async throws {
        let fleet = try GroupLockFleet()
        let (lock, beats) = Self.recording(fleet)
        let alice = try await lock.acquire()
        let heartbeat = alice.startHeartbeat(stop: StopController(), interval: .milliseconds(20))
        let seen = try await withinAMinute {
            var seen: [String] = []
            for await host in beats {
                seen.append(host)
                if seen.count == 6 { break }
            }
            return seen
        }
        await heartbeat.finish()
        #expect(Set(seen) == ["web1", "web2"], "the refresh of every host waits for a third of the lease: \(seen)")
    }

    @Test func aFirstHostWithoutAnswerMakesTheNextBeatReachEveryHost() async throws {
        let fleet = try GroupLockFleet()
        let (lock, beats) = Self.recording(fleet, failing: "web1")
        let alice = try await lock.acquire()
        let heartbeat = alice.startHeartbeat(stop: StopController(), interval: .milliseconds(20))
        let reached = try await withinAMinute {
            var reached: Set<String> = []
            for await host in beats {
                reached.insert(host)
                if reached.count == 3 { break }
            }
            return reached
        }
        await heartbeat.finish()
        #expect(reached == ["web1", "web2", "web3"])
    }
}

/// A host whose session is stalled (its sshd stopped with the connection still up) never
/// starts the beat queued beside its upload, so that beat's own timeout never runs. An
/// adversarial run saw the round wait for it for good: no host was beaten again, and the
/// deployment stopped itself two minutes later for a lock nobody had taken.
@Suite struct StalledHeartbeatHostTests {
    final class StalledHost: HostConnector, @unchecked Sendable {
        let stalled: String
        /// Once let go, its held beats run after all (an answer read late), instead of failing.
        let thenAnswers: Bool
        let beaten = Locked<[String: Int]>([:])
        private let held = Locked<[CheckedContinuation<Void, Never>]>([])
        init(stalled: String, thenAnswers: Bool = false) {
            self.stalled = stalled
            self.thenAnswers = thenAnswers
        }

        var holding: Bool { held.withLock { !$0.isEmpty } }

        func connect(_ host: HostSpec) async throws -> any HostSession {
            Session(inner: LocalHostSession(host: host), owner: self)
        }

        func letGo() { held.withLock { for waiting in $0 { waiting.resume() }; $0 = [] } }

        final class Session: ForwardingSession, @unchecked Sendable {
            let owner: StalledHost
            init(inner: LocalHostSession, owner: StalledHost) {
                self.owner = owner
                super.init(inner: inner)
            }
            override func runBeside(_ command: String, timeoutSeconds: Double,
                                    onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
                owner.beaten.withLock { $0[host.name, default: 0] += 1 }
                if host.name == owner.stalled {
                    // Neither answers nor times out, cancelled or not, until the test lets go.
                    await withCheckedContinuation { waiting in owner.held.withLock { $0.append(waiting) } }
                    if !owner.thenAnswers { throw TransportError(host: host.name, kind: .closed, message: "the connection was lost") }
                }
                return try await inner.runBeside(command, timeoutSeconds: timeoutSeconds, onOutput: onOutput)
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aStalledFirstHostDoesNotKeepTheOthersFromBeingBeaten() async throws {
        let fleet = try GroupLockFleet()
        let connector = StalledHost(stalled: "web1")
        var lock = GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-ALICE0001", lease: 120)) {
            try await connector.connect($0)
        }
        // Short, so a round's wait for the stalled host ends soon (at most this + 5 s); not so
        // short that a busy machine's /bin/sh misses it on the hosts that answer: at 0.2 s their
        // beats timed out, no host confirmed the lock for 10 s, and it was reported unrenewed.
        lock.commandTimeoutSeconds = 5
        let alice = try await lock.acquire()
        let unrenewed = Locked(false)
        let heartbeat = alice.startHeartbeat(stop: StopController(), interval: .milliseconds(20), onUnrenewed: { _ in unrenewed.withLock { $0 = true } })
        let others = await eventually(within: 240) { connector.beaten.current["web2", default: 0] >= 2 && connector.beaten.current["web3", default: 0] >= 2 }
        connector.letGo()
        await heartbeat.finish()
        connector.letGo()
        #expect(others, "\(connector.beaten.current)")
        #expect(!unrenewed.current)
    }

    /// A beat the host answered but the coordinator read only much later (frozen with the
    /// answer in its socket, woken after another deployment took the lock over) proves the
    /// lock held when the beat was asked for, not when it was read. Counting it from the
    /// reading made a woken coordinator's lock look fresh, and it rolled back on hosts
    /// another deployment held (a fleet test caught it on a busy machine).
    @Test(.timeLimit(.minutes(5)))
    func aBeatAnsweredLateDoesNotMakeTheLockLookFresh() async throws {
        let fleet = try GroupLockFleet()
        let connector = StalledHost(stalled: "web1", thenAnswers: true)
        let host = try #require(fleet.hosts.first { $0.name == "web1" })
        let lock = GroupLock(groupID: fleet.groupID, hosts: [host], owner: GroupLockFleet.owner("d-ALICE0001", lease: 120)) {
            try await connector.connect($0)
        }
        _ = try await lock.acquire()
        let heartbeat = HeartbeatHandle(
            lock: lock, hosts: [host], interval: .milliseconds(20), refresh: .seconds(3600), stop: StopController(),
            unrenewedAfter: .seconds(2), onLost: { _, _ in }, onContinue: { _ in }, onUnrenewed: { _ in })
        #expect(await eventually(within: 120) { connector.holding }, "the beat was asked for")
        let asked = ContinuousClock.now
        #expect(await eventually(within: 120) { ContinuousClock.now - asked > .seconds(3) })
        connector.letGo()
        // The next beat is asked for (and held) only once the late answer has been read.
        #expect(await eventually(within: 120) { connector.beaten.current["web1", default: 0] >= 2 && connector.holding })
        #expect(!heartbeat.checkRenewed(), "an answer read 3 s after it was asked for, with 2 s allowed")
        heartbeat.cancel()
        connector.letGo()
        await heartbeat.finish()
    }
}
