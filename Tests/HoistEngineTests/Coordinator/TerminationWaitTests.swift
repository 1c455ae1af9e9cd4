import Foundation
import HoistCore
@testable import HoistEngine
import HoistPlanning
import HoistTestSupport
import Testing

/// A blue/green deployment that terminates the original fleet waits first
/// (termination_wait_time_in_minutes): the wait is announced with its fleet and end, and a
/// stop during it ends the deployment Stopped with the original fleet still running, since
/// traffic has moved and a rollback may need it.
@Suite struct TerminationWaitTests {
    @Test func aStopDuringTheTerminationWaitKeepsTheOriginalFleet() async throws {
        let tags: [String: [HoistCore.Tag]] = ["b1": [HoistCore.Tag("color", "blue")], "g1": [HoistCore.Tag("color", "green")]]
        let group = try FolderGroup(["b1", "g1"], tags: tags)
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"], originalFleetAction: .terminate, terminationWaitSeconds: 1800)
        let traffic = RecordingTraffic(), stop = StopController()
        let plan = group.plan(config: .oneAtATime, phases: DeploymentPhase.blueGreen(spec, traffic: true), blueGreen: spec, traffic: true)
        let before = Date()
        async let running = group.deploy(try await group.revision("v1"), plan: plan, ports: group.ports(traffic: traffic), stop: stop)
        func announced() -> DeploymentNotice? {
            group.reporter.events.current.lazy.compactMap { event -> DeploymentNotice? in
                if case .notice(let n) = event, case .terminationWait = n { return n } else { return nil }
            }.first
        }
        let deadline = Date().addingTimeInterval(300)
        while announced() == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        stop.request(reason: "test")
        let report = try await running

        let notice = try #require(announced())
        guard case .terminationWait(let fleet, let seconds, let until) = notice else { return }
        #expect(fleet == "blue" && seconds == 1800)
        #expect(until >= before.addingTimeInterval(1800))
        #expect(notice.description.hasPrefix("traffic is on the new fleet; the blue fleet is terminated in 30m00s (termination_wait_time_in_minutes)"))
        #expect(report.verdict.status == .stopped)
        #expect(report.verdict.errorCode == .manualStop)
        let message = report.verdict.message ?? ""
        #expect(message.hasSuffix("during the wait before terminating the blue fleet; traffic is on the green fleet and the blue fleet keeps running"), "\(message)")
        let phases = try group.history.phases(of: DeploymentID(report.id)!).map(\.name)
        #expect(!phases.contains { $0.hasPrefix("Terminate") }, "\(phases)")
    }
}
