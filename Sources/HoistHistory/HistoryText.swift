import Foundation
import HoistCore

/// Renders history for people: the `list` table, the `show` report and `logs` lines. Times
/// are shown in `timeZone`; a deployment still running is timed up to `now`.
public struct HistoryText: Sendable {
    public var timeZone: TimeZone
    public var now: Date

    public init(timeZone: TimeZone = .current, now: Date = Date()) {
        self.timeZone = timeZone
        self.now = now
    }

    /// The `hoist list` table, one deployment a line, in the order given.
    public func list(_ rows: [DeploymentSummary]) -> String {
        if rows.isEmpty { return "No deployments.\n" }
        let header = ["ID", "STATUS", "APPLICATION/GROUP", "REVISION", "CREATOR", "STARTED", "DURATION", "HOSTS"]
        return TextTable.render([header] + rows.map { row in
            let d = row.deployment
            return [
                d.id.rawValue, row.abandoned == nil ? d.status.rawValue : Self.abandoned, "\(d.application)/\(d.deploymentGroup)",
                Self.revision(d), Self.creator(d), time(d.startTime),
                // Nobody will write its end: a clock counting on would be a lie.
                row.abandoned == nil ? duration(from: d.startTime, to: d.endTime) : "-",
                "\(row.hostsSucceeded) ok, \(row.hostsFailed) failed",
            ]
        })
    }

    /// The `hoist show` report: the deployment's fields, then each host and its events (for a
    /// deployment in phases, each host, then each phase with its hosts' events).
    public func show(_ detail: DeploymentDetail) -> String {
        let d = detail.deployment
        var fields: [[String]] = [
            ["Deployment", d.id.rawValue],
            ["Status", detail.abandoned.map { "\(d.status.rawValue), \(Self.abandoned): \($0); the group's next deployment marks it Failed" }
                ?? d.status.rawValue + Self.error(d.errorCode?.rawValue, nil, d.errorMessage).map { "  " + $0 }.orEmpty],
            ["Application", d.application],
            ["Group", d.deploymentGroup],
            ["Revision", d.revisionPath + (d.revisionSHA256.map { "  sha256:\($0)" }).orEmpty
                + (d.revisionCommit.map { "  git:\($0)" }).orEmpty],
            ["Config", "\(d.deploymentConfigName)  \(d.deploymentType.rawValue)  \(d.fileExistsBehavior.rawValue)"],
            ["Creator", Self.creator(d)],
        ]
        if let target = d.rollbackOf { fields.append([d.creator == .redeploy ? "Redeploy of" : "Rollback of", target.rawValue]) }
        for later in detail.followUps {
            fields.append([later.creator == .redeploy ? "Redeployed by" : "Rolled back by", "\(later.id) (\(later.status.rawValue))"])
        }
        if let text = d.description { fields.append(["Description", text]) }
        fields += [
            ["Playbook", d.playbookPath],
            ["Created", time(d.createTime)],
            ["Started", time(d.startTime)],
            ["Ended", time(d.endTime)],
            ["Duration", duration(from: d.startTime, to: d.endTime)],
        ]
        var out = TextTable.render(fields)
        let deliveries = detail.deliveries.isEmpty ? "" : "\n" + self.deliveries(detail.deliveries)
        guard !detail.hosts.isEmpty else { return out + "\nNo hosts recorded.\n" + deliveries }
        // A deployment in phases lists its events under the phases, not again under hosts.
        let phased = !detail.phases.isEmpty
        var rows = [[phased ? "HOST" : "HOST / EVENT", "STATUS", "DURATION", "ERROR"]]
        for entry in detail.hosts {
            let h = entry.host
            rows.append([
                "\(h.host) (\(h.address))", h.status.rawValue, duration(from: h.startTime, to: h.endTime),
                Self.error(h.errorCode?.rawValue, nil, h.message).orEmpty,
            ])
            guard !phased else { continue }
            for e in entry.events { rows.append(eventRow(e, label: "  " + e.event.rawValue)) }
        }
        out += "\n" + TextTable.render(rows)
        if phased { out += "\n" + phases(detail.phases) }
        for failed in detail.failedHookOutput {
            out += "\n\(failed.host) \(failed.event.rawValue) failed; its last output (stdout and stderr):\n"
            out += failed.tail.rendered(indent: "  ").joined(separator: "\n") + "\n"
            out += "  all of it: \(failed.logsCommand)\n"
        }
        return out + deliveries
    }

    /// The trigger deliveries of `hoist show`, one a line, in the order they were recorded.
    func deliveries(_ records: [DeliveryRecord]) -> String {
        var rows = [["TRIGGER", "EVENT", "STATUS", "ATTEMPTS", "AT", "TARGET / ERROR"]]
        for r in records {
            let event = r.event.rawValue + (r.host.map { " \($0)" }).orEmpty
            let tail = r.target + (r.error.map { ": \($0)" }).orEmpty
            rows.append([r.trigger, event, r.status.rawValue, String(r.attempts), time(r.endTime), tail])
        }
        return TextTable.render(rows)
    }

    /// Each phase in order, then each of its hosts' events: `1. Block green`, `  h005 BlockTraffic`.
    func phases(_ phases: [PhaseDetail]) -> String {
        var rows = [["PHASE / HOST EVENT", "STATUS", "DURATION", "ERROR / WHAT IT DOES"]]
        for entry in phases {
            let p = entry.phase
            let status: String
            if entry.events.contains(where: { $0.status == .failed }) {
                status = LifecycleEventStatus.failed.rawValue
            } else if p.endTime == nil {
                status = LifecycleEventStatus.inProgress.rawValue
            } else {
                status = entry.events.isEmpty ? "-" : LifecycleEventStatus.succeeded.rawValue
            }
            rows.append(["\(p.index + 1). \(p.name)", status, duration(from: p.startTime, to: p.endTime), p.detail.orEmpty])
            for e in entry.events { rows.append(eventRow(e, label: "  \(e.host) \(e.event.rawValue)")) }
        }
        return TextTable.render(rows)
    }

    private func eventRow(_ e: EventRecord, label: String) -> [String] {
        [label, e.status.rawValue, duration(from: e.startTime, to: e.endTime), Self.error(e.errorCode?.rawValue, e.scriptName, e.message).orEmpty]
    }

    /// One `hoist logs` line: `host event [stream] text`.
    public static func logLine(_ line: OutputRecord) -> String {
        "\(line.host) \(line.event.rawValue) [\(line.stream.rawValue)] \(line.text)"
    }

    // MARK: Cells

    /// The status of a deployment still marked running whose coordinator is proven gone.
    static let abandoned = "abandoned (coordinator gone)"

    static func shortSHA(_ sha: String?) -> String { sha.map { String($0.prefix(12)) } ?? "-" }

    /// The revision as `hoist list` shows it: the folder or file name, then the git commit it
    /// was deployed from (`webapp@3f9a1c2b7d4e`), else the bundle's digest (`app.tgz 9c1d…`).
    static func revision(_ d: DeploymentRecord) -> String {
        let trimmed = d.revisionPath.hasSuffix("/") && d.revisionPath.count > 1 ? String(d.revisionPath.dropLast()) : d.revisionPath
        let name = trimmed.split(separator: "/").last.map(String.init) ?? trimmed
        if let commit = d.revisionCommit { return "\(name)@\(commit)" }
        return d.revisionSHA256 == nil ? name : "\(name) \(shortSHA(d.revisionSHA256))"
    }

    /// `alice@laptop (terminal)`, `codeDeployRollback ci@runner (ci)`: who, and from where when known.
    static func creator(_ d: DeploymentRecord) -> String {
        let who = d.creator == .user ? d.createdBy : "\(d.creator.rawValue) \(d.createdBy)"
        return d.origin.map { "\(who) (\($0.rawValue))" } ?? who
    }

    /// `Code script: first line of message`, leaving out what is absent; nil when there is
    /// nothing to say (no code, or `Success` and no message).
    static func error(_ code: String?, _ script: String?, _ message: String?) -> String? {
        let firstLine = message?.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
        let head = [code == LifecycleErrorCode.success.rawValue ? nil : code, script].compactMap { $0 }.joined(separator: " ")
        switch (head.isEmpty, firstLine) {
        case (true, nil): return nil
        case (true, let line?): return line
        case (false, nil): return head
        case (false, let line?): return head + ": " + line
        }
    }

    func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Elapsed time from `start` to `end`, or to `now` while running; `-` if not started.
    func duration(from start: Date?, to end: Date?) -> String {
        guard let start else { return "-" }
        return Self.duration(max(0, (end ?? now).timeIntervalSince(start)))
    }

    /// `0.4s`, `12s`, `3m05s`, `1h02m`: tenths only where they matter.
    static func duration(_ seconds: Double) -> String {
        let tenths = Int((seconds * 10).rounded())
        if tenths < 100 { return "\(tenths / 10).\(tenths % 10)s" }
        let whole = max(10, Int(seconds))
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }
}

extension Optional where Wrapped == String {
    fileprivate var orEmpty: String { self ?? "" }
}
