import Foundation
import Testing
import HoistCore
@testable import HoistEngine

/// A host that cannot be connected to costs one connect timeout per minute, not one per use:
/// the lock, the host's turn and the release each waited 20 s for a frozen host.
@Suite struct SessionPoolTests {
    /// Counts attempts per host; hosts in `down` fail as a handshake that timed out would.
    final class DownConnector: HostConnector, @unchecked Sendable {
        let down: Locked<Set<String>>
        let attempts = Locked([String: Int]())
        init(down: Set<String>) { self.down = Locked(down) }
        func connect(_ host: HostSpec) async throws -> any HostSession {
            attempts.withLock { $0[host.name, default: 0] += 1 }
            if down.current.contains(host.name) {
                throw TransportError(host: host.name, kind: .timeout, message: "timed out during SSH handshake")
            }
            return LocalHostSession(host: host)
        }
    }

    let host = HostSpec(name: "h1", address: "127.0.0.1")

    @Test func aFailedConnectionIsRememberedAndNotTriedAgainAtOnce() async throws {
        let connector = DownConnector(down: ["h1"])
        // An hour: a loaded machine once took 50 s over this test.
        let pool = SessionPool(connector: connector, failureMemory: .seconds(3600))
        await #expect(throws: TransportError.self) { _ = try await pool.connect(host) }
        let again = await #expect(throws: TransportError.self) { _ = try await pool.connect(host) }
        #expect(again?.kind == .timeout)
        let message = again?.message ?? ""
        #expect(message.hasPrefix("timed out during SSH handshake (") && message.hasSuffix(" s ago; not tried again within 3600 s)"), "\(message)")
        pool.prepare(host)
        await #expect(throws: TransportError.self) { _ = try await pool.connect(host) }
        #expect(connector.attempts.current["h1"] == 1)
        #expect(!pool.hasConnected("h1"))
    }

    @Test func aHostIsTriedAgainOnceItsFailureIsOldEnough() async throws {
        let connector = DownConnector(down: ["h1"])
        let pool = SessionPool(connector: connector, failureMemory: .zero)
        await #expect(throws: TransportError.self) { _ = try await pool.connect(host) }
        connector.down.withLock { $0 = [] }
        _ = try await pool.connect(host)
        _ = try await pool.connect(host)
        #expect(connector.attempts.current["h1"] == 2, "one failure, then one session kept for every later use")
        #expect(pool.hasConnected("h1"))
        await pool.closeAll()
    }

    /// The release goes to the hosts locked and to those a connection was made to (the lock
    /// may have been written before it dropped), not to a host never reached, even once the
    /// pool would try it again.
    @Test func theReleaseDoesNotWaitForAHostNeverReached() async throws {
        let fleet = try GroupLockFleet(["web1", "web2"])
        let connector = DownConnector(down: ["web2"])
        let pool = SessionPool(connector: connector, failureMemory: .zero)
        let lock = GroupLock(groupID: fleet.groupID, hosts: fleet.hosts, owner: GroupLockFleet.owner("d-ALICE0001")) {
            try await pool.connect($0)
        }
        let taken = try await lock.acquire()
        #expect(taken.skippedHosts.map(\.host) == ["web2"])
        // Taking the lock tried web2 (all hosts' connections at once, then the pass).
        let before = connector.attempts.current
        #expect(await taken.release(connected: pool.hasConnected).isEmpty)
        #expect(connector.attempts.current == before, "the release tried no host again")
        #expect(connector.attempts.current == ["web1": 1, "web2": 2], "web2 twice: every host's connection at once, then the pass")
        #expect(fleet.ownerOnDisk("web1") == nil)
        await pool.closeAll()
    }

    /// A session that says when it is closed.
    final class ClosingSession: ForwardingSession, @unchecked Sendable {
        let closed: AsyncStream<Void>.Continuation
        init(host: HostSpec, closed: AsyncStream<Void>.Continuation) {
            self.closed = closed
            super.init(inner: LocalHostSession(host: host))
        }
        override func close() async { closed.yield() }
    }

    /// Closing the pool does not wait for a handshake still under way (a stop while taking
    /// the lock waited out a frozen host's 20 s here after the lock had given up on it); the
    /// connection closes itself when it completes.
    @Test(.timeLimit(.minutes(1))) func closingDoesNotWaitForAConnectionStillBeingMade() async throws {
        let (started, handshaking) = AsyncStream.makeStream(of: Void.self)
        let (release, finishHandshake) = AsyncStream.makeStream(of: Void.self)
        let (closedStream, closed) = AsyncStream.makeStream(of: Void.self)
        struct HeldHandshake: HostConnector {
            let handshaking: AsyncStream<Void>.Continuation
            let release: AsyncStream<Void>
            let closed: AsyncStream<Void>.Continuation
            func connect(_ host: HostSpec) async throws -> any HostSession {
                handshaking.yield()
                for await _ in release { break }
                return ClosingSession(host: host, closed: closed)
            }
        }
        let pool = SessionPool(connector: HeldHandshake(handshaking: handshaking, release: release, closed: closed))
        pool.prepare(host)
        for await _ in started { break }
        await pool.closeAll()
        finishHandshake.yield()
        for await _ in closedStream { break }
    }

    /// A rollback's pool remembers the deployment's failed connections.
    @Test func aLaterPoolRemembersAnEarlierOnesFailures() async throws {
        let connector = DownConnector(down: ["h1"])
        let first = SessionPool(connector: connector, failureMemory: .seconds(3600))
        await #expect(throws: TransportError.self) { _ = try await first.connect(host) }
        let second = SessionPool(connector: connector, failureMemory: .seconds(3600), rememberingFailuresOf: first)
        await #expect(throws: TransportError.self) { _ = try await second.connect(host) }
        #expect(connector.attempts.current["h1"] == 1)
    }
}
