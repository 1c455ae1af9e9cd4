import Foundation
import HoistCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One connection to the history server, used by one call at a time, with the store's
/// synchronous calls bridged onto PostgresNIO's event loop: a caller blocks on a future that
/// an event-loop thread completes, so no Swift concurrency thread is needed to finish it.
///
/// A connection lost in the middle of a call (server restart, network) is not an error: the
/// call reconnects with backoff (1 s doubling to 30 s), says so once through `notices`, and
/// runs again. A write whose COMMIT was sent but not acknowledged is not run twice: its
/// transaction id is checked with `txid_status` first. Only an outage longer than
/// `outageLimit` fails the call.
final class PostgresLink: @unchecked Sendable {
    let url: PostgresURL
    let notices: @Sendable (String) -> Void
    let outageLimit: Duration
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var nextID = 0
    /// When the current outage began, across calls: the limit is the outage's, not each
    /// call's. Each of a deployment's queued writes waited out the whole limit again (29
    /// writes held the group's lock for 3 minutes past a 5 s limit), and each said "lost".
    private var outageSince: ContinuousClock.Instant?
    let logger: Logger = {
        var logger = Logger(label: "hoist.history.postgres")
        logger.logLevel = .critical
        return logger
    }()
    /// A call that takes longer is treated as a lost connection.
    static let callTimeout: TimeAmount = .seconds(120)
    static let connectTimeout: TimeAmount = .seconds(20)

    init(url: PostgresURL, outageLimit: Duration, notices: @escaping @Sendable (String) -> Void) {
        self.url = url
        self.outageLimit = outageLimit
        self.notices = notices
    }

    deinit { connection?.closeSoon() }

    /// Connects once, without retrying: the store's first contact, where an unreachable
    /// server must be an error at once.
    func connectNow() throws {
        lock.lock()
        defer { lock.unlock() }
        do {
            _ = try current()
        } catch {
            throw HistoryError.unreachable(store: url.description, reason: Self.reason(error))
        }
    }

    /// A new connection of its own, for LISTEN.
    func connectionFuture() -> EventLoopFuture<PostgresConnection> {
        let id = lock.withLock { nextID += 1; return nextID }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        do {
            return PostgresConnection.connect(on: loop, configuration: try configuration(), id: id, logger: logger)
        } catch {
            return loop.makeFailedFuture(error)
        }
    }

    private func current() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        nextID += 1
        let made = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: try configuration(), id: nextID, logger: logger
        ).wait()
        connection = made
        return made
    }

    private func configuration() throws -> PostgresConnection.Configuration {
        var config = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: try tls())
        config.options.connectTimeout = Self.connectTimeout
        return config
    }

    private func tls() throws -> PostgresConnection.Configuration.TLS {
        if url.sslMode == .disable { return .disable }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .verifyFull: tls.certificateVerification = .fullVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        default: tls.certificateVerification = .none
        }
        if let root = url.sslRootCert { tls.trustRoots = .file(root) }
        let context = try NIOSSLContext(configuration: tls)
        switch url.sslMode {
        case .allow, .prefer: return .prefer(context)
        default: return .require(context)
        }
    }

    /// Runs `body` on the connection, reconnecting and running it again after a lost
    /// connection. For reads and for writes that are safe to repeat.
    func run<T>(_ body: (Session) throws -> T) throws -> T {
        try withRetries { session, _ in try body(session) }
    }

    /// Runs `body` in one transaction and commits it, exactly once across lost connections.
    /// `check` runs first inside the transaction (the schema version), and may throw.
    func transaction<T>(check: (Session) throws -> Void, _ body: (Session) throws -> T) throws -> T {
        var sent: (txid: Int64, result: T)?
        return try withRetries { session, retrying in
            if retrying, let (txid, result) = sent {
                // The last attempt sent COMMIT and lost the answer: did it commit?
                if try Self.committed(txid, session) { return result }
            }
            sent = nil
            try session.execute("BEGIN")
            do {
                let txid: Int64 = try session.one("SELECT txid_current()")
                try check(session)
                let result = try body(session)
                sent = (txid, result)
                try session.execute("COMMIT")
                return result
            } catch where !Self.isConnectionLoss(error) {
                try? session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Whether transaction `txid` committed; waits while it is still in progress (the old
    /// backend has not yet seen its client go).
    private static func committed(_ txid: Int64, _ session: Session) throws -> Bool {
        while true {
            let status: String? = try session.one("SELECT txid_status(\(txid))")
            if status != "in progress" { return status == "committed" }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func withRetries<T>(_ body: (Session, _ retrying: Bool) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        var delay = 1.0
        while true {
            do {
                let result = try body(Session(connection: try current(), logger: logger), outageSince != nil)
                if let since = outageSince {
                    outageSince = nil
                    notices("the history store \(url) is back after \(formatDuration(since.duration(to: .now).seconds)); the buffered history is written")
                }
                return result
            } catch where Self.isConnectionLoss(error) {
                connection?.closeSoon()
                connection = nil
                let now = ContinuousClock.now
                if outageSince == nil {
                    outageSince = now
                    notices("lost the history store \(url) (\(Self.reason(error))); the deployment goes on, its history is buffered and written once the store is back")
                }
                if let since = outageSince, since.duration(to: now) > outageLimit {
                    throw HistoryError.unreachable(store: url.description, reason: "\(Self.reason(error)) for over \(formatDuration(outageLimit.seconds))")
                }
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 30)
            }
        }
    }

    /// A lost or broken connection, as opposed to an error of the statement itself.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return !(error is HistoryError || error is NoRow || error is PostgresDecodingError) }
        if error.code == .server {
            // Class 08: connection exception; 57P0x: the server is shutting down or restarting.
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        }
        return true
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            // PostgresNIO's own name for it ("authMechanismRequiresPassword") says nothing to a user.
            if error.code == .authMechanismRequiresPassword { return "the server asks for a password and none was given" }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        if let error = error as? HistoryError { return error.description }
        return "\(error)"
    }
}

/// A connection lent to one call: statements as text and binds, answers waited for with a
/// time limit (past it the connection is closed, which the caller sees as a lost connection).
struct Session {
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> PostgresQueryResult {
        let connection = self.connection
        // The answer or the time limit, whichever comes first: closing the connection does not
        // always fail a query already sent on it (a server stopped mid-query left a coordinator
        // waiting here for good), so the limit fails the wait itself.
        let answer = connection.eventLoop.makePromise(of: PostgresQueryResult.self)
        connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).cascade(to: answer)
        let timeout = connection.eventLoop.scheduleTask(in: PostgresLink.callTimeout) {
            answer.fail(CallTimedOut(seconds: PostgresLink.callTimeout.nanoseconds / 1_000_000_000))
            connection.closeSoon()
        }
        defer { timeout.cancel() }
        return try answer.futureResult.wait()
    }

    /// A statement that got no answer within `PostgresLink.callTimeout`: a lost connection.
    struct CallTimedOut: Error, CustomStringConvertible {
        var seconds: Int64
        var description: String { "no answer within \(seconds) s" }
    }

    func execute(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws {
        _ = try query(sql, binds)
    }

    /// The first column of the first row.
    func one<T: PostgresDecodable>(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> T {
        guard let row = try query(sql, binds).first else { throw NoRow(sql: sql) }
        return try row.makeRandomAccess()[0].decode(T.self)
    }
}

/// A statement that should have returned a row returned none.
struct NoRow: Error, CustomStringConvertible {
    let sql: String
    var description: String { "no row from: \(sql)" }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension PostgresConnection {
    /// Starts closing the connection without waiting (from any thread, deinit included).
    /// The connection stays alive until it is closed: PostgresNIO requires that.
    func closeSoon() {
        let closing: EventLoopFuture<Void> = close()
        closing.whenComplete { _ in withExtendedLifetime(self) {} }
    }
}
