import Foundation
import HoistCore
import HoistEngine

/// What the plain and live reporters know about a running deployment, from its events: when
/// each host and its current event started, the last 4 KB of each running event's output,
/// which hosts failed and in which event, upload bytes, and how far along it is. Not thread
/// safe; each reporter feeds it under its own lock.
final class DeploymentProgress {
    struct Failure {
        var host: String
        var event: LifecycleEvent?
        var detail: String
    }

    private(set) var id = ""
    private(set) var started: Date?
    private(set) var total = 0
    private(set) var maxConcurrency = 1
    private(set) var hostStart: [String: Date] = [:]
    private(set) var currentEvent: [String: (event: LifecycleEvent, start: Date)] = [:]
    /// Hosts finished in the current phase (blue/green counts each phase's own hosts).
    private(set) var done: [String: InstanceStatus] = [:]
    /// Each host's latest status, across phases.
    private(set) var lastStatus: [String: InstanceStatus] = [:]
    private var runningHosts: Set<String> = []
    private var phaseStart: Date?
    private(set) var hostSeconds: [String: Double] = [:]
    private(set) var failures: [Failure] = []
    private(set) var eventsByHost: [String: [(LifecycleEvent, EventOutcome)]] = [:]
    private var tails: [String: LogTail] = [:]
    private var uploadSent: [String: Int64] = [:]
    private var uploadTotal: [String: Int64] = [:]
    private var uploadStart: Date?
    /// What the deployment waits for now (a zone's bake, `hoist continue`), what ends the
    /// wait, and when it runs out; nil while hosts are deploying.
    private(set) var wait: Wait?

    enum Wait {
        case zoneBake(zone: String?, until: Date)
        case ready(command: String, until: Date)
        case lock(holder: String, deploymentID: String, until: Date)
        case termination(fleet: String, until: Date)
    }

    /// Takes in one event; returns the output tail of an event that just failed.
    @discardableResult
    func record(_ event: DeploymentEvent, now: Date = Date()) -> LogTail? {
        switch event {
        case .deploymentStarted(let s):
            id = s.id
            started = s.time
            total = s.hosts.count
            maxConcurrency = max(1, s.maxConcurrency)
        case .phaseStarted(let phase):
            wait = nil
            total = phase.hosts.count
            done = [:]
            phaseStart = phase.time
        case .hostStarted(let host, let time):
            wait = nil
            runningHosts.insert(host)
            hostStart[host] = hostStart[host] ?? time
        case .eventStarted(let host, let e, let time, _):
            wait = nil
            currentEvent[host] = (e, time)
            tails[Self.key(host, e)] = LogTail()
        case .output(let host, let e, let line, _):
            tails[Self.key(host, e), default: LogTail()].append(line.stream, line.text)
        case .eventFinished(let host, let e, let outcome):
            currentEvent[host] = nil
            eventsByHost[host, default: []].append((e, outcome))
            let tail = tails.removeValue(forKey: Self.key(host, e))
            if outcome.status == .failed {
                let reason = [outcome.errorCode?.rawValue, outcome.scriptName, outcome.message].compactMap { $0 }.joined(separator: ": ")
                failures.append(Failure(host: host, event: e, detail: reason))
                return tail
            }
        case .uploadProgress(let host, let sent, let totalBytes):
            uploadStart = uploadStart ?? now
            uploadSent[host] = sent
            uploadTotal[host] = totalBytes
        case .hostFinished(let host, let status, let code, let message, let time):
            currentEvent[host] = nil
            runningHosts.remove(host)
            done[host] = status
            lastStatus[host] = status
            hostSeconds[host] = hostStart[host].map { time.timeIntervalSince($0) }
            if status == .failed, !failures.contains(where: { $0.host == host }) {
                failures.append(Failure(host: host, event: nil, detail: [code?.rawValue, message].compactMap { $0 }.joined(separator: ": ")))
            }
        case .notice(.zoneBaking(let zone, _, let until)):
            wait = .zoneBake(zone: zone, until: until)
        case .notice(.waitingForContinue(_, let seconds, let command)):
            wait = .ready(command: command, until: now.addingTimeInterval(seconds))
        case .notice(.waitingForLock(let held, let until)):
            wait = .lock(holder: held.holder.holder, deploymentID: held.holder.deploymentID, until: until)
        case .notice(.terminationWait(let fleet, _, let until)):
            wait = .termination(fleet: fleet, until: until)
        case .deploymentFinished:
            wait = nil
        case .notice, .alarmChanged:
            break
        }
        return nil
    }

    /// The wait and what ends it, with the time left: `zone b bakes: the next zone starts in
    /// 2m13s; a stop or an alarm ends it early`, `ready: run `hoist continue d-…` within 4m12s`.
    func waitLine(now: Date) -> String? {
        switch wait {
        case .zoneBake(let zone, let until):
            let left = formatDuration(max(0, until.timeIntervalSince(now)))
            return "waiting: \(zone.map { "zone \($0)" } ?? "the zone") bakes; the next zone starts in \(left); a stop or an alarm ends it early"
        case .ready(let command, let until):
            let left = formatDuration(max(0, until.timeIntervalSince(now)))
            return "waiting: ready; run `\(command)` within \(left), else traffic stays where it is"
        case .lock(let holder, let id, let until):
            let left = formatDuration(max(0, until.timeIntervalSince(now)))
            return "waiting: the lock is held by \(id) (\(holder)); it starts when that ends, or gives up in \(left) (--lock-wait)"
        case .termination(let fleet, let until):
            let left = formatDuration(max(0, until.timeIntervalSince(now)))
            return "waiting: the \(fleet) fleet is terminated in \(left); a stop ends the wait and leaves it running"
        case nil:
            return nil
        }
    }

    private static func key(_ host: String, _ event: LifecycleEvent) -> String { host + "\u{0}" + event.rawValue }

    var running: [String] { runningHosts.sorted() }

    func elapsed(now: Date) -> Double { started.map { now.timeIntervalSince($0) } ?? 0 }

    /// Time left in the current phase, from the hosts (batches) done so far: the average pace
    /// so far times what is left. Nil until a host has finished.
    func eta(now: Date) -> Double? {
        guard !done.isEmpty, done.count < total, let since = phaseStart ?? started else { return nil }
        return now.timeIntervalSince(since) * Double(total - done.count) / Double(done.count)
    }

    /// Bytes sent to every host so far, of how many, and the rate since the first upload.
    func upload(now: Date) -> (sent: Int64, total: Int64, bytesPerSecond: Double)? {
        guard let uploadStart else { return nil }
        let sent = uploadSent.values.reduce(0, +), all = uploadTotal.values.reduce(0, +)
        let seconds = max(now.timeIntervalSince(uploadStart), 0.001)
        return (sent, all, Double(sent) / seconds)
    }

    var uploading: Bool { uploadSent.contains { host, sent in sent < uploadTotal[host, default: 0] } }

    /// `h002 in AfterInstall (ScriptFailed: scripts/check.sh: Script at…), h005 (…)`: the
    /// first `limit` failed hosts, each with the first line of why, whole when it is the only
    /// one (up to 200 characters), else cut where a word ends to keep the line short.
    /// `shortened` says whether anything was cut or left out.
    func failedHostsText(limit: Int = 5) -> (text: String, shortened: Bool)? {
        guard !failures.isEmpty else { return nil }
        let width = failures.count == 1 ? 200 : 80
        var shortened = failures.count > limit
        let named = failures.prefix(limit).map { failure in
            let reason = failure.detail.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            let shown = reason.shortened(to: width)
            if shown != failure.detail { shortened = true }
            return "\(failure.host)" + (failure.event.map { " in \($0.rawValue)" } ?? "") + (shown.isEmpty ? "" : " (\(shown))")
        }
        let text = HostNameList.text(named + failures.dropFirst(limit).map(\.host), limit: limit)
        return (text, shortened)
    }
}

/// `1.2 MB`, `340 kB`: sizes and rates in the live view.
func formatBytes(_ bytes: Double) -> String {
    if bytes >= 1_000_000_000 { return String(format: "%.1f GB", bytes / 1_000_000_000) }
    if bytes >= 1_000_000 { return String(format: "%.1f MB", bytes / 1_000_000) }
    if bytes >= 1_000 { return String(format: "%.0f kB", bytes / 1_000) }
    return String(format: "%.0f B", bytes)
}
