import Foundation
import HoistCore
@testable import HoistEngine
import HoistPlanning
import HoistTestSupport
import Testing

/// Triggers and alarms through the coordinator, in-process on folder hosts: an alarm in the
/// second batch stops the deployment (ALARM_ACTIVE), on_alarm rolls the touched hosts back
/// under the same lock, and the triggers hear both deployments.
@Suite struct CoordinatorSignalsTests {
    /// Alarm readings the test sets.
    final class ScriptedProbe: AlarmProbe, @unchecked Sendable {
        let reading = Locked<AlarmReading>(.ok("0.1"))
        func evaluate(_ check: AlarmCheckSpec, hosts: [HostSpec]) async -> AlarmReading { reading.current }
    }

    /// Every delivery, in the order it was made.
    final class RecordingTransport: TriggerTransport, @unchecked Sendable {
        let requests = Locked<[TriggerRequest]>([])
        func deliver(_ request: TriggerRequest) async throws { requests.withLock { $0.append(request) } }
        func events(of id: String) -> [String] {
            requests.current.filter { $0.environment["HOIST_DEPLOYMENT_ID"] == id }
                .map { $0.event.rawValue + ($0.environment["HOIST_HOST"].map { " \($0)" } ?? "") }
        }
    }

    @Test func anAlarmInTheSecondBatchStopsAndRollsBackUnderOneLock() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        _ = try await group.deploy(try await group.revision("v1"))
        try group.hold("h2")
        let probe = ScriptedProbe(), transport = RecordingTransport()
        var ports = group.ports()
        ports.signals = DeploymentSignals(
            triggers: [TriggerSpec(name: "ops", target: .command("true", directory: "/"))],
            alarms: AlarmsSpec(checks: [AlarmCheckSpec(name: "p99", kind: .prometheus(url: "http://prom", query: "q", above: 0.5, below: nil))],
                               intervalSeconds: 0.05),
            transport: transport, probe: probe)
        var plan = group.plan(config: .oneAtATime)
        plan.rollback.onAlarm = true
        let stop = StopController()
        let v2 = try await group.revision("v2")
        async let running = group.deploy(v2, plan: plan, ports: ports, stop: stop)
        try await group.waitUntilHolding("h2")
        probe.reading.withLock { $0 = .alarm("0.9 > 0.5") }
        let deadline = Date().addingTimeInterval(300)
        while stop.level == .none, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try group.release("h2")
        let report = try await running

        #expect(report.verdict.status == .stopped)
        #expect(report.verdict.errorCode == .alarmActive)
        #expect(report.verdict.message?.hasPrefix("The deployment was stopped because alarm check 'p99' (0.9 > 0.5) is in ALARM") == true)
        #expect(report.verdict.hostStatuses["h3"] == .skipped)
        let rollback = try #require(report.rollback)
        #expect(rollback.status == .succeeded, "an alarm still firing does not stop the rollback")
        for host in ["h1", "h2"] { #expect(group.ran(host).last == "v1 ValidateService", "\(host) is back on v1") }
        #expect(!group.ran("h3").contains { $0.hasPrefix("v2") })
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }

        let changes = group.reporter.events.current.compactMap { event -> String? in
            if case .alarmChanged(let c) = event { return "\(c.check) \(c.state.rawValue)" } else { return nil }
        }
        #expect(changes == ["p99 OK", "p99 ALARM"])
        #expect(transport.events(of: report.id) == [
            "DeploymentStart", "InstanceStart h1", "InstanceSuccess h1", "InstanceStart h2", "InstanceFailure h2",
            "DeploymentStop", "DeploymentRollback",
        ])
        let rollbackID = try #require(rollback.id)
        #expect(transport.events(of: rollbackID) == [
            "DeploymentStart", "InstanceStart h1", "InstanceSuccess h1", "InstanceStart h2", "InstanceSuccess h2", "DeploymentSuccess",
        ])
        let recorded = try group.history.deliveries(of: DeploymentID(report.id)!)
        #expect(recorded.count == 7)
        #expect(recorded.allSatisfy { $0.status == .delivered && $0.trigger == "ops" })
        #expect(try group.history.deployment(DeploymentID(report.id)!)?.errorCode == .alarmActive)
    }
}
