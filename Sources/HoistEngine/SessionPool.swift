import HoistCore

/// Hands out one session per host for a whole command run, so the lock, its heartbeat (see
/// `HostSession.runBeside`) and the deployment share a host's connection instead of opening
/// several. Sessions it hands out
/// ignore `close()`; `closeAll()` closes them for real.
public final class SessionPool: HostConnector, Sendable {
    private let connector: any HostConnector
    private let sessions = Locked<[String: Task<any HostSession, any Error>]>([:])

    public init(connector: any HostConnector) {
        self.connector = connector
    }

    public func connect(_ host: HostSpec) async throws -> any HostSession {
        let task = sessions.withLock { pool -> Task<any HostSession, any Error> in
            if let existing = pool[host.name] { return existing }
            let connector = self.connector
            let created = Task<any HostSession, any Error> { try await connector.connect(host) }
            pool[host.name] = created
            return created
        }
        do {
            return PooledSession(inner: try await task.value)
        } catch {
            // A failed connection is not kept: the next caller tries again.
            sessions.withLock { pool in _ = pool.removeValue(forKey: host.name) }
            throw error
        }
    }

    /// Starts connecting to `host` now, so the connection is ready when the deployment gets
    /// to it (on a 30 ms network the handshake is a quarter of a second). A connection that
    /// fails here is forgotten, and the host's turn tries again.
    public func prepare(_ host: HostSpec) {
        sessions.withLock { pool in
            guard pool[host.name] == nil else { return }
            let connector = self.connector
            let sessions = self.sessions
            // The task removes itself when it fails; it is in the pool before it can (the
            // removal waits for this lock).
            let created = Task<any HostSession, any Error> {
                do {
                    return try await connector.connect(host)
                } catch {
                    sessions.withLock { pool in _ = pool.removeValue(forKey: host.name) }
                    throw error
                }
            }
            pool[host.name] = created
        }
    }

    public func closeAll() async {
        let all = sessions.withLock { pool -> [Task<any HostSession, any Error>] in
            let values = Array(pool.values)
            pool = [:]
            return values
        }
        // All at once: each close waits for its host to answer.
        await withTaskGroup(of: Void.self) { group in
            for task in all {
                group.addTask { if let session = try? await task.value { await session.close() } }
            }
        }
    }
}

/// A pooled session: everything passes through but `close`.
final class PooledSession: ForwardingSession, @unchecked Sendable {
    override func close() async {}
}
