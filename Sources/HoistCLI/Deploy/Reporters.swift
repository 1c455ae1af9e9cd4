import Foundation
import HoistCore
import HoistEngine

/// For cron and CI: one line per host per event (`host event status duration`), hook output
/// prefixed by host and event, never interleaved within a line, each line starting with its
/// UTC time. A failed event is followed by the last 4 KB of its output (both streams) and the
/// `hoist logs` command for all of it; the last line is the verdict, naming the failed hosts.
/// `quiet` (`-q`) keeps only failures and a verdict that is not a full success, so a cron
/// job that succeeded mails nothing.
final class PlainReporter: DeploymentObserver, @unchecked Sendable {
    private let console: Console
    private let options: OutputOptions
    private var quiet: Bool { options.quiet }
    private var strict: Bool { options.strict }
    private let lock = NSLock()
    private let progress = DeploymentProgress()

    init(console: Console = .shared, options: OutputOptions = OutputOptions()) {
        self.console = console
        self.options = options
        // The command's own stderr lines (notices, Ctrl-C's acknowledgement) carry the time
        // too, stamped by the console.
        console.stampsErrors = true
    }

    func handle(_ event: DeploymentEvent) {
        lock.lock()
        defer { lock.unlock() }
        let failedTail = progress.record(event)
        switch event {
        case .deploymentStarted(let s):
            say(s.time, "deployment \(s.id) of \(s.revision) (bundle sha256 \(s.revisionSHA256.prefix(12))) to \(s.application)/\(s.deploymentGroup): \(RolloutText.hosts(s.hosts.count)), \(s.config), \(RolloutText.window(s.maxConcurrency)), \(s.minimumHealthy) must stay healthy")
        case .hostStarted(let host, let time):
            say(time, "\(host) start")
        case .eventStarted(let host, let lifecycle, let time, let scripts?) where scripts.ofEarlierRevision:
            // Scripts of an earlier revision (ApplicationStop's, the block-traffic hooks'):
            // which one ran was said only by `--json` and `hoist plan`.
            say(time, "\(host) \(lifecycle.rawValue) runs the scripts of \(scripts.folder)")
        case .eventStarted:
            break
        case .output(let host, let lifecycle, let line, let time):
            say(time, "\(host) \(lifecycle.rawValue) \(line.stream == .stderr ? "!" : "|") \(line.text)", droppable: true)
        case .eventFinished(let host, let lifecycle, let o):
            var line = "\(host) \(lifecycle.rawValue) \(o.status.rawValue) \(formatDuration(o.durationSeconds))"
            if let code = o.errorCode { line += " \(code.rawValue)" }
            if let message = o.message, o.status != .succeeded || [.downloadBundle, .blockTraffic].contains(lifecycle) { line += ": " + message }
            say(o.end, line, failure: o.status == .failed)
            if o.status == .failed {
                for text in (failedTail ?? LogTail()).rendered(indent: "  ") { say(o.end, text, failure: true) }
                if let all = options.allOutput(deploymentID: progress.id, host: host, event: lifecycle) {
                    say(o.end, "  all of its output: \(all)", failure: true)
                }
            }
        case .uploadProgress:
            break
        case .phaseStarted(let phase):
            say(phase.time, "phase \(phase.name): \(phase.detail ?? phase.hosts.joined(separator: ", "))")
        case .hostFinished(let host, let status, let code, let message, let time):
            var line = "\(host) \(status.rawValue)"
            if let code { line += " \(code.rawValue)" }
            if let message { line += ": " + message }
            say(time, line, failure: status == .failed)
        case .deploymentFinished(let v):
            let clean = v.status == .succeeded && progress.failures.isEmpty
            say(v.time, verdictLine(v, progress: progress, strict: strict, showCommand: options.showCommand(deploymentID: v.id)), failure: !clean)
        case .alarmChanged(let change):
            say(change.time, alarmLine(change), failure: change.state == .alarm)
        case .notice(let notice):
            // On stderr as NoticePrinter says it, with the time the console adds; -q keeps
            // only warnings.
            guard !quiet || notice.isWarning else { return }
            console.err(notice.sentence)
        }
    }

    private func say(_ time: Date, _ text: String, failure: Bool = false, droppable: Bool = false) {
        guard !quiet || failure else { return }
        console.out(utcStamp(time) + " " + text, droppable: droppable)
    }
}

/// `alarm api ALARM (was OK): HTTP 500 from ...`: a check's new state, for every output.
func alarmLine(_ change: AlarmChange) -> String {
    "alarm \(change.check) \(change.state.rawValue) (was \(change.previous.rawValue)): \(change.reason)"
}

/// `deployment d-X Succeeded: 7 succeeded, 1 failed`: how a verdict starts, and all the
/// closing line after it repeats.
func verdictHead(_ v: DeploymentVerdictSummary) -> String {
    let counts = Dictionary(grouping: v.hostStatuses.values, by: { $0 }).mapValues(\.count)
    let parts = [InstanceStatus.succeeded, .failed, .skipped].compactMap { s in counts[s].map { "\($0) \(s.rawValue.lowercased())" } }
    return "deployment \(v.id) \(v.status.rawValue): " + parts.joined(separator: ", ")
}

/// The last line of a deployment's output: its status, the host counts, the failed hosts
/// with the event each failed in, and CodeDeploy's error code and message. When the reasons
/// had to be shortened, `showCommand` (`hoist show ID`) says where they are in full.
func verdictLine(_ v: DeploymentVerdictSummary, progress: DeploymentProgress? = nil, strict: Bool = false,
                 showCommand: String? = nil) -> String {
    var line = verdictHead(v)
    if let failed = progress?.failedHostsText() {
        line += "; failed: \(failed.text)"
        if failed.shortened, let showCommand { line += " (in full: `\(showCommand)`)" }
    } else {
        let names = v.hostStatuses.filter { $0.value == .failed }.keys.sorted()
        if !names.isEmpty { line += "; failed: " + HostNameList.text(names) }
    }
    if let code = v.errorCode { line += " [\(code.rawValue)]" }
    if let message = v.message, v.status != .succeeded { line += " \(message)" }
    if strict, v.status == .succeeded, v.hostStatuses.values.contains(.failed) { line += " (--strict: failed hosts make this exit 3)" }
    return line
}
