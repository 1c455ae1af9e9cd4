import Foundation
import HoistCore
import HoistEngine

/// For cron and CI: one line per host per event (`host event status duration`), hook output
/// prefixed by host and event, never interleaved within a line.
final class PlainReporter: DeploymentObserver, @unchecked Sendable {
    private let console: Console
    init(console: Console = .shared) { self.console = console }

    func handle(_ event: DeploymentEvent) {
        switch event {
        case .deploymentStarted(let s):
            console.out("deployment \(s.id) of \(s.revision) (sha256 \(s.revisionSHA256.prefix(12))) to \(s.application)/\(s.deploymentGroup): \(s.hosts.count) hosts, \(s.config), at most \(s.maxConcurrency) at once, \(s.minimumHealthy) must stay healthy")
        case .hostStarted(let host, _):
            console.out("\(host) start")
        case .eventStarted:
            break
        case .output(let host, let lifecycle, let line, _):
            console.out("\(host) \(lifecycle.rawValue) \(line.stream == .stderr ? "!" : "|") \(line.text)")
        case .eventFinished(let host, let lifecycle, let o):
            var line = "\(host) \(lifecycle.rawValue) \(o.status.rawValue) \(formatDuration(o.durationSeconds))"
            if let code = o.errorCode { line += " \(code.rawValue)" }
            if let message = o.message, o.status != .succeeded || lifecycle == .downloadBundle { line += ": \(message)" }
            console.out(line)
        case .uploadProgress:
            break
        case .hostFinished(let host, let status, let code, let message, _):
            var line = "\(host) \(status.rawValue)"
            if let code { line += " \(code.rawValue)" }
            if let message { line += ": \(message)" }
            console.out(line)
        case .deploymentFinished(let v):
            console.out(summaryLine(v))
        case .alarmChanged(let change):
            console.out(alarmLine(change))
        case .notice:
            break
        }
    }
}

/// `alarm api ALARM (was OK): HTTP 500 from ...`: a check's new state, for every output.
func alarmLine(_ change: AlarmChange) -> String {
    "alarm \(change.check) \(change.state.rawValue) (was \(change.previous.rawValue)): \(change.reason)"
}


func summaryLine(_ v: DeploymentVerdictSummary) -> String {
    let counts = Dictionary(grouping: v.hostStatuses.values, by: { $0 }).mapValues(\.count)
    let parts = [InstanceStatus.succeeded, .failed, .skipped].compactMap { s in counts[s].map { "\($0) \(s.rawValue.lowercased())" } }
    var line = "deployment \(v.id) \(v.status.rawValue): " + parts.joined(separator: ", ")
    if let code = v.errorCode { line += " [\(code.rawValue)]" }
    if let message = v.message, v.status != .succeeded { line += " \(message)" }
    return line
}

/// `--json`: one JSON object per line for each deployment, host, lifecycle event and output
/// line. Fields: `type` (deployment_started, host_started, event_started, output,
/// event_finished, upload_progress, host_finished, deployment_finished, alarm_changed),
/// `deployment`, `time` (ISO-8601), and per type `host`, `event`, `status`, `error_code`,
/// `message`, `stream`, `text`, `duration_seconds`, `bytes_sent`, `total_bytes`, `hosts`,
/// `check`, `state`, `previous`, `reason`.
final class JSONLinesReporter: DeploymentObserver, @unchecked Sendable {
    private let console: Console
    private let deploymentID: String
    private let formatter = ISO8601DateFormatter()
    init(deploymentID: String, console: Console = .shared) {
        self.deploymentID = deploymentID
        self.console = console
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    func handle(_ event: DeploymentEvent) {
        var o: [String: Any] = ["deployment": deploymentID]
        switch event {
        case .deploymentStarted(let s):
            o["type"] = "deployment_started"; o["time"] = formatter.string(from: s.time)
            o["application"] = s.application; o["deployment_group"] = s.deploymentGroup
            o["revision"] = s.revision; o["revision_sha256"] = s.revisionSHA256; o["config"] = s.config
            o["hosts"] = s.hosts; o["max_concurrency"] = s.maxConcurrency; o["minimum_healthy"] = s.minimumHealthy
        case .hostStarted(let host, let time):
            o["type"] = "host_started"; o["host"] = host; o["time"] = formatter.string(from: time)
        case .eventStarted(let host, let e, let time, let from):
            o["type"] = "event_started"; o["host"] = host; o["event"] = e.rawValue; o["time"] = formatter.string(from: time)
            if let from { o["scripts_from"] = from }
        case .output(let host, let e, let line, let time):
            o["type"] = "output"; o["host"] = host; o["event"] = e.rawValue; o["stream"] = line.stream.rawValue
            o["text"] = line.text; o["time"] = formatter.string(from: time)
        case .eventFinished(let host, let e, let out):
            o["type"] = "event_finished"; o["host"] = host; o["event"] = e.rawValue; o["status"] = out.status.rawValue
            o["time"] = formatter.string(from: out.end); o["duration_seconds"] = out.durationSeconds
            if let c = out.errorCode { o["error_code"] = c.rawValue }
            if let m = out.message { o["message"] = m }
            if let s = out.scriptName { o["script"] = s }
        case .uploadProgress(let host, let sent, let total):
            o["type"] = "upload_progress"; o["host"] = host; o["bytes_sent"] = sent; o["total_bytes"] = total
        case .hostFinished(let host, let status, let code, let message, let time):
            o["type"] = "host_finished"; o["host"] = host; o["status"] = status.rawValue; o["time"] = formatter.string(from: time)
            if let code { o["error_code"] = code.rawValue }
            if let message { o["message"] = message }
        case .deploymentFinished(let v):
            o["type"] = "deployment_finished"; o["status"] = v.status.rawValue; o["time"] = formatter.string(from: v.time)
            if let c = v.errorCode { o["error_code"] = c.rawValue }
            if let m = v.message { o["message"] = m }
            o["hosts"] = v.hostStatuses.mapValues(\.rawValue)
        case .alarmChanged(let c):
            o["type"] = "alarm_changed"; o["check"] = c.check; o["state"] = c.state.rawValue
            o["previous"] = c.previous.rawValue; o["reason"] = c.reason; o["time"] = formatter.string(from: c.time)
        case .notice:
            return
        }
        if case .uploadProgress(_, let sent, let total) = event, sent != total { return }
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return }
        console.out(String(decoding: data, as: UTF8.self))
    }
}

/// On a terminal: finished events and failures scroll by; a status block at the bottom shows
/// each running host's current event and the batch progress; a summary table at the end.
final class TerminalReporter: DeploymentObserver, @unchecked Sendable {
    private let console: Console
    private let lock = NSLock()
    private var current: [String: String] = [:]
    private var order: [String] = []
    private var total = 0
    private var done: [String: InstanceStatus] = [:]
    private var drawnLines = 0
    private var rows: [(host: String, events: [(LifecycleEvent, EventOutcome)])] = []
    private var hostEvents: [String: [(LifecycleEvent, EventOutcome)]] = [:]
    private let verbose: Bool

    init(console: Console = .shared, verbose: Bool = false) {
        self.console = console
        self.verbose = verbose
    }

    private func green(_ s: String) -> String { "\u{1b}[32m\(s)\u{1b}[0m" }
    private func red(_ s: String) -> String { "\u{1b}[31m\(s)\u{1b}[0m" }
    private func dim(_ s: String) -> String { "\u{1b}[2m\(s)\u{1b}[0m" }

    func handle(_ event: DeploymentEvent) {
        lock.lock()
        defer { lock.unlock() }
        var scroll: [String] = []
        switch event {
        case .deploymentStarted(let s):
            total = s.hosts.count
            scroll.append("Deploying \(s.revision) (\(s.revisionSHA256.prefix(12))) to \(s.application)/\(s.deploymentGroup) as \(s.id)")
            scroll.append(dim("\(s.hosts.count) hosts, \(s.config): at most \(s.maxConcurrency) at once, \(s.minimumHealthy) must stay healthy"))
        case .hostStarted(let host, _):
            if current[host] == nil { order.append(host) }
            current[host] = "connecting"
        case .eventStarted(let host, let e, _, _):
            current[host] = e.rawValue
        case .output(let host, let e, let line, _):
            if verbose || line.stream == .stderr {
                scroll.append(dim("\(host) \(e.rawValue) \(line.stream == .stderr ? "!" : "|") ") + line.text)
            }
        case .eventFinished(let host, let e, let o):
            hostEvents[host, default: []].append((e, o))
            if o.status == .failed {
                scroll.append(red("✘ \(host) \(e.rawValue) \(o.errorCode?.rawValue ?? "failed")") + ": \(o.message ?? "")")
            }
        case .uploadProgress(let host, let sent, let total):
            current[host] = "DownloadBundle \(total > 0 ? Int(Double(sent) / Double(total) * 100) : 100)%"
        case .hostFinished(let host, let status, _, let message, _):
            current[host] = nil
            order.removeAll { $0 == host }
            done[host] = status
            rows.append((host, hostEvents[host] ?? []))
            scroll.append(status == .succeeded ? green("✔ \(host)") : red("✘ \(host) \(status.rawValue)") + (message.map { ": \($0)" } ?? ""))
        case .alarmChanged(let change):
            let line = alarmLine(change)
            scroll.append(change.state == .alarm ? red("⚠ " + line) : dim(line))
        case .deploymentFinished(let v):
            redraw(scroll: scroll, final: true)
            console.locked { $0(summaryTable(v) + "\n") }
            return
        case .notice:
            return
        }
        redraw(scroll: scroll, final: false)
    }

    private func redraw(scroll: [String], final: Bool) {
        var text = ""
        if drawnLines > 0 { text += "\u{1b}[\(drawnLines)F\u{1b}[J" }
        for line in scroll { text += line + "\n" }
        drawnLines = 0
        if !final {
            let succeeded = done.values.filter { $0 == .succeeded }.count
            let failed = done.values.filter { $0 == .failed }.count
            text += dim("[\(done.count)/\(total) done: \(succeeded) ok, \(failed) failed; \(order.count) running]") + "\n"
            drawnLines = 1
            for host in order.prefix(12) {
                text += "  \(host): \(current[host] ?? "")\n"
                drawnLines += 1
            }
            if order.count > 12 { text += "  … and \(order.count - 12) more\n"; drawnLines += 1 }
        }
        console.locked { $0(text) }
    }

    private func summaryTable(_ v: DeploymentVerdictSummary) -> String {
        let events = rows.first?.events.map(\.0) ?? []
        var lines: [String] = []
        let width = max(4, (rows.map(\.host.count).max() ?? 4))
        var header = "HOST".padding(toLength: width, withPad: " ", startingAt: 0) + "  STATUS   "
        header += events.map { short($0) }.joined(separator: " ")
        lines.append(header)
        for row in rows.sorted(by: { $0.host < $1.host }) {
            var line = row.host.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            line += (v.hostStatuses[row.host]?.rawValue ?? "?").padding(toLength: 9, withPad: " ", startingAt: 0)
            line += row.events.map { e, o in
                let cell = o.status == .succeeded ? formatDuration(o.durationSeconds) : o.status.rawValue
                return cell.padding(toLength: short(e).count, withPad: " ", startingAt: 0)
            }.joined(separator: " ")
            lines.append(line)
        }
        lines.append(summaryLine(v))
        return lines.joined(separator: "\n")
    }

    private func short(_ e: LifecycleEvent) -> String {
        switch e {
        case .applicationStop: return "AppStop"
        case .downloadBundle: return "Download"
        case .beforeInstall: return "BeforeInst"
        case .install: return "Install"
        case .afterInstall: return "AfterInst"
        case .applicationStart: return "AppStart"
        case .validateService: return "Validate"
        case .beforeBlockTraffic: return "BefBlock"
        case .blockTraffic: return "Block"
        case .afterBlockTraffic: return "AftBlock"
        case .beforeAllowTraffic: return "BefAllow"
        case .allowTraffic: return "Allow"
        case .afterAllowTraffic: return "AftAllow"
        }
    }
}
