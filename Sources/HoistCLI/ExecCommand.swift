import ArgumentParser
import Foundation
import HoistCore

/// `hoist exec`: an ad hoc command on every selected host at once, over the same SSH
/// connections a deployment uses. Output lines are prefixed by host and never interleave
/// within a line; each host's exit status is summarised at the end.
struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command on every selected host.",
        discussion: """
            Several words after -- are one argv: each is quoted for the remote shell, so \
            `hoist exec INV -- printf '%s\\n' '$(id)'` prints $(id) literally. A single word \
            is passed to the remote `sh -c` as it is, so pipes and variables work: \
            `hoist exec INV -- 'ls /srv | wc -l'`.
            Output: `NAME | line` (stdout) and `NAME ! line` (stderr) as lines arrive, then one \
            line per host in inventory order: `NAME exit 0`, `NAME exit 3`, `NAME killed by \
            TERM`, `NAME timed out after 5s`, `NAME unreachable: …` or `NAME failed: …`.
            Exit codes: 0 every host exited 0, 1 otherwise, 2 invalid input.
            """)

    @Argument(help: "An inventory, or a playbook (its selected hosts).", completion: Completions.inventory)
    var target: String

    @Option(name: .long, help: HostPatternHelp.help())
    var hosts: String?

    @Option(name: .long, help: "Kill the command (TERM, then KILL 5 s later) after this many seconds.")
    var timeout: Double?

    @Argument(parsing: .postTerminator, help: "The command, after --.")
    var command: [String] = []

    mutating func run() async throws {
        let loaded: LoadedTarget
        let selected: [HostSpec]
        do {
            guard !command.isEmpty else {
                printToStderr("hoist exec: no command: give one after --, e.g. `hoist exec \(target) -- uptime`")
                throw InvalidInput(diagnostics: [])
            }
            if let timeout, !(timeout > 0) {
                printToStderr("hoist exec: --timeout \(timeout): give a number of seconds above 0")
                throw InvalidInput(diagnostics: [])
            }
            loaded = try loadTarget(path: target)
            selected = try narrowHosts(loaded.hosts, to: hosts)
        } catch is InvalidInput {
            throw ExitCode(HoistExitCode.invalidInput)
        }
        let outcomes = await execute(remoteCommand(command), on: selected, timeout: timeout, connector: makeConnector(for: loaded))
        for outcome in outcomes { Console.shared.out(outcome.summary) }
        if !outcomes.allSatisfy(\.succeeded) { throw ExitCode(1) }
    }
}

/// The shell command for `hoist exec`'s words: one word is a shell command already; several
/// are an argv, quoted word by word.
func remoteCommand(_ words: [String]) -> String {
    words.count == 1 ? words[0] : shellJoin(words)
}

/// How the command ended on one host.
struct ExecOutcome: Sendable {
    enum Ending: Sendable {
        case finished(CommandResult, timeout: Double?)
        case unreachable(String)
        case failed(String)
    }
    var host: String
    var ending: Ending

    var succeeded: Bool {
        if case .finished(let result, _) = ending { return result.succeeded }
        return false
    }

    var summary: String {
        switch ending {
        case .finished(let result, let timeout):
            if result.timedOut { return "\(host) timed out after \(formatDuration(timeout ?? result.durationSeconds))" }
            if let status = result.exitStatus { return "\(host) exit \(status)" }
            return "\(host) killed by \(result.signal ?? "a signal")"
        case .unreachable(let message): return "\(host) unreachable: \(message)"
        case .failed(let message): return "\(host) failed: \(message)"
        }
    }
}

/// Runs `command` on every host at once, printing output lines as they arrive; the outcomes
/// come back in the hosts' order.
func execute(_ command: String, on hosts: [HostSpec], timeout: Double?, connector: any HostConnector,
             console: Console = .shared) async -> [ExecOutcome] {
    let found = await withTaskGroup(of: (Int, ExecOutcome).self) { group in
        for (index, host) in hosts.enumerated() {
            group.addTask {
                let ending = await execOne(command, on: host, timeout: timeout, connector: connector, console: console)
                return (index, ExecOutcome(host: host.name, ending: ending))
            }
        }
        var all: [(Int, ExecOutcome)] = []
        for await result in group { all.append(result) }
        return all
    }
    return found.sorted { $0.0 < $1.0 }.map(\.1)
}

private func execOne(_ command: String, on host: HostSpec, timeout: Double?, connector: any HostConnector,
                     console: Console) async -> ExecOutcome.Ending {
    let session: any HostSession
    do {
        session = try await connector.connect(host)
    } catch {
        return describe(error, host: host)
    }
    let name = host.name
    do {
        let result = try await session.run(command, timeoutSeconds: timeout, killGraceSeconds: 5) { line in
            console.out("\(name) \(line.stream == .stderr ? "!" : "|") \(line.text)")
        }
        await session.close()
        return .finished(result, timeout: timeout)
    } catch {
        await session.close()
        return describe(error, host: host)
    }
}

private func describe(_ error: any Error, host: HostSpec) -> ExecOutcome.Ending {
    guard let error = error as? TransportError else { return .failed("\(error)") }
    return error.isUnreachable ? .unreachable(error.message) : .failed(error.message)
}
