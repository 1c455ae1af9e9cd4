import Foundation

/// One run of `hoist deploy --json`: its exit status, what it printed, and the JSON events
/// read back, with the questions the tests ask of them.
struct DeployOutcome {
    typealias Object = [String: Any]

    var status: Int32
    var stdout: String
    var stderr: String
    /// Every stdout line that is a JSON object, in order.
    var events: [Object]

    init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        events = stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? Object
        }
    }

    func of(_ type: String) -> [Object] { events.filter { $0["type"] as? String == type } }

    var started: Object? { of("deployment_started").first }
    var finished: Object? { of("deployment_finished").first }
    var deploymentID: String { started?["deployment"] as? String ?? "" }
    var deploymentStatus: String? { finished?["status"] as? String }
    var deploymentErrorCode: String? { finished?["error_code"] as? String }
    var revisionSHA256: String? { started?["revision_sha256"] as? String }

    /// Each host's final status from `deployment_finished`.
    var hostStatuses: [String: String] { finished?["hosts"] as? [String: String] ?? [:] }

    /// The `host_finished` object of `host`.
    func hostFinished(_ host: String) -> Object? {
        of("host_finished").first { $0["host"] as? String == host }
    }

    /// The `event_finished` object of `event` on `host`.
    func event(_ host: String, _ event: String) -> Object? {
        of("event_finished").first { $0["host"] as? String == host && $0["event"] as? String == event }
    }

    func eventStatus(_ host: String, _ event: String) -> String? { self.event(host, event)?["status"] as? String }

    /// Whether `event` started on `host` (skipped events are reported finished, never started).
    func eventStarted(_ host: String, _ event: String) -> Bool {
        of("event_started").contains { $0["host"] as? String == host && $0["event"] as? String == event }
    }

    /// Hosts that got a `host_started`, in order.
    var startedHosts: [String] { of("host_started").compactMap { $0["host"] as? String } }

    /// The most hosts in flight at once, from the order of host_started and host_finished
    /// (the runner reports a host finished before it starts the next one in its place).
    var maxInFlight: Int {
        var now = 0, most = 0
        for event in events {
            switch event["type"] as? String {
            case "host_started": now += 1; most = max(most, now)
            case "host_finished": now -= 1
            default: break
            }
        }
        return most
    }

    /// A summary for failure messages.
    var description: String {
        "exit \(status)\nstderr: \(stderr)\n\(failures)stdout:\n\(stdout.split(separator: "\n").filter { !$0.contains("\"output\"") }.joined(separator: "\n"))"
    }

    /// What went wrong, read from the events: each verdict that was not a success (the
    /// deployment's and its automatic rollback's), then each failed event with its error and
    /// the last lines its hooks printed, then each failed host's own error. Empty when
    /// nothing failed.
    var failures: String {
        var lines: [String] = []
        for finished in of("deployment_finished") where finished["status"] as? String != "Succeeded" {
            lines.append("verdict of \(finished["deployment"] ?? "?"): \(finished["status"] ?? "?") \(finished["error_code"] ?? "") \(finished["message"] ?? "")")
        }
        for event in of("event_finished") where event["status"] as? String == "Failed" {
            let host = event["host"] as? String ?? "?", name = event["event"] as? String ?? "?"
            lines.append("\(event["deployment"] ?? "?") \(host) \(name) Failed after \(event["duration_seconds"] ?? "?") s: \(event["error_code"] ?? "") \(event["script"].map { "(\($0)) " } ?? "")\(event["message"] ?? "")")
            let output = of("output").filter {
                $0["deployment"] as? String == event["deployment"] as? String && $0["host"] as? String == host && $0["event"] as? String == name
            }
            for line in output.suffix(20) { lines.append("  \(line["stream"] ?? ""): \(line["text"] ?? "")") }
        }
        for host in of("host_finished") where host["status"] as? String == "Failed" {
            lines.append("\(host["deployment"] ?? "?") \(host["host"] ?? "?") Failed: \(host["error_code"] ?? "") \(host["message"] ?? "")")
        }
        return lines.isEmpty ? "" : "failures:\n" + lines.joined(separator: "\n") + "\n"
    }
}
