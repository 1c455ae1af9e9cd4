import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistEngine

/// Taking the lock with hosts down: their handshakes overlap, and a stop ends the pass. Host
/// after host, each waited out its own timeout (five frozen hosts: 100 s, deaf to Ctrl-C).
@Suite struct GroupLockHostsDownTests {
    /// Connections as the deployment's session pool makes them: a host that failed fails at
    /// once afterwards. A `down` host's first handshake hangs until every `down` host is in
    /// one, or `patience` seconds pass.
    final class SlowHandshakes: @unchecked Sendable {
        let downCount: Int
        let patience: Double
        let state = Locked((inFlight: 0, most: 0, failed: Set<String>()))
        init(downCount: Int, patience: Double = 20) {
            self.downCount = downCount
            self.patience = patience
        }
        func session(_ host: HostSpec) async throws -> any HostSession {
            guard host.name.hasPrefix("down") else { return LocalHostSession(host: host) }
            if state.current.failed.contains(host.name) { throw TransportError(host: host.name, kind: .timeout, message: "timed out") }
            state.withLock { $0.inFlight += 1; $0.most = max($0.most, $0.inFlight) }
            let deadline = Date().addingTimeInterval(patience)
            // Until every down host has been in flight at once (`most`, not the live count: the
            // first to leave let the others wait out their patience).
            while state.current.most < downCount, Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            state.withLock { $0.inFlight -= 1; $0.failed.insert(host.name) }
            throw TransportError(host: host.name, kind: .timeout, message: "timed out")
        }
    }

    func lock(_ fleet: GroupLockFleet, _ handshakes: SlowHandshakes) -> GroupLock {
        GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-DOWNHOST1")) { try await handshakes.session($0) }
    }

    @Test func theHandshakesOfHostsDownOverlap() async throws {
        let fleet = try GroupLockFleet(["down1", "down2", "down3", "web1"])
        let handshakes = SlowHandshakes(downCount: 3)
        let acquired = try await lock(fleet, handshakes).acquire()
        #expect(handshakes.state.current.most == 3, "every down host's handshake at once")
        #expect(acquired.lockedHosts.map(\.name) == ["web1"])
        #expect(acquired.skippedHosts.map(\.host) == ["down1", "down2", "down3"])
        await acquired.release()
    }

    /// `hoist lock status` and `lock release --force` read the hosts at once: host after
    /// host, each host down cost its own handshake timeout in turn.
    @Test func lockStatusAndAForcedReleaseAskEveryHostAtOnce() async throws {
        let fleet = try GroupLockFleet(["down1", "down2", "down3", "web1"])
        let handshakes = SlowHandshakes(downCount: 3)
        let states = await lock(fleet, handshakes).status()
        #expect(handshakes.state.current.most == 3, "every down host's handshake at once")
        #expect(states.map(\.host) == ["down1", "down2", "down3", "web1"])
        #expect(states.last?.state == .free)
        let again = SlowHandshakes(downCount: 3)
        let released = await lock(fleet, again).forceRelease()
        #expect(again.state.current.most == 3, "every down host's handshake at once")
        #expect(released.map(\.host) == ["down1", "down2", "down3", "web1"])
    }

    @Test func aStopWhileTakingTheLockTakesNothing() async throws {
        let fleet = try GroupLockFleet(["down1", "web1"])
        let stop = StopController()
        stop.request(reason: "Ctrl-C")
        await #expect(throws: GroupLockTakingStopped.self) {
            try await lock(fleet, SlowHandshakes(downCount: 1)).acquire(stop: stop)
        }
        #expect(fleet.instructionEntries("web1").isEmpty)
    }

    /// A stop that comes while a host's handshake hangs (its sshd frozen) ends the pass then:
    /// the pre-connect waited out the handshake's timeout (20 s), deaf to Ctrl-C. The fake
    /// handshake does not end even when cancelled (`Gate`), as a real one does not, so only a
    /// pass that stops waiting for it returns at all.
    @Test(.timeLimit(.minutes(1))) func aStopWhileAHandshakeHangsEndsThePass() async throws {
        let fleet = try GroupLockFleet(["frozen", "web1"])
        let (started, handshaking) = AsyncStream.makeStream(of: Void.self)
        let frozen = Gate()
        defer { frozen.open() }
        let lock = GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-FROZENHS1")) { host in
            guard host.name == "frozen" else { return LocalHostSession(host: host) }
            handshaking.yield()
            await frozen.wait()
            throw TransportError(host: host.name, kind: .timeout, message: "timed out during SSH handshake")
        }
        let stop = StopController()
        let acquiring = Task { try await lock.acquire(stop: stop) }
        for await _ in started { break }
        stop.request(reason: "Ctrl-C")
        await #expect(throws: GroupLockTakingStopped.self) { _ = try await acquiring.value }
        #expect(fleet.instructionEntries("web1").isEmpty)
    }

    /// Where a stop request is heard: the holder's heartbeat reads the first two hosts it
    /// locked, and only a host without an answer (nil) can be one of them before the first
    /// host that took the request.
    @Test func aRequestIsHeardOnAHostWithAtMostOneSilentHostBeforeIt() {
        #expect(GroupLock.heardThere([true]))
        #expect(GroupLock.heardThere([nil, true, nil]))
        #expect(GroupLock.heardThere([false, nil, false, true]))
        #expect(!GroupLock.heardThere([nil, nil, true]))
        #expect(!GroupLock.heardThere([false, false, nil]))
        #expect(!GroupLock.heardThere([]))
    }

    /// `hoist stop` with a host frozen (its handshake never ends): the request lands on the
    /// hosts that answer and the call returns, naming the frozen host, instead of waiting out
    /// its handshake timeout (20 s). The frozen host sorts first, so the one before the
    /// first host where the request is may be it.
    @Test(.timeLimit(.minutes(1))) func aStopRequestDoesNotWaitForAFrozenHost() async throws {
        let fleet = try GroupLockFleet(["a-frozen", "web1", "web2"])
        let holder = try await fleet.lock(GroupLockFleet.owner("d-HOLDER001")).acquire()
        #expect(holder.lockedHosts.map(\.name) == ["a-frozen", "web1", "web2"])
        let frozen = Gate()
        defer { frozen.open() }
        var bob = GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-BOB000001", user: "bob")) { host in
            guard host.name == "a-frozen" else { return LocalHostSession(host: host) }
            await frozen.wait()
            throw TransportError(host: host.name, kind: .timeout, message: "timed out during SSH handshake")
        }
        bob.stragglerWait = .zero
        let states = await bob.status(until: { if case .held(let owner, _, _) = $0 { return owner.deploymentID == "d-HOLDER001" } else { return false } })
        #expect(states.map(\.description).first == "a-frozen: unreachable (it did not answer in time, and was not waited for; it may be frozen)")
        let unanswered = try await bob.requestStop(deploymentID: "d-HOLDER001", immediate: true)
        #expect(unanswered == ["a-frozen"] || unanswered == ["a-frozen", "web2"], "\(unanswered)")
        #expect(FileManager.default.fileExists(atPath: fleet.layout("web1").lockDir + "/stop"), "the request is where the heartbeat reads it")
    }

    /// A host whose key changed is skipped as one waiting does not mend, and said so: it was
    /// told apart by the words of its message, and framed as an outage otherwise.
    @Test func aHostWhoseKeyChangedIsSkippedAsSuch() async throws {
        let fleet = try GroupLockFleet(["keyed", "web1"])
        let lock = GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-KEYCHANGE")) { host in
            guard host.name == "keyed" else { return LocalHostSession(host: host) }
            throw TransportError(host: host.name, kind: .hostKey, message: "the host key of keyed differs from known_hosts")
        }
        let acquired = try await lock.acquire()
        let skipped = try #require(acquired.skippedHosts.first)
        #expect(skipped.host == "keyed" && skipped.hostKey)
        let said = DeploymentNotice.lockHostSkipped(host: skipped.host, reason: skipped.reason, hostKey: skipped.hostKey).description
        #expect(said.contains("until its host key is settled") && !said.contains("stays down"), "\(said)")
        await acquired.release()
    }
}
