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

    /// A receiver that is slow to take the failure: it holds DeploymentFailure until another
    /// delivery arrives beside it, or `holdSeconds` pass.
    final class SlowOnFailureTransport: TriggerTransport, @unchecked Sendable {
        let order = Locked<[String]>([])
        let holdSeconds: Double
        init(holdSeconds: Double) { self.holdSeconds = holdSeconds }
        func deliver(_ request: TriggerRequest) async throws {
            let id = request.environment["HOIST_DEPLOYMENT_ID"] ?? "?"
            if request.event == .deploymentFailure {
                let count = order.current.count
                let deadline = Date().addingTimeInterval(holdSeconds)
                while order.current.count == count, Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            }
            order.withLock { $0.append("\(id) \(request.event.rawValue)") }
        }
    }

    /// Each trigger hears the failed deployment to its end before its automatic rollback
    /// starts: a slow receiver heard the whole rollback, then the failure, and a status page
    /// ended on FAILED.
    @Test func aRollbacksNoticesComeAfterTheFailedDeploymentsOnASlowReceiver() async throws {
        let group = try FolderGroup(["h1", "h2"])
        _ = try await group.deploy(try await group.revision("v1"))
        try group.fail("h1", .validateService, in: "v2")
        let transport = SlowOnFailureTransport(holdSeconds: 3)
        var ports = group.ports()
        ports.signals = DeploymentSignals(
            triggers: [TriggerSpec(name: "ops", events: [.deploymentStart, .deploymentSuccess, .deploymentFailure, .deploymentRollback],
                                   target: .command("true", directory: "/"))],
            alarms: nil, transport: transport, probe: ScriptedProbe())
        let report = try await group.deploy(try await group.revision("v2"), plan: group.plan(config: .oneAtATime, autoRollback: true),
                                            ports: ports)
        let rollbackID = try #require(report.rollback?.id)
        #expect(transport.order.current == [
            "\(report.id) DeploymentStart", "\(report.id) DeploymentFailure", "\(report.id) DeploymentRollback",
            "\(rollbackID) DeploymentStart", "\(rollbackID) DeploymentSuccess",
        ])
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

    /// Blue/green waiting for `hoist continue`: the triggers hear DeploymentReady and
    /// InstanceReady for the installed hosts; an alarm during the wait ends it Stopped with
    /// ALARM_ACTIVE (not as a timeout), no replacement host enters rotation, and on_alarm's
    /// rollback reroutes to the original fleet without reinstalling it.
    @Test func anAlarmDuringTheReadyWaitStopsABlueGreenDeploymentBeforeTrafficMoves() async throws {
        let tags: [String: [HoistCore.Tag]] = ["b1": [HoistCore.Tag("color", "blue")], "b2": [HoistCore.Tag("color", "blue")],
                                               "g1": [HoistCore.Tag("color", "green")], "g2": [HoistCore.Tag("color", "green")]]
        let group = try FolderGroup(["b1", "b2", "g1", "g2"], tags: tags)
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"], readyWaitSeconds: 1800)
        let probe = ScriptedProbe(), transport = RecordingTransport(), traffic = RecordingTraffic()
        var ports = group.ports(traffic: traffic)
        ports.signals = DeploymentSignals(
            triggers: [TriggerSpec(name: "ops", target: .command("true", directory: "/"))],
            alarms: AlarmsSpec(checks: [AlarmCheckSpec(name: "p99", kind: .prometheus(url: "http://prom", query: "q", above: 0.5, below: nil))],
                               intervalSeconds: 0.05),
            transport: transport, probe: probe)
        var plan = group.plan(config: .oneAtATime, phases: DeploymentPhase.blueGreen(spec, traffic: true), blueGreen: spec, traffic: true)
        plan.rollback.onAlarm = true
        async let running = group.deploy(try await group.revision("v1"), plan: plan, ports: ports)
        // The alarm goes off once the deployment waits for `hoist continue`.
        let deadline = Date().addingTimeInterval(300)
        func waiting() -> Bool {
            group.reporter.events.current.contains { if case .phaseStarted(let p) = $0 { return p.name == "Ready" } else { return false } }
        }
        while !waiting(), Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        probe.reading.withLock { $0 = .alarm("0.9 > 0.5") }
        let report = try await running

        #expect(report.verdict.status == .stopped)
        #expect(report.verdict.errorCode == .alarmActive)
        let message = report.verdict.message ?? ""
        #expect(message.hasPrefix("The deployment was stopped because alarm check 'p99' (0.9 > 0.5) is in ALARM"), "\(message)")
        #expect(message.hasSuffix("during the ready wait; traffic stays on blue"), "\(message)")
        #expect(!traffic.calls.current.contains { $0.0 == "allow" && $0.1.hasPrefix("g") }, "no green host entered rotation")
        #expect(try group.history.phases(of: DeploymentID(report.id)!).map(\.name) == ["Block green", "Install on green", "Ready"])

        let rollback = try #require(report.rollback)
        #expect(rollback.status == .succeeded, "the rollback reroutes to blue: \(rollback.note)")
        #expect(Set(traffic.calls.current.filter { $0.0 == "allow" }.map(\.1)) == ["b1", "b2"])
        for host in ["b1", "b2"] { #expect(!group.ran(host).contains("v1 ApplicationStart"), "\(host) was not reinstalled") }

        let heard = transport.events(of: report.id)
        for event in ["DeploymentReady", "InstanceReady g1", "InstanceReady g2", "DeploymentStop", "DeploymentRollback"] {
            #expect(heard.contains(event), "\(event) in \(heard)")
        }
        #expect(!heard.contains("InstanceReady b1") && !heard.contains("InstanceReady b2"), "the original fleet was not installed: \(heard)")
        // #require, not `!`: a missing event must fail this test, not crash the whole test process.
        let ready = try #require(heard.firstIndex(of: "DeploymentReady"), "\(heard)")
        let stop = try #require(heard.firstIndex(of: "DeploymentStop"), "\(heard)")
        #expect(ready < stop, "\(heard)")
    }
}
