import Foundation
import HoistCore

/// Copies every deployment of one history into another through the `HistoryStore` port
/// (`hoist history import`: a laptop's SQLite file into the team's shared store). Oldest
/// first, so a rollback's target is there before it.
///
/// Running it again imports nothing twice, completes a deployment an interrupted run left
/// half copied, and brings one copied while it ran up to the state the source has now (its
/// end, its hosts and events, its later output). A copy the target's next deployment marked
/// failed (FAILED_AFTER_RESTART: it found the copy unfinished and guessed its coordinator
/// gone) takes how the source says it ended, once the source has: the deployment had ended
/// on its own coordinator before that next deployment could take the group's lock, or it
/// lost the lock and ended Stopped. While the source still runs (a laptop that slept through
/// the takeover), the copy keeps the target's verdict, hosts and events and only gains the
/// source's output. That works because each deployment is
/// copied in a fixed order of writes (the
/// deployment, its hosts, its events, its phases, each delivery, output page by page), so an
/// interruption leaves a prefix of them in the target: the upserts are written again (they
/// replace), and deliveries and output resume after the rows the target already holds.
public enum HistoryImport {
    public struct Outcome: Sendable, Equatable {
        public var imported = 0
        /// Deployments an earlier, interrupted import had left partly copied, now whole.
        public var completed = 0
        /// Deployments an earlier import copied while they ran (or before they were marked
        /// failed), brought to the state the source has now: how they ended, their hosts and
        /// events, the output they printed since.
        public var updated = 0
        public var skipped = 0
        public var lines = 0

        public init(imported: Int = 0, completed: Int = 0, updated: Int = 0, skipped: Int = 0, lines: Int = 0) {
            self.imported = imported
            self.completed = completed
            self.updated = updated
            self.skipped = skipped
            self.lines = lines
        }
    }

    static let pageSize = 5000

    /// Copies `source` into `target`. Imports into one store take turns (`whileImporting`);
    /// `waiting` is called when this one waits for another.
    public static func run(from source: any HistoryStore, into target: any HistoryStore,
                           waiting: () -> Void = {}) throws -> Outcome {
        try target.whileImporting(waiting: waiting) {
            var outcome = Outcome()
            for record in try source.listDeployments().reversed() {
                try copy(record, from: source, into: target, outcome: &outcome)
            }
            return outcome
        }
    }

    private static func copy(_ record: DeploymentRecord, from source: any HistoryStore, into target: any HistoryStore,
                             outcome: inout Outcome) throws {
        // What an earlier import left of this deployment, counted once per store.
        var stored = try target.deployment(record.id)
        var held = stored == nil ? nil : try RowCounts(record.id, in: target)
        // A copy still running is brought up to date. One that has ended keeps its verdict,
        // unless that was the target's guess (FAILED_AFTER_RESTART) and the source says how it
        // really ended.
        let guessOverturned = stored.map {
            $0.status.isFinal && $0.errorCode == .failedAfterRestart
                && record.status.isFinal && record.errorCode != .failedAfterRestart
        } ?? false
        let changed = guessOverturned || (stored.map { !$0.status.isFinal && Progress($0) != Progress(record) } ?? false)
        // An ended copy's hosts and events are part of the store's verdict too: a source that
        // is still running (it ran on after the store marked it failed) only adds what it
        // printed and sent.
        let verdictStands = stored?.status.isFinal == true && !record.status.isFinal
        if let held, !changed {
            let sourceRows = try RowCounts(record.id, in: source)
            let copied = verdictStands ? held.appended == sourceRows.appended : held == sourceRows
            if copied {
                outcome.skipped += 1
                return
            }
        }
        if stored == nil {
            var copy = record
            if let earlier = record.rollbackOf, try target.deployment(earlier) == nil { copy.rollbackOf = nil }
            do {
                try target.createDeployment(copy)
            } catch HistoryError.duplicateDeployment {
                // Written meanwhile by a Hoist that does not take turns: resume after its rows.
                stored = try target.deployment(record.id)
                held = try RowCounts(record.id, in: target)
            }
        }
        if changed {
            // A deployment copied while it ran has ended since (or was marked failed), or the
            // target's guess at its end gives way to the real one.
            let p = Progress(record)
            try target.updateDeployment(record.id, DeploymentUpdate(
                status: p.status, errorCode: p.errorCode, errorMessage: p.errorMessage, revisionSHA256: p.revisionSHA256,
                startTime: p.startTime, endTime: p.endTime, hostCount: p.hostCount, replacesVerdict: guessOverturned))
        }
        if !verdictStands {
            try target.upsertHosts(try source.hosts(of: record.id))
            try target.upsertEvents(try source.events(of: record.id))
            for phase in try source.phases(of: record.id) { try target.upsertPhase(phase) }
        }
        for delivery in try source.deliveries(of: record.id).dropFirst(held?.deliveries ?? 0) {
            try target.recordDelivery(delivery)
        }
        outcome.lines += try copyOutput(record.id, from: source, into: target, skipping: held?.output ?? 0)
        if stored == nil {
            outcome.imported += 1
        } else if changed {
            outcome.updated += 1
        } else {
            outcome.completed += 1
        }
    }

    /// The fields of a deployment that change as it runs and ends (`DeploymentUpdate`'s), as
    /// the stores keep them: a running copy whose fields differ from its source's is out of date.
    struct Progress: Equatable {
        var status: DeploymentStatus, errorCode: DeploymentErrorCode?, errorMessage: String?
        var revisionSHA256: String?, startTime: Date?, endTime: Date?, hostCount: Int

        init(_ r: DeploymentRecord) {
            status = r.status
            errorCode = r.errorCode
            errorMessage = r.errorMessage?.storable
            revisionSHA256 = r.revisionSHA256
            startTime = r.startTime
            endTime = r.endTime
            hostCount = r.hostCount
        }
    }

    /// Appends the source's output lines after the first `skipping` (which the target holds
    /// already), page by page; returns how many it appended.
    private static func copyOutput(_ id: DeploymentID, from source: any HistoryStore, into target: any HistoryStore,
                                   skipping: Int) throws -> Int {
        var after: Int64 = 0, toSkip = skipping, appended = 0
        while true {
            let page = try source.output(of: id, afterSeq: after, limit: pageSize)
            guard let last = page.last else { break }
            after = last.seq
            let fresh = page.dropFirst(toSkip)
            toSkip -= page.count - fresh.count
            guard !fresh.isEmpty else { continue }
            try target.appendOutput(Array(fresh))
            appended += fresh.count
        }
        return appended
    }

    /// How many rows of each kind a store holds for one deployment.
    struct RowCounts: Equatable {
        var hosts: Int, events: Int, phases: Int, deliveries: Int, output: Int
        /// The rows only ever appended (deliveries, output), which an import adds to any copy.
        var appended: [Int] { [deliveries, output] }

        init(_ id: DeploymentID, in store: any HistoryStore) throws {
            hosts = try store.hosts(of: id).count
            events = try store.events(of: id).count
            phases = try store.phases(of: id).count
            deliveries = try store.deliveries(of: id).count
            var after: Int64 = 0, lines = 0
            while true {
                let page = try store.output(of: id, afterSeq: after, limit: HistoryImport.pageSize)
                guard let last = page.last else { break }
                lines += page.count
                after = last.seq
            }
            output = lines
        }
    }
}
