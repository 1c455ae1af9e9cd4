import Foundation

/// The PostgreSQL server scripts/test starts for the shared history's tests
/// (`HOIST_TEST_POSTGRES_URL`, `HOIST_TEST_POSTGRES_DIR`): a fresh database per test, and a
/// restart for the outage test.
public enum TestPostgres {
    public struct NotRunning: Error, CustomStringConvertible {
        public var description: String {
            "HOIST_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts a PostgreSQL server (scripts/test-postgres)"
        }
    }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server's URL (its `hoist` database, password included).
    public static func serverURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["HOIST_TEST_POSTGRES_URL"], !url.isEmpty else { throw NotRunning() }
        return url
    }

    /// The server's certificate (self-signed, for 127.0.0.1 and localhost): the authority
    /// to trust with `sslmode=verify-full`.
    public static func certificate() throws -> String {
        guard let dir = ProcessInfo.processInfo.environment["HOIST_TEST_POSTGRES_DIR"] else { throw NotRunning() }
        return dir + "/server.crt"
    }

    /// A new, empty database on the server; returns its URL.
    public static func freshDatabase() throws -> String {
        let server = try serverURL()
        let name = "hoist_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try psql(server, "CREATE DATABASE \(name)")
        return url(server, database: String(name))
    }

    /// Runs one SQL command with psql; throws with psql's message when it fails.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let output = try HoistBinary.runProgram(
            "/usr/bin/psql", ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
            environment: ["PATH": "/usr/bin:/bin"])
        guard output.status == 0 else { throw Failed(description: "psql \(sql): \(output.stderr)") }
        return output.stdout
    }

    /// `url` with its database replaced.
    public static func url(_ url: String, database: String) -> String {
        var parts = URLComponents(string: url)!
        parts.path = "/" + database
        return parts.string!
    }

    /// `url` without its password (for tests of PGPASSWORD and ~/.pgpass), and the password.
    public static func splitPassword(_ url: String) -> (url: String, password: String) {
        var parts = URLComponents(string: url)!
        let password = parts.password ?? ""
        parts.password = nil
        return (parts.string!, password)
    }

    /// A server of the test's own (for outages, which must not cut the shared server's other
    /// tests), on the shared server's port + `offset`. Stop it with `down`. A server left on
    /// that port by a test process that died (a crash skips its `defer`) is stopped first: it
    /// would hold the port and fail this run too.
    public static func privateServer(offset: Int) throws -> PrivateServer {
        let shared = try serverURL()
        guard let port = URLComponents(string: shared)?.port else { throw Failed(description: "no port in \(shared)") }
        let prefix = "hoist-test-postgres-private-\(port + offset)-"
        let dir = "/tmp/\(prefix)\(getpid())"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix(prefix) {
            if let owner = Int32(name.dropFirst(prefix.count)), owner != getpid(), kill(owner, 0) == 0 { continue }
            _ = try? script(["down", "/tmp/" + name])
        }
        let url = try script(["up", dir, String(port + offset)]).trimmingCharacters(in: .whitespacesAndNewlines)
        return PrivateServer(url: url, dir: dir)
    }

    /// A server started by `privateServer`.
    public struct PrivateServer: Sendable {
        public let url: String
        public let dir: String

        /// Stops and starts the server (fast shutdown: every connection is cut).
        public func restart() throws { try script(["restart", dir]) }
        public func stop() throws { try script(["stop", dir]) }
        public func start() throws { try script(["start", dir]) }
        public func down() { _ = try? script(["down", dir]) }
    }

    @discardableResult
    static func script(_ arguments: [String]) throws -> String {
        let path = TestPaths.packageRoot.appendingPathComponent("scripts/test-postgres").path
        let output = try HoistBinary.runProgram(path, arguments, environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        guard output.status == 0 else { throw Failed(description: "scripts/test-postgres \(arguments.joined(separator: " ")): \(output.stderr)") }
        return output.stdout
    }
}
