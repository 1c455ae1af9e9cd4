import Foundation
import HoistCore

/// Copies every deployment of one history into another through the `HistoryStore` port
/// (`hoist history import`: a laptop's SQLite file into the team's shared store). Oldest
/// first, so a rollback's target is there before it.
///
/// Running it again imports nothing twice, and completes a deployment an interrupted run left
/// half copied. That works because each deployment is copied in a fixed order of writes (the
/// deployment, its hosts, its events, its phases, each delivery, output page by page), so an
/// interruption leaves a prefix of them in the target: the upserts are written again (they
/// replace), and deliveries and output resume after the rows the target already holds.
public enum HistoryImport {
    public struct Outcome: Sendable, Equatable {
        public var imported = 0
        /// Deployments an earlier, interrupted import had left partly copied, now whole.
        public var completed = 0
        public var skipped = 0
        public var lines = 0

        public init(imported: Int = 0, completed: Int = 0, skipped: Int = 0, lines: Int = 0) {
            self.imported = imported
            self.completed = completed
            self.skipped = skipped
            self.lines = lines
        }
    }

    static let pageSize = 5000

    public static func run(from source: any HistoryStore, into target: any HistoryStore) throws -> Outcome {
        var outcome = Outcome()
        for record in try source.listDeployments().reversed() {
            // What an earlier import left of this deployment, counted once per store.
            let held = try target.deployment(record.id) == nil ? nil : try RowCounts(record.id, in: target)
            if let held, held == (try RowCounts(record.id, in: source)) {
                outcome.skipped += 1
                continue
            }
            if held == nil {
                var copy = record
                if let earlier = record.rollbackOf, try target.deployment(earlier) == nil { copy.rollbackOf = nil }
                try target.createDeployment(copy)
            }
            try target.upsertHosts(try source.hosts(of: record.id))
            try target.upsertEvents(try source.events(of: record.id))
            for phase in try source.phases(of: record.id) { try target.upsertPhase(phase) }
            for delivery in try source.deliveries(of: record.id).dropFirst(held?.deliveries ?? 0) {
                try target.recordDelivery(delivery)
            }
            outcome.lines += try copyOutput(record.id, from: source, into: target, skipping: held?.output ?? 0)
            if held == nil { outcome.imported += 1 } else { outcome.completed += 1 }
        }
        return outcome
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
