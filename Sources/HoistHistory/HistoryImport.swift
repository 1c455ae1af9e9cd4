import Foundation
import HoistCore

/// Copies every deployment of one history into another through the `HistoryStore` port
/// (`hoist history import`: a laptop's SQLite file into the team's shared store). A
/// deployment whose id the target already holds is skipped, so running it again imports
/// nothing twice. Oldest first, so a rollback's target is there before it.
public enum HistoryImport {
    public struct Outcome: Sendable, Equatable {
        public var imported = 0
        public var skipped = 0
        public var lines = 0
    }

    public static func run(from source: any HistoryStore, into target: any HistoryStore) throws -> Outcome {
        var outcome = Outcome()
        for record in try source.listDeployments().reversed() {
            if try target.deployment(record.id) != nil {
                outcome.skipped += 1
                continue
            }
            var copy = record
            if let earlier = record.rollbackOf, try target.deployment(earlier) == nil { copy.rollbackOf = nil }
            try target.createDeployment(copy)
            try target.upsertHosts(try source.hosts(of: record.id))
            try target.upsertEvents(try source.events(of: record.id))
            for phase in try source.phases(of: record.id) { try target.upsertPhase(phase) }
            for delivery in try source.deliveries(of: record.id) { try target.recordDelivery(delivery) }
            var after: Int64 = 0
            while true {
                let page = try source.output(of: record.id, afterSeq: after, limit: 5000)
                guard let last = page.last else { break }
                try target.appendOutput(page)
                outcome.lines += page.count
                after = last.seq
            }
            outcome.imported += 1
        }
        return outcome
    }
}
