import Foundation
import HoistCore
import HoistEngine

/// On a terminal: finished hosts and failures (with the last lines of the failed hook's
/// output) scroll by; a status block at the bottom shows progress, elapsed time and an ETA,
/// upload progress with throughput, each running host's event with its time against its
/// timeout, and what the deployment waits for. Messages that must stay visible (the Ctrl-C
/// acknowledgement) scroll by and stay pinned in the block. At the end, the block goes, and
/// a summary table that fits 80 columns and the verdict take its place; what is said after
/// the verdict (an automatic rollback, hosts left out of service) scrolls under it with no
/// block.
///
/// Redrawing the block is the costly part: a hook printing thousands of lines a second would
/// otherwise cost the terminal a whole block per line. So lines to scroll wait in `pending`,
/// and the block is redrawn, with every pending line above it in one write, at most every
/// `redrawInterval` when something changed; every second for its clocks; at once for a stop.
final class TerminalReporter: DeploymentObserver, @unchecked Sendable {
    /// Short enough that lines and counts look live, long enough that a chatty hook costs the
    /// terminal its own lines and ten blocks a second, not a block per line.
    static let redrawInterval: DispatchTimeInterval = .milliseconds(100)

    private let console: Console
    private let options: OutputOptions
    private var verbose: Bool { options.verbose }
    private var strict: Bool { options.strict }
    private let colors: Bool
    /// Each event's time budget: the sum of its scripts' timeouts, from the AppSpec.
    private let hookTimeouts: [LifecycleEvent: Int]
    private let lock = NSLock()
    private let progress = DeploymentProgress()
    private var drawnLines = 0
    private var pinned: [String] = []
    /// Lines to scroll by at the next redraw.
    private var pending: [String] = []
    /// Nil until the first draw, which is at once. (Not `DispatchTime(uptimeNanoseconds: 0)`:
    /// Dispatch reads 0 as "now", which put the first draw 100 ms off, after the end of a
    /// short deployment.)
    private var lastDraw: DispatchTime?
    private var redrawScheduled = false
    private var ticker: DispatchSourceTimer?
    private var finished = false
    private var lockWaitAnnounced = false
    /// The terminal has stopped reading (Ctrl-S, a pager on a page): its queued output passed
    /// `ConsoleBacklog.limit`. Until it has caught up halfway, hook lines are counted, not
    /// kept, and nothing is drawn; the deployment's own lines wait in `pending`. Queued
    /// redraws, each with the hook lines batched into it, were not droppable: a paused
    /// terminal held 300 MB, and past the console's hard limit lost the summary and verdict.
    private var behind = false
    private var droppedLines = 0
    /// The bytes of `pending`: past `ConsoleBacklog.limit` (a hook faster than the redraws),
    /// hook lines are counted, not kept, too.
    private var pendingBytes = 0

    init(console: Console = .shared, options: OutputOptions = OutputOptions(), colors: Bool = true, hookTimeouts: [LifecycleEvent: Int] = [:]) {
        self.console = console
        self.options = options
        self.colors = colors
        self.hookTimeouts = hookTimeouts
    }

    private func paint(_ code: String, _ s: String) -> String { colors ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s }
    private func green(_ s: String) -> String { paint("32", s) }
    private func red(_ s: String) -> String { paint("31", s) }
    private func yellow(_ s: String) -> String { paint("33", s) }
    private func dim(_ s: String) -> String { paint("2", s) }

    func handle(_ event: DeploymentEvent) {
        lock.lock()
        defer { lock.unlock() }
        let failedTail = progress.record(event)
        var scroll: [String] = []
        var now = false
        switch event {
        case .deploymentStarted(let s):
            finished = false
            scroll.append("Deploying \(s.revision) (\(s.revisionSHA256.prefix(12))) to \(s.application)/\(s.deploymentGroup) as \(s.id)")
            scroll.append(dim("\(RolloutText.hosts(s.hosts.count)), \(s.config): \(RolloutText.window(s.maxConcurrency)), \(s.minimumHealthy) must stay healthy"))
            startTicker()
        case .phaseStarted(let phase):
            scroll.append(paint("1", phase.name) + dim(": " + (phase.detail ?? phase.hosts.joined(separator: ", "))))
        case .output(let host, let e, let line, _):
            // A line not shown changes nothing on screen.
            guard verbose || line.stream == .stderr else { return }
            if isBehind() || pendingBytes > ConsoleBacklog.limit {
                droppedLines += 1
                return
            }
            scroll.append(dim("\(host) \(e.rawValue) \(line.stream == .stderr ? "!" : "|") ") + console.shown(line.text))
        case .eventFinished(let host, let e, let o):
            if o.status == .failed {
                scroll.append(red("✘ \(host) \(e.rawValue) \(o.errorCode?.rawValue ?? "failed")") + (o.message.map { ": " + console.shown($0) } ?? ""))
                if let failedTail, !failedTail.isEmpty {
                    scroll.append(dim("  last output (stdout and stderr):"))
                    scroll += failedTail.rendered(indent: "  ").map { console.shown($0) }
                }
                if let all = options.allOutput(deploymentID: progress.id, host: host, event: e) { scroll.append(dim("  all of it: \(all)")) }
            } else if e == .blockTraffic, let note = o.message {
                // A drain that ran out: its open sessions end when the app stops.
                scroll.append("\(host) BlockTraffic: " + console.shown(note))
            }
        case .hostFinished(let host, let status, _, let message, _):
            let took = progress.hostSeconds[host].map { " (\(formatDuration($0)))" } ?? ""
            scroll.append(status == .succeeded ? green("✔ \(host)") + dim(took) : red("✘ \(host) \(status.rawValue)") + dim(took) + (message.map { ": " + console.shown($0) } ?? ""))
        case .alarmChanged(let change):
            let line = alarmLine(change)
            scroll.append(change.state == .alarm ? red("⚠ " + line) : dim(line))
        case .deploymentFinished(let v):
            finished = true
            ticker?.cancel()
            ticker = nil
            draw(block: false)
            let table = SummaryTable(progress: progress, verdict: v).lines(width: 80)
            // The table and the verdict quote hosts' messages; neither has colours of its own.
            let text = (table + [verdictLine(v, progress: progress, strict: strict, showCommand: options.showCommand(deploymentID: v.id))]).map { console.shown($0) + "\n" }.joined()
            console.locked { $0(text) }
            return
        case .notice(let notice):
            // Notices scroll by in the view rather than breaking it from stderr; a stop
            // (from `hoist stop` elsewhere, or Ctrl-C's own line before it) stays pinned.
            if case .waitingForLock = notice {
                // Repeated at each refusal: said once, then counted down in the status block.
                if !lockWaitAnnounced { scroll.append(dim(notice.sentence)) }
                lockWaitAnnounced = true
                if ticker == nil { startTicker() }
            } else if case .stopping = notice, pinned.isEmpty {
                pinned.append(notice.sentence)
                scroll.append(yellow(notice.sentence))
                now = true
            } else if case .stopping = notice {
                break
            } else {
                scroll.append(notice.isWarning ? yellow(notice.sentence) : dim(notice.sentence))
            }
        default:
            break
        }
        pending += scroll
        pendingBytes += scroll.reduce(0) { $0 + $1.utf8.count + 1 }
        redraw(now: now)
    }

    /// A message that scrolls by and stays in the status block until the end (the Ctrl-C
    /// acknowledgement: what happens now and what a second Ctrl-C does).
    func pin(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        pinned.append(text)
        pending.append(yellow(text))
        pendingBytes += text.utf8.count + 1
        redraw(now: true)
    }

    /// Caller holds `lock`. After the verdict there is no block: lines scroll by at once.
    /// Before it, the block is redrawn now when `now` or when the last redraw is old enough,
    /// else once when it is.
    private func redraw(now: Bool) {
        guard !finished else { return draw(block: false) }
        guard let lastDraw else { return draw(block: true) }
        let due = lastDraw + Self.redrawInterval
        if now || DispatchTime.now() >= due { return draw(block: true) }
        guard !redrawScheduled else { return }
        redrawScheduled = true
        DispatchQueue.global().asyncAfter(deadline: due) { [weak self] in
            guard let self else { return }
            lock.lock()
            defer { lock.unlock() }
            redrawScheduled = false
            if !finished { draw(block: true) }
        }
    }

    private func startTicker() {
        ticker?.cancel()
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in
            guard let self else { return }
            lock.lock()
            defer { lock.unlock() }
            if !finished { draw(block: true) }
        }
        timer.resume()
        ticker = timer
    }

    /// Caller holds `lock`. Whether the terminal is too far behind to draw for now.
    private func isBehind() -> Bool {
        let queued = console.queuedBytes
        if behind, queued <= ConsoleBacklog.limit / 2 { behind = false }
        if !behind, queued > ConsoleBacklog.limit { behind = true }
        return behind
    }

    /// Caller holds `lock`. One write: the old block erased, the pending lines, and the block
    /// again unless `block` is false (the end, which is drawn however far behind the terminal
    /// is: the summary and the verdict are never dropped).
    private func draw(block: Bool) {
        if block, isBehind() { return }
        var text = ""
        if drawnLines > 0 { text += "\u{1b}[\(drawnLines)F\u{1b}[J" }
        if droppedLines > 0 {
            text += dim(console.droppedNote(droppedLines, stamped: false).trimmingCharacters(in: .newlines)) + "\n"
            droppedLines = 0
        }
        for line in pending { text += line + "\n" }
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
        drawnLines = 0
        if block {
            let size = Self.terminalSize()
            let lines = Self.fitted(statusBlock(now: Date(), width: size.columns), rows: size.rows - 1,
                                    keepingLast: pinned.count + (progress.waitLine(now: Date()) == nil ? 0 : 1))
            for line in lines { text += line + "\n" }
            drawnLines = lines.count
        }
        lastDraw = DispatchTime.now()
        guard !text.isEmpty else { return }
        console.locked { $0(text) }
    }

    /// The lines under the scrolling part, each cut to the terminal's width.
    private func statusBlock(now: Date, width: Int) -> [String] {
        let p = progress
        // Before the start (waiting for the lock) there are no hosts to count yet.
        guard p.started != nil else {
            return (p.waitLine(now: now).map { [yellow(("  " + $0).shortened(to: width))] } ?? []) + pinned.map { yellow($0.shortened(to: width)) }
        }
        let succeeded = p.done.values.filter { $0 == .succeeded }.count
        let failed = p.done.values.filter { $0 == .failed }.count
        var head = "[\(p.done.count)/\(p.total) done: \(succeeded) ok, \(failed) failed; \(p.running.count) running; elapsed \(formatDuration(p.elapsed(now: now)))"
        if let eta = p.eta(now: now) { head += "; ETA ~\(formatDuration(eta))" }
        var lines = [dim((head + "]").shortened(to: width))]
        if let upload = p.upload(now: now), p.uploading {
            lines.append("  upload: \(formatBytes(Double(upload.sent))) of \(formatBytes(Double(upload.total))) at \(formatBytes(upload.bytesPerSecond))/s".shortened(to: width))
        }
        let running = p.running
        for host in running.prefix(12) {
            var line = "  \(host): "
            if let current = p.currentEvent[host] {
                let seconds = now.timeIntervalSince(current.start)
                line += "\(current.event.rawValue) \(formatDuration(seconds))"
                if let limit = hookTimeouts[current.event], limit > 0 { line += " of \(formatDuration(Double(limit))) timeout" }
            } else {
                line += "connecting"
            }
            if let start = p.hostStart[host] { line += "; host \(formatDuration(now.timeIntervalSince(start)))" }
            lines.append(line.shortened(to: width))
        }
        if running.count > 12 { lines.append("  … and \(running.count - 12) more") }
        if let wait = p.waitLine(now: now) { lines.append(yellow(("  " + wait).shortened(to: width))) }
        for text in pinned { lines.append(yellow(text.shortened(to: width))) }
        return lines
    }

    /// The block cut to `rows` lines: its first line, then as many of the middle ones as fit
    /// with a count of the rest, then its last `keepingLast` (what it waits for, and the pinned
    /// Ctrl-C acknowledgement). A block taller than the terminal cannot be redrawn in place
    /// (the cursor cannot move above the screen): each redraw left a copy in the scrollback.
    static func fitted(_ lines: [String], rows: Int, keepingLast: Int) -> [String] {
        let rows = max(1, rows)
        guard lines.count > rows else { return lines }
        let tail = Array(lines.suffix(min(keepingLast, lines.count - 1)))
        let middle = lines.dropFirst().dropLast(tail.count)
        let room = rows - 1 - tail.count
        guard room > 0 else { return Array(([lines[0]] + tail).prefix(rows)) }
        let kept = Array(middle.prefix(room - 1))
        return [lines[0]] + kept + ["  … and \(middle.count - kept.count) more"] + tail
    }

    /// The terminal's height; unknown (not a terminal) counts as tall enough for anything.
    /// Rows, and columns less one (writing the last column wraps some terminals); 1000 × 79
    /// when standard output is not a terminal.
    static func terminalSize() -> (rows: Int, columns: Int) {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0 else { return (1000, 79) }
        return (size.ws_row > 0 ? Int(size.ws_row) : 1000, size.ws_col > 0 ? Int(size.ws_col) - 1 : 79)
    }
}

/// The table at the end of a live deployment: one row per host with its status, time and
/// what happened (the failed event and why, or how many events succeeded). Columns are as
/// wide as their widest cell plus two spaces, so they never run together; statuses are never
/// cut; only the last column is shortened (with …) to fit the width, and moves to its own
/// line when a long host name leaves it no room.
struct SummaryTable {
    let progress: DeploymentProgress
    let verdict: DeploymentVerdictSummary

    func lines(width: Int) -> [String] {
        let hosts = Set(verdict.hostStatuses.keys).union(progress.hostStart.keys).sorted()
        let rows: [[String]] = hosts.map { host in
            let status = (verdict.hostStatuses[host] ?? progress.lastStatus[host])?.rawValue ?? "Unknown"
            let time = progress.hostSeconds[host].map(formatDuration) ?? "-"
            return [host, status, time, note(host)]
        }
        let header = ["HOST", "STATUS", "TIME", "DETAIL"]
        let widths = (0..<3).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func render(_ cells: [String]) -> [String] {
            let fixed = (0..<3).map { cells[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  "
            let room = width - fixed.count
            if room >= 16 || cells[3].isEmpty {
                let detail = cells[3].shortened(to: room)
                return [(fixed + detail).trimmingTrailingSpaces()]
            }
            let detail = "    " + cells[3]
            return [fixed.trimmingTrailingSpaces(), detail.shortened(to: width)]
        }
        return render(header) + rows.flatMap(render)
    }

    private func note(_ host: String) -> String {
        let events = progress.eventsByHost[host] ?? []
        if let failure = progress.failures.first(where: { $0.host == host }) {
            return (failure.event.map { "\($0.rawValue): " } ?? "") + failure.detail
        }
        let ok = events.filter { $0.1.status == .succeeded }.count
        if events.isEmpty { return verdict.hostStatuses[host] == .skipped ? "not started" : "" }
        let slowest = events.max { $0.1.durationSeconds < $1.1.durationSeconds }
        return "\(ok) of \(events.count) events ok" + (slowest.map { "; slowest \($0.0.rawValue) \(formatDuration($0.1.durationSeconds))" } ?? "")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
