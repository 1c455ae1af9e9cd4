import ArgumentParser
import Foundation
import HoistCore

/// `hoist ping`: can every host be reached the way a deployment would reach it? Connects to
/// each selected host at once (the connector caps concurrent handshakes), which checks the
/// host key and authentication, runs `true`, and reports one line per host.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Check that every host is reachable over SSH (host key, login, a command).",
        discussion: """
            One line per host in inventory order: `NAME  ok  12 ms` (the time `true` took on \
            the open connection) or `NAME  FAILED  KIND: message`, then a summary line.
            Exit codes: 0 every host answered, 1 at least one did not, 2 invalid input.
            --json prints an array of {host, address, ok, latency_ms, error_kind, error}.
            """)

    @Argument(help: "An inventory, or a playbook (its selected hosts).", completion: Completions.inventory)
    var target: String

    @Option(name: .long, help: HostPatternHelp.help())
    var hosts: String?

    @Flag(name: .long, help: "Print a JSON array instead of lines.")
    var json = false

    mutating func run() async throws {
        let loaded: LoadedTarget
        let selected: [HostSpec]
        do {
            loaded = try loadTarget(path: target)
            selected = try narrowHosts(loaded.hosts, to: hosts)
        } catch is InvalidInput {
            throw ExitCode(HoistExitCode.invalidInput)
        }
        let started = Date()
        let results = await ping(selected, connector: makeConnector(for: loaded))
        if json {
            Console.shared.out(try jsonText(results))
        } else {
            let width = results.map(\.host.count).max() ?? 0
            // A failure's text can quote what the host sent.
            for r in results { Console.shared.out(r.line(nameWidth: width)) }
            let failed = results.filter { !$0.ok }.count
            Console.shared.out("\(results.count - failed) of \(results.count) hosts ok, \(failed) failed (\(formatDuration(Date().timeIntervalSince(started))))")
        }
        if results.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }
}

/// What pinging one host found.
struct PingResult: Sendable, Encodable {
    var host: String
    var address: String
    var ok: Bool
    var latencyMs: Int?
    var errorKind: String?
    var error: String?

    func line(nameWidth: Int) -> String {
        let name = host.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
        if ok { return "\(name)  ok  \(latencyMs ?? 0) ms" }
        return "\(name)  FAILED  \(errorKind ?? "error"): \(error ?? "")"
    }

    enum CodingKeys: String, CodingKey {
        case host, address, ok, latencyMs = "latency_ms", errorKind = "error_kind", error
    }

    // Absent values are written as null, so every object has every key.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(host, forKey: .host)
        try c.encode(address, forKey: .address)
        try c.encode(ok, forKey: .ok)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(errorKind, forKey: .errorKind)
        try c.encode(error, forKey: .error)
    }
}

/// Pings every host at once; the results come back in the hosts' order.
func ping(_ hosts: [HostSpec], connector: any HostConnector) async -> [PingResult] {
    let found = await withTaskGroup(of: (Int, PingResult).self) { group in
        for (index, host) in hosts.enumerated() {
            group.addTask { (index, await pingOne(host, connector: connector)) }
        }
        var all: [(Int, PingResult)] = []
        for await result in group { all.append(result) }
        return all
    }
    return found.sorted { $0.0 < $1.0 }.map(\.1)
}

private func pingOne(_ host: HostSpec, connector: any HostConnector) async -> PingResult {
    var result = PingResult(host: host.name, address: host.address, ok: false)
    do {
        let session = try await connector.connect(host)
        let started = Date()
        let captured: (CommandResult, stdout: String, stderr: String)
        do {
            captured = try await session.capture("true", timeoutSeconds: 30)
        } catch {
            await session.close()
            throw error
        }
        let elapsed = Date().timeIntervalSince(started)
        await session.close()
        let (outcome, _, stderr) = captured
        if outcome.succeeded {
            result.ok = true
            result.latencyMs = Int((elapsed * 1000).rounded())
        } else {
            result.errorKind = TransportError.Kind.remoteCommand.rawValue
            let how = outcome.timedOut ? "timed out" : "exited \(outcome.exitStatus.map(String.init) ?? "by signal \(outcome.signal ?? "?")")"
            result.error = "`true` \(how)" + (stderr.isEmpty ? "" : ": \(stderr)")
        }
    } catch let error as TransportError {
        result.errorKind = error.kind.rawValue
        result.error = error.message
    } catch {
        result.errorKind = "error"
        result.error = "\(error)"
    }
    return result
}

private func jsonText(_ results: [PingResult]) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(results), as: UTF8.self)
}
