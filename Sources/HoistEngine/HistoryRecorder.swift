import Foundation
import HoistCore

/// Writes a deployment's events into the history store (the `HistoryStore` port) as they
/// happen. Writes run on one serial queue so hosts' tasks never wait on the disk; host and
/// event rows are written when a step ends (durable then), output lines in batches of
/// whatever waits (one round trip for all of them, however far the store is behind). Output
/// waiting for the store is bounded (32 MiB by default): past it, lines are counted
/// and a line in their place says how many; a hook printing faster than a slow store takes
/// (a shared store across a WAN, 200 lines a round trip) grew the coordinator by every line
/// it printed, 585 MB for 2 million lines. A write
/// that fails is kept in `failures`: the coordinator reports the record as incomplete. Every
/// time is written on the store's clock (`HistoryStore.clockOffset`), as the record's creation
/// is, so a laptop whose clock is off records the same times as the server would.
public final class HistoryRecorder: DeploymentObserver, @unchecked Sendable {
    private let store: any HistoryStore
    private let id: DeploymentID
    private let addresses: [String: String]
    private let queue = DispatchQueue(label: "hoist.history")
    /// Output lines not yet written, added by the hosts' threads, taken by the queue.
    private let waiting = Locked(WaitingOutput())
    /// When each host started, so its final row needs no read of the store.
    private var hostStarts: [String: Date] = [:]
    /// The phase running now (blue/green), closed when the next starts or the deployment ends.
    private var openPhase: PhaseRecord?
    private var phaseCount = 0
    private var failureList: [String] = []
    /// The longest a line waits in memory before its batch is written.
    static let outputDelay: DispatchTimeInterval = .milliseconds(250)
    /// Lines that start a write at once rather than after `outputDelay`.
    static let outputBatch = 200
    /// Output text the store may fall behind by before lines are left out.
    private let maxWaitingOutputBytes: Int

    private struct WaitingOutput {
        var lines: [OutputRecord] = []
        var bytes = 0
        /// A write of what waits is queued (at once, or after `outputDelay`).
        var delayedWrite = false
        var promptWrite = false
        /// Lines left out, per host and event, in the order they were first left out.
        var leftOut: [(host: String, event: LifecycleEvent, stream: HoistCore.OutputStream, time: Date, count: Int)] = []
    }

    public init(store: any HistoryStore, id: DeploymentID, hosts: [HostSpec], maxWaitingOutputBytes: Int = 32 << 20) {
        self.store = store
        self.maxWaitingOutputBytes = maxWaitingOutputBytes
        self.id = id
        self.addresses = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0.address) })
    }

    private func stored(_ time: Date) -> Date { store.onStoreClock(time) }

    public func handle(_ event: DeploymentEvent) {
        guard case .output(let host, let lifecycle, let line, let time) = event else {
            queue.async { self.record(event) }
            return
        }
        // Kept here, not queued as a closure per line: what waits is counted, and bounded.
        let record = OutputRecord(deploymentID: id, host: host, event: lifecycle, stream: line.stream, time: stored(time), text: line.text)
        let (delayed, prompt) = waiting.withLock { w -> (Bool, Bool) in
            guard w.bytes < maxWaitingOutputBytes else {
                if let i = w.leftOut.firstIndex(where: { $0.host == host && $0.event == lifecycle }) {
                    w.leftOut[i].count += 1
                } else {
                    w.leftOut.append((host, lifecycle, line.stream, record.time, 1))
                }
                return (false, false)
            }
            w.lines.append(record)
            w.bytes += line.text.utf8.count + 64
            // A batch goes out shortly after its first line, so `logs --follow` elsewhere
            // sees a slow hook's lines as they come, not when its event ends.
            let delayed = !w.delayedWrite
            let prompt = !w.promptWrite && w.lines.count >= Self.outputBatch
            w.delayedWrite = w.delayedWrite || delayed
            w.promptWrite = w.promptWrite || prompt
            return (delayed, prompt)
        }
        if delayed { queue.asyncAfter(deadline: .now() + Self.outputDelay) { self.writeOutput() } }
        if prompt { queue.async { self.writeOutput() } }
    }

    /// Waits until everything handled so far is written. The caller is suspended, not
    /// blocked: a store that is reconnecting (a shared store's outage) holds the recorder's
    /// own queue, never a thread of Swift's concurrency pool.
    public func flush() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            queue.async {
                self.writeOutput()
                done.resume()
            }
        }
    }

    /// The writes that failed so far (after `flush`, all of them).
    public var failures: [String] { queue.sync { failureList } }

    private func attempt(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch { failureList.append("\(what): \(error)") }
    }

    private func record(_ event: DeploymentEvent) {
        switch event {
        case .deploymentStarted(let start):
            attempt("start") {
                try store.updateDeployment(id, DeploymentUpdate(status: .inProgress, startTime: stored(start.time), hostCount: start.hosts.count))
                try store.upsertHosts(start.hosts.map { HostRecord(deploymentID: id, host: $0, address: addresses[$0] ?? "") })
            }
        case .hostStarted(let host, let time):
            // A blue/green host runs in several phases: it started with the first.
            let start = hostStarts[host] ?? stored(time)
            hostStarts[host] = start
            attempt("host") { try store.upsertHost(HostRecord(deploymentID: id, host: host, address: addresses[host] ?? "", status: .inProgress, startTime: start)) }
        case .eventStarted(let host, let lifecycle, let time, _):
            attempt("event") { try store.upsertEvent(EventRecord(deploymentID: id, host: host, event: lifecycle, status: .inProgress, startTime: stored(time))) }
        case .output:
            break  // kept by `handle`
        case .eventFinished(let host, let lifecycle, let outcome):
            writeOutput()
            attempt("event") {
                try store.upsertEvent(EventRecord(
                    deploymentID: id, host: host, event: lifecycle, status: outcome.status, errorCode: outcome.errorCode,
                    message: outcome.message, scriptName: outcome.scriptName, startTime: stored(outcome.start), endTime: stored(outcome.end)))
            }
        case .uploadProgress, .notice, .alarmChanged:
            break
        case .phaseStarted(let phase):
            closePhase(at: stored(phase.time))
            let record = PhaseRecord(deploymentID: id, index: phaseCount, name: phase.name, detail: phase.detail,
                                     hosts: phase.hosts, startTime: stored(phase.time))
            phaseCount += 1
            openPhase = record
            attempt("phase") { try store.upsertPhase(record) }
        case .hostFinished(let host, let status, let code, let message, let time):
            writeOutput()
            attempt("host") {
                try store.upsertHost(HostRecord(deploymentID: id, host: host, address: addresses[host] ?? "", status: status,
                                                errorCode: code, message: message, startTime: hostStarts[host] ?? stored(time), endTime: stored(time)))
            }
        case .deploymentFinished(let verdict):
            writeOutput()
            closePhase(at: stored(verdict.time))
            attempt("finish") {
                let hosts = try store.hosts(of: id)
                let skipped = hosts.filter { verdict.hostStatuses[$0.host] == .skipped && $0.status == .pending }
                    .map { h -> HostRecord in var h = h; h.status = .skipped; return h }
                if !skipped.isEmpty { try store.upsertHosts(skipped) }
                try store.updateDeployment(id, DeploymentUpdate(status: verdict.status, errorCode: verdict.errorCode,
                                                                 errorMessage: verdict.message, endTime: stored(verdict.time)))
            }
        }
    }

    private func closePhase(at time: Date) {
        guard var phase = openPhase else { return }
        phase.endTime = time
        openPhase = nil
        attempt("phase") { try store.upsertPhase(phase) }
    }

    private static func megabytes(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    /// On the queue: everything that waits, in one write, and a line for what was left out.
    private func writeOutput() {
        let (lines, leftOut) = waiting.withLock { w in
            defer { w = WaitingOutput() }
            return (w.lines, w.leftOut)
        }
        let batch = lines + leftOut.map { gap in
            OutputRecord(deploymentID: id, host: gap.host, event: gap.event, stream: gap.stream, time: gap.time,
                         text: "hoist: \(gap.count) line\(gap.count == 1 ? "" : "s") of this output not recorded: the history store "
                            + "fell more than \(Self.megabytes(maxWaitingOutputBytes)) behind")
        }
        guard !batch.isEmpty else { return }
        attempt("output") { try store.appendOutput(batch) }
    }
}
