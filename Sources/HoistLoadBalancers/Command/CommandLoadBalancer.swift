import Foundation
import HoistCore

/// Any other balancer, through the user's own commands run on this machine with `/bin/sh -c`.
/// `{host}` and `{address}` in a command become the shell-quoted host name and address; the
/// environment also carries `HOIST_LB_ACTION` (register, deregister, health), `HOIST_LB_NAME`,
/// `HOIST_HOST`, `HOIST_ADDRESS` and, for deregister, `HOIST_DRAIN_TIMEOUT` (seconds).
/// The deregister command is expected to drain by itself.
public struct CommandLoadBalancer: LoadBalancer {
    public let name: String
    public let commands: LoadBalancerSpec.Command
    public let polling: LoadBalancerPolling
    /// A command still running after this long is stopped and counts as failed.
    public let commandTimeoutSeconds: Double

    public init(name: String, commands: LoadBalancerSpec.Command, polling: LoadBalancerPolling = LoadBalancerPolling(),
                commandTimeoutSeconds: Double = 600) {
        self.name = name
        self.commands = commands
        self.polling = polling
        self.commandTimeoutSeconds = commandTimeoutSeconds
    }

    public var balancerDescription: String { "\(name) (commands)" }

    public func register(_ host: HostSpec) async throws {
        try await runChecked(commands.register, action: "register", host: host)
    }

    public func deregister(_ host: HostSpec, drainTimeoutSeconds: Double) async throws -> DrainCutShort? {
        try await runChecked(commands.deregister, action: "deregister", host: host,
                             extra: ["HOIST_DRAIN_TIMEOUT": Self.plainNumber(drainTimeoutSeconds)])
        return nil
    }

    /// Runs the health command until it exits 0; without one there is nothing to wait for.
    public func waitUntilHealthy(_ host: HostSpec, timeoutSeconds: Double) async throws {
        guard let health = commands.health else { return }
        let last = Locked<String>("it has not run")
        let healthy = try await polling.until(timeoutSeconds: timeoutSeconds) { () async throws -> Bool? in
            let (result, _, stderr) = try await run(health, action: "health", host: host)
            if result.succeeded { return true }
            last.withLock { $0 = Self.explain(result, stderr: stderr) }
            return nil
        }
        if healthy == nil {
            throw error(.timeout, "host \(host.name) is not healthy after \(formatSeconds(timeoutSeconds)): the health command \(last.current)")
        }
    }

    /// The health command's verdict, when there is one; commands cannot tell the admin state.
    public func state(of host: HostSpec) async throws -> LoadBalancerServerState {
        guard let health = commands.health else {
            return LoadBalancerServerState(server: host.name, admin: .unknown, operational: .unknown, detail: "no health command")
        }
        let (result, _, stderr) = try await run(health, action: "health", host: host)
        return LoadBalancerServerState(
            server: host.name, admin: .unknown, operational: result.succeeded ? .up : .down,
            detail: result.succeeded ? "health command exited 0" : "health command \(Self.explain(result, stderr: stderr))")
    }

    /// The command with `{host}` and `{address}` replaced by quoted words.
    public static func render(_ command: String, host: HostSpec) -> String {
        command
            .replacingOccurrences(of: "{host}", with: shellQuote(host.name))
            .replacingOccurrences(of: "{address}", with: shellQuote(host.address))
    }

    private func runChecked(_ command: String, action: String, host: HostSpec, extra: [String: String] = [:]) async throws {
        let (result, _, stderr) = try await run(command, action: action, host: host, extra: extra)
        guard result.succeeded else {
            throw error(.command, "the \(action) command for host \(host.name) \(Self.explain(result, stderr: stderr))")
        }
    }

    private func run(_ command: String, action: String, host: HostSpec, extra: [String: String] = [:]) async throws
        -> (CommandResult, stdout: String, stderr: String)
    {
        let environment = [
            "HOIST_LB_ACTION": action, "HOIST_LB_NAME": name, "HOIST_HOST": host.name, "HOIST_ADDRESS": host.address,
        ].merging(extra) { $1 }
        do {
            return try await LocalShell.capture(Self.render(command, host: host), environment: environment,
                                                timeoutSeconds: commandTimeoutSeconds)
        } catch {
            throw self.error(.command, "cannot start the \(action) command: \(error)")
        }
    }

    /// `30`, `0.5`: seconds as a script can read them.
    static func plainNumber(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    private static func explain(_ result: CommandResult, stderr: String) -> String {
        let how = result.timedOut ? "timed out" : result.signal.map { "was killed by SIG\($0)" }
            ?? "exited \(result.exitStatus.map(String.init) ?? "abnormally")"
        return stderr.isEmpty ? how : "\(how): \(stderr)"
    }

    private func error(_ kind: LoadBalancerError.Kind, _ message: String) -> LoadBalancerError {
        LoadBalancerError(balancer: balancerDescription, kind: kind, message: message)
    }
}
