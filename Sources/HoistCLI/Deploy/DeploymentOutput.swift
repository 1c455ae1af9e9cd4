import ArgumentParser
import Foundation
import HoistCore
import HoistHistoryPostgres
import HoistEngine

/// How a command prints a deployment.
struct OutputOptions: Sendable {
    var json = false
    var verbose = false
    /// `-q`: only failures and a verdict that is not a full success (cron mails nothing
    /// when all went well).
    var quiet = false
    /// `--strict`: a deployment that succeeded with failed hosts exits 3, not 0.
    var strict = false
    /// The commands the output suggests (`hoist logs …` for a failed event's output), so
    /// that pasted they read this deployment's history.
    var commands = SuggestedCommands()
    /// Whether a history keeps the deployment (`hoist local` keeps none).
    var recorded = true
    /// Where the whole output of a deployment no history keeps is (`hoist local`: the
    /// deployment's scripts.log); `hoist logs`, which it suggested, knew nothing of it.
    var logFile: String?

    /// Where a failed event's whole output can be read: the `hoist logs` command, or the log file.
    func allOutput(deploymentID: String, host: String, event: LifecycleEvent) -> String? {
        recorded ? commands.logs(deploymentID, host: host, event: event) : logFile
    }

    /// The command that shows the deployment in full, every host's error whole; nil when no
    /// history keeps it.
    func showCommand(deploymentID: String) -> String? {
        recorded ? commands.show(deploymentID) : nil
    }
}

extension SuggestedCommands {
    /// For a command given `--db` (its password left out) or a playbook whose `history:`
    /// chose the store (nil: none did).
    static func naming(db: String?, playbook: String?) -> SuggestedCommands {
        SuggestedCommands(db: db.map(PostgresURL.withoutPassword), playbook: playbook)
    }

    /// For a command that loaded the playbook at `path`: it names the history only when its
    /// `history:` chose the store.
    static func naming(db: String?, playbook: Playbook, at path: String) -> SuggestedCommands {
        naming(db: db, playbook: playbook.historyPath == nil ? nil : path)
    }
}

/// How deployment output looks where it goes: the live view only on a terminal that can move
/// its cursor (not `TERM=dumb`), and not with `-q`; colours only when `NO_COLOR` is unset or
/// empty (https://no-color.org).
struct OutputStyle {
    var live: Bool
    var colors: Bool

    init(environment: [String: String], isTerminal: Bool, quiet: Bool = false) {
        live = isTerminal && environment["TERM"] != "dumb" && !quiet
        colors = live && (environment["NO_COLOR"] ?? "").isEmpty
    }
}

/// One command's deployment output: makes the reporter for each deployment it runs (the
/// first, and an automatic rollback), routes the command's own messages (the Ctrl-C
/// acknowledgement) to where they stay visible, and ends the output with a line consistent
/// with the exit code.
final class DeploymentOutput: @unchecked Sendable {
    let options: OutputOptions
    let style: OutputStyle
    /// Each event's time budget (the sum of its scripts' timeouts), for the live view.
    let hookTimeouts: [LifecycleEvent: Int]
    private let console: Console
    private let lock = NSLock()
    private var live: TerminalReporter?
    /// Warnings said after the latest verdict (a lock left on a host, an incomplete history
    /// record): the verdict is no longer the last line, so `finish` says it again.
    private var warningsAfterVerdict = 0
    private var verdictSeen = false

    init(options: OutputOptions, hooks: HookTable, console: Console = .shared,
         environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.options = options
        self.console = console
        console.outputIsBestEffort = true
        style = OutputStyle(environment: environment, isTerminal: console.isTerminal, quiet: options.quiet)
        hookTimeouts = hooks.mapValues { $0.reduce(0) { $0 + $1.timeout } }
    }

    /// The observer for one deployment of this command.
    func observer(deploymentID: String) -> any DeploymentObserver {
        // JSON lines carry no notices: they go to stderr, so they reach a person anyway.
        if options.json { return ObserverFanout([JSONLinesReporter(deploymentID: deploymentID), NoticePrinter()]) }
        let watch = VerdictWatch(output: self)
        guard style.live else { return ObserverFanout([PlainReporter(console: console, options: options), watch]) }
        let reporter = TerminalReporter(console: console, options: options, colors: style.colors, hookTimeouts: hookTimeouts)
        lock.lock()
        live = reporter
        lock.unlock()
        return ObserverFanout([reporter, watch])
    }

    fileprivate func saw(_ event: DeploymentEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .deploymentStarted:
            verdictSeen = false
        case .deploymentFinished:
            verdictSeen = true
            warningsAfterVerdict = 0
        case .notice(let notice) where notice.isWarning && verdictSeen:
            warningsAfterVerdict += 1
        default:
            break
        }
    }

    /// A message from the command itself: pinned in the live view, a timestamped line on
    /// stderr otherwise.
    func say(_ text: String) {
        lock.lock()
        let live = self.live
        lock.unlock()
        if let live { live.pin(text) } else { console.err(text) }
    }

    /// After everything: when an automatic rollback followed, `--strict` changed the outcome
    /// or warnings scrolled under the verdict, one more line ties the printed verdicts to the
    /// exit code, so the last line says how it ended.
    func finish(_ report: DeploymentReport, code: HoistExitCode) {
        guard !options.json else { return }
        let verdict = report.verdict
        var parts: [String] = []
        if let rollback = report.rollback {
            switch rollback.status {
            case .succeeded?: parts.append("the automatic rollback succeeded")
            case let status?: parts.append("the automatic rollback ended \(status.rawValue)")
            case nil: parts.append("no automatic rollback: \(rollback.note)")
            }
        }
        let failed = verdict.hostStatuses.values.filter { $0 == .failed }.count
        if options.strict, verdict.status == .succeeded, failed > 0 {
            parts.append("--strict: \(failed) host\(failed == 1 ? "" : "s") failed")
        }
        lock.lock()
        let late = warningsAfterVerdict
        lock.unlock()
        if late > 0 { parts.append(late == 1 ? "see the warning above" : "see the \(late) warnings above") }
        guard !parts.isEmpty, !(options.quiet && code == .succeeded && late == 0) else { return }
        let line = verdictHead(verdict) + "; " + parts.joined(separator: "; ") + "; exit \(code.rawValue)"
        console.out(style.live ? line : utcStamp(Date()) + " " + line)
    }
}

/// Tells `DeploymentOutput` where the verdicts and warnings fall.
private struct VerdictWatch: DeploymentObserver {
    let output: DeploymentOutput
    func handle(_ event: DeploymentEvent) { output.saw(event) }
}

/// The output flags of every command that deploys (deploy, rollback, redeploy).
struct OutputFlags: ParsableArguments {
    @Flag(name: .long, help: "One JSON object per line for each deployment, host, lifecycle event and output line; always ends with deployment_finished or, when the deployment cannot start, error.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show every hook output line on the terminal.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print only failures and a verdict that is not a full success (a successful cron run prints nothing).")
    var quiet = false

    @Flag(name: .long, help: "Exit 3 when the deployment succeeded but some hosts failed (default: CodeDeploy's success, exit 0).")
    var strict = false

    var options: OutputOptions { OutputOptions(json: json, verbose: verbose, quiet: quiet, strict: strict) }
}
