import Foundation
import HoistCore
import HoistEngine

/// `--json`: one JSON object per line for each deployment, host, lifecycle event and output
/// line. Fields: `type` (deployment_started, phase_started, host_started, event_started,
/// output, event_finished, upload_progress, host_finished, deployment_finished,
/// alarm_changed), `deployment`, `time` (ISO-8601), and per type `host`, `event`, `status`,
/// `error_code`, `message`, `stream`, `text`, `duration_seconds`, `bytes_sent`, `total_bytes`,
/// `hosts`, `phase`, `detail`, `check`, `state`, `previous`, `reason`.
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
        case .phaseStarted(let phase):
            o["type"] = "phase_started"; o["phase"] = phase.name; o["hosts"] = phase.hosts
            o["time"] = formatter.string(from: phase.time)
            if let detail = phase.detail { o["detail"] = detail }
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
        JSONEnding.shared.wrote(finished: o["type"] as? String == "deployment_finished")
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
        let object: [String: Any] = [
            "type": "error", "exit_code": Int(exitCode), "time": ISO8601DateFormatter().string(from: Date()),
            "message": said.isEmpty ? "hoist exited with code \(exitCode)" : said.joined(separator: "\n"),
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        Console.shared.out(String(decoding: data, as: UTF8.self))
    }
}
