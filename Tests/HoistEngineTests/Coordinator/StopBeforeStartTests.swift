import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A stop that comes before a deployment has started any host: while it waits for the group's
/// lock (`--lock-wait`), or before its first host. An adversarial run found Ctrl-C during the
/// wait ignored: the coordinator went on waiting, then took the lock and recorded a Stopped
/// deployment whose untouched hosts were Failed.
@Suite struct StopBeforeStartTests {
    @Test(.timeLimit(.minutes(5)))
    func aStopWhileWaitingForTheLockEndsTheWaitRecordingNothing() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let revision = try await group.revision("v1")
        try group.hold("h1")
        let first = Task { try await group.deploy(revision) }
        try await group.waitUntilHolding("h1")

        let waiter = RecordingObserver()
        var request = group.request(group.plan(), revision)
        request.lock.wait = .seconds(3600)
        let stop = StopController()
        let second = Task { try await Deployment(request: request, ports: group.ports(observer: waiter), stop: stop).run() }
        let waiting = await eventually(within: 120) {
            waiter.events.current.contains { if case .notice(.waitingForLock) = $0 { return true } else { return false } }
        }
        try #require(waiting, "the second deployment waits for the lock")
        stop.request()
        let ended = await second.result
        guard case .failure(let error) = ended, case .stoppedWaitingForLock(let held)? = error as? DeploymentError else {
            Issue.record("the wait went on or ended otherwise: \(ended)")
            return
        }
        #expect(held.holder.deploymentID.hasPrefix("d-"))
        #expect(try group.history.deployment(request.id) == nil, "nothing was recorded")

        try group.release("h1")
        let report = try await first.value
        #expect(report.verdict.status == .succeeded)
    }

    /// Stops the deployment as it starts: the lock is taken, no host has begun.
    final class StopAtStart: DeploymentObserver, @unchecked Sendable {
        let stop: StopController
        init(_ stop: StopController) { self.stop = stop }
        func handle(_ event: DeploymentEvent) {
            if case .deploymentStarted = event { stop.request(.graceful, reason: "test") }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func aStopBeforeTheFirstHostSkipsEveryHost() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        let stop = StopController()
        let report = try await group.deploy(try await group.revision("v1"), plan: group.plan(config: .halfAtATime),
                                            ports: group.ports(observer: StopAtStart(stop)), stop: stop)
        #expect(report.verdict.status == .stopped)
        for host in ["h1", "h2", "h3"] {
            #expect(report.verdict.hostStatuses[host] == .skipped, "\(host): \(String(describing: report.verdict.hostStatuses[host]))")
            #expect(group.ran(host).isEmpty, "\(host) ran \(group.ran(host))")
            #expect(!group.lockExists(host))
        }
    }
}
