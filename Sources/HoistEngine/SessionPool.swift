import Foundation
import HoistCore

/// Hands out one session per host for a whole command run, so the lock, its heartbeat (see
/// `HostSession.runBeside`) and the deployment share a host's connection instead of opening
/// several. Sessions it hands out
/// ignore `close()`; `closeAll()` closes them for real.
///
/// A host that could not be connected to is not tried again for `failureMemory`: the next
/// callers get the same failure at once. A host that is down would otherwise cost a connect
/// timeout (20 s by default) for the lock, again for its turn in the deployment and again
/// for the lock's release; a host still down at its turn a minute later is tried again, as it
/// may have come back.
public final class SessionPool: HostConnector, Sendable {
    private let connector: any HostConnector
    private let failureMemory: Duration
    private let state = Locked(PoolState())

    private struct PoolState {
        var sessions: [String: Task<any HostSession, any Error>] = [:]
        var failures: [String: (error: TransportError, at: ContinuousClock.Instant)] = [:]
        var connected: Set<String> = []
        /// After `closeAll`: nothing new is connected, and a connection that completes now is
        /// closed at once.
        var closed = false
    }

    /// `rememberingFailuresOf`: a pool whose failed connections this one remembers too (a
    /// rollback's fresh connections after the deployment's: a host frozen a moment ago cost
    /// the rollback a second connect timeout).
    public init(connector: any HostConnector, failureMemory: Duration = .seconds(60), rememberingFailuresOf earlier: SessionPool? = nil) {
        self.connector = connector
        self.failureMemory = failureMemory
        if let earlier {
            let failures = earlier.state.withLock { $0.failures }
            state.withLock { $0.failures = failures }
        }
    }

    public func connect(_ host: HostSpec) async throws -> any HostSession {
        let task = try state.withLock { pool -> Task<any HostSession, any Error> in
            if let existing = pool.sessions[host.name] { return existing }
            if pool.closed { throw TransportError(host: host.name, kind: .closed, message: "the deployment's connections were already closed") }
            if let failed = pool.failures[host.name] {
                let ago = ContinuousClock.now - failed.at
                if ago < failureMemory { throw remembered(failed.error, ago: ago) }
            }
            let created = connecting(host)
            pool.sessions[host.name] = created
            return created
        }
        return PooledSession(inner: try await task.value)
    }

    /// Starts connecting to `host` now, so the connection is ready when the deployment gets
    /// to it (on a 30 ms network the handshake is a quarter of a second). A connection that
    /// fails here is remembered like any other; the host's turn gets its failure.
    public func prepare(_ host: HostSpec) {
        state.withLock { pool in
            guard !pool.closed, pool.sessions[host.name] == nil, pool.failures[host.name] == nil else { return }
            pool.sessions[host.name] = connecting(host)
        }
    }

    /// Whether a connection to `host` was ever made in this pool: a host never connected to
    /// ran none of this run's programs, so there is nothing of them to undo there.
    public func hasConnected(_ host: String) -> Bool {
        state.withLock { $0.connected.contains(host) }
    }

    /// A connection attempt that records its own end: its session, or its failure (the task
    /// is in the pool before it can end, since the record waits for the pool's lock).
    private func connecting(_ host: HostSpec) -> Task<any HostSession, any Error> {
        let connector = self.connector
        let state = self.state
        return Task<any HostSession, any Error> {
            do {
                let session = try await connector.connect(host)
                let closed = state.withLock { pool in
                    pool.connected.insert(host.name)
                    pool.failures[host.name] = nil
                    return pool.closed
                }
                if closed {
                    await session.close()
                    throw CancellationError()
                }
                return session
            } catch {
                state.withLock { pool in
                    guard !pool.closed else { return }
                    pool.sessions[host.name] = nil
                    // A cancelled attempt says nothing about the host.
                    if let failure = error as? TransportError { pool.failures[host.name] = (failure, ContinuousClock.now) }
                }
                throw error
            }
        }
    }

    private func remembered(_ error: TransportError, ago: Duration) -> TransportError {
        let seconds = Int(ago.components.seconds)
        let memory = Int(failureMemory.components.seconds)
        return TransportError(host: error.host, kind: error.kind,
                              message: "\(error.message) (\(seconds) s ago; not tried again within \(memory) s)")
    }

    /// Closes every session made; a connection still being made is not waited for (a
    /// handshake with a frozen host hangs for its whole timeout, and a stop while taking the
    /// lock must not): it closes itself when it completes.
    public func closeAll() async {
        let all = state.withLock { pool -> [(String, Task<any HostSession, any Error>)] in
            let values = Array(pool.sessions)
            pool.sessions = [:]
            pool.closed = true
            return values.filter { pool.connected.contains($0.key) }
        }
        // All at once: each close waits for its host to answer.
        await withTaskGroup(of: Void.self) { group in
            for (_, task) in all {
                group.addTask { if let session = try? await task.value { await session.close() } }
            }
        }
    }
}

/// A pooled session: everything passes through but `close`.
final class PooledSession: ForwardingSession, @unchecked Sendable {
    override func close() async {}
}
