import Foundation
import HoistCore

/// HAProxy driven through its runtime API: `set server B/S state ready|drain|maint` to move a
/// host in and out of rotation, `show stat` to watch sessions and health, `show servers
/// state` for what was asked. The server must already exist in the backend's configuration
/// (a `server` line, or `server-template` slots named after the hosts).
public struct HAProxyLoadBalancer: LoadBalancer {
    public let name: String
    public let backend: String
    public let serverTemplate: String
    public let api: any HAProxyRuntimeAPI
    public let polling: LoadBalancerPolling

    public init(name: String, backend: String, serverTemplate: String = "{host}",
                api: any HAProxyRuntimeAPI, polling: LoadBalancerPolling = LoadBalancerPolling()) {
        self.name = name
        self.backend = backend
        self.serverTemplate = serverTemplate
        self.api = api
        self.polling = polling
    }

    /// `main (HAProxy at /run/haproxy/admin.sock)`: how errors name this balancer.
    public var balancerDescription: String { "\(name) (HAProxy at \(api.location))" }

    public func check(_ host: HostSpec) throws {
        _ = try serverName(for: host)
    }

    /// From maint to ready with the server's health forced down on the way, so only new
    /// checks (`rise` of them) put it in rotation. HAProxy checks no server in maint, and
    /// leaving maint it goes back to its check from before: one set ready at once took
    /// requests on it (`UP 1/2 L7OK`) though its app now failed it, and with `rise 1` the old
    /// result even reads as a new pass (`DRAIN L7OK`). A server in maint ignores a forced
    /// health, so it is drained first (drain takes no new connections). A server without a
    /// health check has none to bring it up, and is set ready as it is.
    public func register(_ host: HostSpec) async throws {
        let server = try serverName(for: host)
        if let row = try await serversState(of: server), row.admin == .maint, row.hasHealthCheck {
            try await setState("drain", of: server)
            try await forceHealthDown(server)
        }
        try await setState("ready", of: server)
    }

    /// Drained means no session on two looks in a row, not one: HAProxy's threads pick a
    /// server for a request before they count the session on it, so a look taken while a
    /// busy machine holds such a thread between the two can read 0 with a request on its way
    /// to the server; the host's app would then stop under it.
    ///
    /// A reload without a server-state file puts every server back to its configured state
    /// (in rotation) under a drain: a look that finds the server in rotation again asks for
    /// the drain again, and the looks start over.
    public func deregister(_ host: HostSpec, drainTimeoutSeconds: Double) async throws -> DrainCutShort? {
        let server = try serverName(for: host)
        try await setState("drain", of: server)
        var idleLooks = 0, open = 0
        let drained = try await polling.until(timeoutSeconds: drainTimeoutSeconds) { () async throws -> Bool? in
            let row = try await statRow(of: server)
            open = row.currentSessions
            // In rotation again (a drained server whose check fails says DOWN: out anyway).
            guard Self.operational(row.status) != .up else {
                try await setState("drain", of: server)
                idleLooks = 0
                return nil
            }
            idleLooks = row.currentSessions == 0 ? idleLooks + 1 : 0
            return idleLooks >= 2 ? true : nil
        }
        try await setState("maint", of: server)
        // A drain of 0 (putting a host out again after a failed health wait) waits for nothing.
        guard drained == nil, open > 0, drainTimeoutSeconds > 0 else { return nil }
        return DrainCutShort(server: "\(backend)/\(server)", openSessions: open, drainTimeoutSeconds: drainTimeoutSeconds)
    }

    public func waitUntilHealthy(_ host: HostSpec, timeoutSeconds: Double) async throws {
        let server = try serverName(for: host)
        let (healthy, last) = try await watch(server, timeoutSeconds: timeoutSeconds) { row, _ in row.isHealthy ? true : nil }
        if healthy == nil {
            let status = last.map(Self.describe) ?? "unknown"
            throw error(.timeout, "server \(backend)/\(server) is not healthy after \(formatSeconds(timeoutSeconds)) (HAProxy says \(status))")
        }
    }

    public func state(of host: HostSpec) async throws -> LoadBalancerServerState {
        let server = try serverName(for: host)
        guard let admin = try await serversState(of: server) else {
            throw error(.unknownServer, "backend \(backend) has no server \(server)")
        }
        let stat = try await statRow(of: server)
        return LoadBalancerServerState(
            server: "\(backend)/\(server)", admin: admin.admin, operational: Self.operational(stat.status),
            currentSessions: stat.currentSessions, detail: Self.describe(stat))
    }

    /// HAProxy stops checking a server in maint, so its stats say nothing about a blocked
    /// host. Such a server is put in drain (checks run again; drain takes no new
    /// connections) with its health forced down, until new checks pass or one fails, or
    /// `timeoutSeconds` pass, then back in maint.
    public func healthProblem(_ host: HostSpec, timeoutSeconds: Double) async -> String? {
        do {
            let server = try serverName(for: host)
            let current = try await statRow(of: server)
            guard Self.operational(current.status) == .maint else {
                if current.isHealthy { return nil }
                // In rotation but between two answers (a check in progress, or `UP 1/2` after
                // one failed check): a busy host would otherwise be left out for a blip.
                let (healthy, last) = try await watch(server, timeoutSeconds: timeoutSeconds) { row, _ in Self.settledHealth(row) }
                return healthy == true ? nil : "server \(backend)/\(server): HAProxy says \(Self.describe(last ?? current))"
            }
            let checked = try await serversState(of: server)?.hasHealthCheck ?? false
            try await setState("drain", of: server)
            guard checked else {
                // No check of its own (`track` another server's, or none): what HAProxy says
                // out of maint is all there is. A tracking server refuses a forced health, and
                // one with no check never shows a passed one.
                let row = try await statRow(of: server)
                try await setState("maint", of: server)
                return Self.operational(row.status) == .down ? "server \(backend)/\(server): HAProxy says \(Self.describe(row))" : nil
            }
            let stale = try await statRow(of: server).checkStatus
            try await forceHealthDown(server)
            let probe = try? await watch(server, timeoutSeconds: timeoutSeconds) { row, _ in Self.freshHealth(row, staleCheck: stale) }
            try await setState("maint", of: server)
            let (healthy, last) = probe ?? (nil, nil)
            if healthy == true { return nil }
            return "server \(backend)/\(server) fails its health check (HAProxy says \(last.map(Self.describe) ?? "nothing"))"
        } catch {
            return "\(error)"
        }
    }

    /// Reads the server's stats until `verdict` (given the row and how many rows came before
    /// it) says true or false, or `timeoutSeconds` pass (nil); returns that and the last row.
    private func watch(_ server: String, timeoutSeconds: Double,
                       verdict: (HAProxyStatRow, Int) -> Bool?) async throws -> (Bool?, HAProxyStatRow?) {
        var count = 0
        var last: HAProxyStatRow?
        let result = try await polling.until(timeoutSeconds: timeoutSeconds) { () async throws -> Bool? in
            let row = try await statRow(of: server)
            defer { count += 1; last = row }
            return verdict(row, count)
        }
        return (result, last)
    }

    /// A server's health once HAProxy has settled it: true when healthy, false when its last
    /// completed check left it out (`DOWN`, `DRAIN`, …), nil while a check runs (`* L7OK`), none
    /// has run yet, or it is between states (`UP 1/2`, `DOWN 1/2`): look again.
    static func settledHealth(_ row: HAProxyStatRow) -> Bool? {
        if row.isHealthy { return true }
        let checking = row.checkStatus.isEmpty || row.checkStatus == "INI" || row.checkStatus.hasPrefix("*")
        return checking || row.status.contains("/") ? nil : false
    }

    /// A server's health from the checks run since it was forced down: true once it is out of
    /// DOWN on passed checks, false when a check ended with another result than the one it
    /// had before (`staleCheck`), nil: look again. A failure like the one before cannot be
    /// told from it, and is known at the timeout.
    static func freshHealth(_ row: HAProxyStatRow, staleCheck: String) -> Bool? {
        if operational(row.status) != .down && HAProxyStatRow.passedChecks.contains(row.checkStatus) { return true }
        let ended = !row.checkStatus.isEmpty && row.checkStatus != "INI" && !row.checkStatus.hasPrefix("*")
        if row.status.hasPrefix("DOWN") && ended && row.checkStatus != staleCheck
            && !HAProxyStatRow.passedChecks.contains(row.checkStatus) { return false }
        return nil
    }

    // MARK: - Runtime API

    /// The server's row of `show servers state` (what was asked of it); nil when the backend
    /// has no such server.
    private func serversState(of server: String) async throws -> HAProxyServerStateRow? {
        let answer = try await send("show servers state \(backend)")
        try checkNamesExist(answer, server: server)
        do {
            return try HAProxyServersStateParser.parse(answer).first { $0.server == server }
        } catch {
            throw self.error(.command, "\(error)")
        }
    }

    private func setState(_ state: String, of server: String) async throws {
        try await setServer(server, "state \(state)")
    }

    /// `set server B/S health down`: the server stays DOWN until `rise` new checks pass.
    private func forceHealthDown(_ server: String) async throws {
        try await setServer(server, "health down")
    }

    /// `set server B/S SETTING`, which answers nothing when it worked.
    private func setServer(_ server: String, _ setting: String) async throws {
        let command = "set server \(backend)/\(server) \(setting)"
        let answer = try await send(command)
        try checkNamesExist(answer, server: server)
        let text = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty {
            throw error(.command, "`\(command)` failed: \(text)")
        }
    }

    private func statRow(of server: String) async throws -> HAProxyStatRow {
        let answer = try await send("show stat")
        let rows: [HAProxyStatRow]
        do { rows = try HAProxyStatParser.parse(answer) } catch {
            throw self.error(.command, "\(error)")
        }
        guard let row = rows.first(where: { $0.backend == backend && $0.server == server }) else {
            if !rows.contains(where: { $0.backend == backend }) {
                throw error(.unknownServer, "HAProxy has no backend \(backend) with servers")
            }
            throw error(.unknownServer, "backend \(backend) has no server \(server)")
        }
        return row
    }

    /// How a runtime API that could not be reached is tried again: four tries, 1, 2 and 4
    /// polling intervals apart (3.5 s at the default half second). HAProxy's socket is gone
    /// for a moment while it reloads or restarts (a new process binds it), and a drain or a
    /// health wait must not fail a deployment for that. Every command sent is idempotent (a
    /// state set, a read), so a try whose answer was lost does no harm when repeated;
    /// HAProxy's own answers (an unknown server) are never tried again.
    var retry: RetryPolicy {
        RetryPolicy(attempts: 4, firstDelaySeconds: polling.intervalSeconds, maximumDelaySeconds: 4 * polling.intervalSeconds)
    }

    private func send(_ command: String) async throws -> String {
        var attempt = 1
        while true {
            do {
                return try await api.send(command)
            } catch let failure as LoadBalancerError {
                throw failure
            } catch {
                guard let delay = retry.delay(afterAttempt: attempt) else {
                    throw self.error(.connect, "\(error) (tried \(attempt) times)")
                }
                try await polling.clock.sleep(seconds: delay)
                attempt += 1
            }
        }
    }

    /// HAProxy answers a missing backend or server with a sentence instead of an error code.
    private func checkNamesExist(_ answer: String, server: String) throws {
        let lower = answer.lowercased()
        if lower.contains("no such server") {
            throw error(.unknownServer, "backend \(backend) has no server \(server)")
        }
        if lower.contains("no such backend") || lower.contains("can't find backend") {
            throw error(.unknownServer, "HAProxy has no backend \(backend)")
        }
    }

    private func serverName(for host: HostSpec) throws -> String {
        let server = ServerTemplate.render(serverTemplate, for: host)
        for (what, value) in [("backend", backend), ("server name", server)]
        where !ServerTemplate.isSafe(value, extra: "-_.:") {
            throw error(.configuration, "\(what) \(value.debugDescription) (for host \(host.name)) may contain only letters, digits, '-', '_', '.' and ':'")
        }
        return server
    }

    private func error(_ kind: LoadBalancerError.Kind, _ message: String) -> LoadBalancerError {
        LoadBalancerError(balancer: balancerDescription, kind: kind, message: message)
    }

    static func operational(_ status: String) -> LoadBalancerServerState.Operational {
        if status.hasPrefix("MAINT") { return .maint }
        if status.hasPrefix("DRAIN") || status.hasPrefix("NOLB") { return .drain }
        if status.hasPrefix("UP") || status == "no check" { return .up }
        if status.hasPrefix("DOWN") { return .down }
        return .unknown
    }

    static func describe(_ row: HAProxyStatRow) -> String {
        row.checkStatus.isEmpty ? row.status : "\(row.status), last check \(row.checkStatus)"
    }
}
