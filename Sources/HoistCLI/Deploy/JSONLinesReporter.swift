import Foundation
import HoistCore
import HoistEngine

/// `--json`: one JSON object per line for each deployment, host, lifecycle event and output
/// line. Fields: `type` (deployment_started, phase_started, host_started, event_started,
/// output, event_finished, upload_progress, host_finished, deployment_finished,
/// alarm_changed), `deployment`, `time` (ISO-8601), and per type `host`, `event`, `status`,
/// `error_code`, `message`, `stream`, `text`, `duration_seconds`, `bytes_sent`, `total_bytes`,
/// `hosts`, `phase`, `detail`, `check`, `state`, `previous`, `reason`.
///
/// A chatty hook sends an object per line, from the thread that reads the host's output:
/// what this costs slows the hook down. So objects are written by hand (`JSONLine`), not
/// through JSONSerialization and a date formatter, with the bytes JSONSerialization wrote.
final class JSONLinesReporter: DeploymentObserver, @unchecked Sendable {
    private let console: Console
    private let deploymentID: String
    init(deploymentID: String, console: Console = .shared) {
        self.deploymentID = deploymentID
        self.console = console
    }

    func handle(_ event: DeploymentEvent) {
        guard let line = Self.line(event, deploymentID: deploymentID) else { return }
        // A reader far behind may miss output objects (the note on stderr says how many),
        // never the events.
        console.out(line.text, droppable: line.type == "output")
        JSONEnding.shared.wrote(finished: line.type == "deployment_finished")
    }

    /// The object for `event`, or nil for what `--json` leaves out: notices (they go to
    /// stderr) and upload progress short of a whole bundle.
    static func line(_ event: DeploymentEvent, deploymentID: String) -> JSONLine? {
        var o = JSONLine()
        o.add("deployment", deploymentID)
        switch event {
        case .deploymentStarted(let s):
            o.add("type", "deployment_started"); o.add("time", s.time)
            o.add("application", s.application); o.add("deployment_group", s.deploymentGroup)
            o.add("revision", s.revision); o.add("revision_sha256", s.revisionSHA256); o.add("config", s.config)
            o.add("hosts", s.hosts); o.add("max_concurrency", s.maxConcurrency); o.add("minimum_healthy", s.minimumHealthy)
        case .hostStarted(let host, let time):
            o.add("type", "host_started"); o.add("host", host); o.add("time", time)
        case .eventStarted(let host, let e, let time, let from):
            o.add("type", "event_started"); o.add("host", host); o.add("event", e.rawValue); o.add("time", time)
            if let from { o.add("scripts_from", from.folder) }
        case .output(let host, let e, let line, let time):
            o.add("type", "output"); o.add("host", host); o.add("event", e.rawValue); o.add("stream", line.stream.rawValue)
            o.add("text", line.text); o.add("time", time)
        case .eventFinished(let host, let e, let out):
            o.add("type", "event_finished"); o.add("host", host); o.add("event", e.rawValue); o.add("status", out.status.rawValue)
            o.add("time", out.end); o.add("duration_seconds", out.durationSeconds)
            if let c = out.errorCode { o.add("error_code", c.rawValue) }
            if let m = out.message { o.add("message", m) }
            if let s = out.scriptName { o.add("script", s) }
        case .phaseStarted(let phase):
            o.add("type", "phase_started"); o.add("phase", phase.name); o.add("hosts", phase.hosts)
            o.add("time", phase.time)
            if let detail = phase.detail { o.add("detail", detail) }
        case .uploadProgress(let host, let sent, let total):
            guard sent == total else { return nil }
            o.add("type", "upload_progress"); o.add("host", host); o.add("bytes_sent", Int(sent)); o.add("total_bytes", Int(total))
        case .hostFinished(let host, let status, let code, let message, let time):
            o.add("type", "host_finished"); o.add("host", host); o.add("status", status.rawValue); o.add("time", time)
            if let code { o.add("error_code", code.rawValue) }
            if let message { o.add("message", message) }
        case .deploymentFinished(let v):
            o.add("type", "deployment_finished"); o.add("status", v.status.rawValue); o.add("time", v.time)
            if let c = v.errorCode { o.add("error_code", c.rawValue) }
            if let m = v.message { o.add("message", m) }
            o.add("hosts", statuses: v.hostStatuses.mapValues(\.rawValue))
        case .alarmChanged(let c):
            o.add("type", "alarm_changed"); o.add("check", c.check); o.add("state", c.state.rawValue)
            o.add("previous", c.previous.rawValue); o.add("reason", c.reason); o.add("time", c.time)
        case .notice:
            return nil
        }
        return o
    }
}

/// One `--json` object, as JSONSerialization with `.sortedKeys` wrote it before: keys in
/// order, strings escaped as it escapes them (`\/` included), whole numbers without a
/// fraction, times as ISO8601DateFormatter with fractional seconds wrote them.
struct JSONLine {
    private var members: [(key: String, value: String)] = []

    /// The `type` member, which `JSONEnding` watches for.
    private(set) var type = ""

    mutating func add(_ key: String, _ value: String) {
        if key == "type" { type = value }
        members.append((key, JSONText.quote(value, .foundation)))
    }

    mutating func add(_ key: String, _ value: Int) { members.append((key, String(value))) }

    /// A double as JSONSerialization writes it: Swift's shortest form, without a `.0`.
    mutating func add(_ key: String, _ value: Double) {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        members.append((key, text))
    }

    mutating func add(_ key: String, _ value: Date) { add(key, utcStamp(value, milliseconds: true)) }

    mutating func add(_ key: String, _ values: [String]) {
        members.append((key, JSONText.array(values.map { JSONText.quote($0, .foundation) })))
    }

    /// Host names to statuses. Once per deployment: JSONSerialization orders the host names
    /// itself (numbers by value, case aside), which a plain sort would not.
    mutating func add(_ key: String, statuses: [String: String]) {
        let data = (try? JSONSerialization.data(withJSONObject: statuses, options: [.sortedKeys])) ?? Data("{}".utf8)
        members.append((key, String(decoding: data, as: UTF8.self)))
    }

    /// The object on one line. The keys are fixed lowercase names, whose plain order is the
    /// order JSONSerialization sorted them in.
    var text: String {
        JSONText.object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}

/// `--json`'s promise: the last object is `deployment_finished`, or `error` when the
/// deployment could not start or the command failed before or after it (invalid input, a
/// held lock, an unknown deployment id). The error object carries the exit code and what was
/// said on stderr.
final class JSONEnding: @unchecked Sendable {
    static let shared = JSONEnding()
    private let lock = NSLock()
    private var expected = false
    private var lastWasFinished = false

    /// A deploying command runs with `--json`.
    func expect() {
        lock.lock()
        expected = true
        lock.unlock()
    }

    /// Called for every object written: whether it was a `deployment_finished`.
    func wrote(finished: Bool) {
        lock.lock()
        lastWasFinished = finished
        lock.unlock()
    }

    /// At a non-zero exit: the `error` object, unless the stream already ends with a verdict.
    func finish(exitCode: Int32) {
        lock.lock()
        let owed = expected && !lastWasFinished && exitCode != 0
        expected = false
        lock.unlock()
        guard owed else { return }
        let said = Console.shared.recentErrors.map { $0.hasPrefix("hoist: ") ? String($0.dropFirst(7)) : $0 }
        var object = JSONLine()
        object.add("type", "error")
        object.add("exit_code", Int(exitCode))
        object.add("time", utcStamp(Date()))
        object.add("message", said.isEmpty ? "hoist exited with code \(exitCode)" : said.joined(separator: "\n"))
        Console.shared.out(object.text)
    }
}
