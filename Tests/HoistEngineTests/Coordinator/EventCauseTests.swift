import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistEngine

/// Rules that tell outcomes apart (an automatic rollback's hosts, a reroute cut short by a
/// stop) read the cause the engine set where it made the outcome; they matched its message's
/// words, which a hook's message or a reworded sentence could break either way.
@Suite struct EventCauseTests {
    @Test func wordsThatReadLikeACauseAreNotIt() {
        let now = Date()
        let hookSaid = EventOutcome(status: .succeeded, message: EventOutcome.noScripts + " were harmed", start: now, end: now)
        #expect(!hookSaid.ranNoScripts)
        let skipped = EventOutcome(status: .skipped, message: HostDeployment.stoppedMessage, start: now, end: now)
        #expect(!HostOutcome(host: "h1", status: .failed, events: [(.applicationStart, skipped)]).cutShortByStop)
        let stopped = EventOutcome(status: .skipped, message: "stopped, in other words", start: now, end: now, cause: .stopped)
        #expect(HostOutcome(host: "h1", status: .failed, events: [(.applicationStart, stopped)]).cutShortByStop)
    }

    /// A host's first deployment runs no ApplicationStop (no earlier revision), and an event
    /// the revision has no scripts for runs none: both say so in the same words as before.
    @Test(.timeLimit(.minutes(5)))
    func eventsThatRanNoScriptsAreMarkedWhereTheyEnd() async throws {
        let group = try FolderGroup(["h1"])
        let report = try await group.deploy(try await group.revision("v1", without: [.validateService]))
        #expect(report.verdict.status == .succeeded)
        let events = try #require(report.hosts["h1"]?.events)
        let stop = try #require(events.first { $0.0 == .applicationStop }?.1)
        #expect(stop.ranNoScripts && stop.cause == .noScripts)
        #expect(stop.message == "no scripts: first deployment of this group on this host, no earlier revision to run ApplicationStop from")
        let validate = try #require(events.first { $0.0 == .validateService }?.1)
        #expect(validate.ranNoScripts && validate.message == "no scripts")
        #expect(!(events.first { $0.0 == .afterInstall }?.1.ranNoScripts ?? true), "AfterInstall ran its script")
    }

    /// A stop during a host's hook: the events after it are Skipped by the stop, in the same
    /// words as before, and the host was cut short by it.
    @Test(.timeLimit(.minutes(5)))
    func eventsAStopKeptFromStartingAreMarkedSo() async throws {
        let group = try FolderGroup(["h1"])
        try group.hold("h1")
        let stop = StopController()
        let v1 = try await group.revision("v1")
        async let report = group.deploy(v1, stop: stop)
        try await group.waitUntilHolding("h1")
        stop.request(.graceful, reason: "test")
        try group.release("h1")
        let ended = try await report
        let outcome = try #require(ended.hosts["h1"])
        let after = outcome.events.drop { $0.0 != .applicationStart }
        #expect(!after.isEmpty && after.allSatisfy { $0.1.skippedByStop && $0.1.cause == .stopped && $0.1.message == "the deployment was stopped" }, "\(after)")
        #expect(outcome.cutShortByStop)
        #expect(outcome.message == "the deployment was stopped before this host finished")
    }
}
