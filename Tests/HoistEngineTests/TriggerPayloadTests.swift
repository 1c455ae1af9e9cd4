import Foundation
import HoistCore
@testable import HoistEngine
import Testing

/// A deployment's events as the engine reports them, with fixed times, for the trigger tests.
enum ScriptedDeployment {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000.125)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    /// Two hosts: web-1 succeeds, web-2 fails in ValidateService; the deployment fails.
    static var events: [DeploymentEvent] {
        [
            .deploymentStarted(DeploymentStart(id: "d-ABCDEFGH1", application: "shop", deploymentGroup: "web", revision: "rev",
                                               revisionSHA256: "00", config: "OneAtATime", hosts: ["web-1", "web-2"],
                                               maxConcurrency: 1, minimumHealthy: 1, time: at(0))),
            .hostStarted(host: "web-1", time: at(1)),
            .eventStarted(host: "web-1", event: .install, time: at(1.5), scriptsFrom: nil),
            .eventFinished(host: "web-1", event: .install, outcome: EventOutcome(status: .succeeded, start: at(1.5), end: at(2))),
            .hostFinished(host: "web-1", status: .succeeded, errorCode: nil, message: nil, time: at(2)),
            .hostStarted(host: "web-2", time: at(3)),
            .eventFinished(host: "web-2", event: .install, outcome: EventOutcome(status: .succeeded, start: at(3), end: at(3.25))),
            .eventFinished(host: "web-2", event: .validateService,
                           outcome: EventOutcome(status: .failed, errorCode: .scriptFailed, message: "exit 1", start: at(3.25), end: at(4))),
            .hostFinished(host: "web-2", status: .failed, errorCode: .scriptFailed, message: "exit 1", time: at(4)),
            .deploymentFinished(DeploymentVerdictSummary(id: "d-ABCDEFGH1", status: .failed, errorCode: .healthConstraints,
                                                         message: "too many failed", hostStatuses: ["web-1": .succeeded, "web-2": .failed],
                                                         time: at(5))),
            .notice(.rollbackStarting(failed: "d-ABCDEFGH1", to: "d-GOOD00001", revision: "rev", hosts: ["web-1", "web-2"], configNote: nil)),
        ]
    }
}

@Suite struct TriggerPayloadTests {
    func notices() -> [TriggerNotice] {
        var tracker = TriggerTracker(deploymentID: "d-ABCDEFGH1", application: "shop", deploymentGroup: "web",
                                     now: { ScriptedDeployment.at(6) })
        return ScriptedDeployment.events.flatMap { tracker.consume($0) }
    }

    @Test func eventsBecomeCodeDeployTriggerEventsInOrder() {
        #expect(notices().map { "\($0.event.rawValue) \($0.instance?.host ?? "-")" } == [
            "DeploymentStart -", "InstanceStart web-1", "InstanceSuccess web-1", "InstanceStart web-2", "InstanceFailure web-2",
            "DeploymentFailure -", "DeploymentRollback -",
        ])
    }

    @Test func deploymentPayloadsAreCodeDeploysJSONWordForWord() {
        let n = notices()
        #expect(TriggerPayload.deployment(trigger: "chat", n[0].deployment) == #"{"region":"on-premises","accountId":"","eventTriggerName":"chat","applicationName":"shop","deploymentId":"d-ABCDEFGH1","deploymentGroupName":"web","createTime":"1700000000.125","deploymentOverview":{"Failed":"0","InProgress":"0","Pending":"2","Skipped":"0","Succeeded":"0"},"status":"CREATED"}"#)
        #expect(TriggerPayload.deployment(trigger: "chat", n[5].deployment) == #"{"region":"on-premises","accountId":"","eventTriggerName":"chat","applicationName":"shop","deploymentId":"d-ABCDEFGH1","deploymentGroupName":"web","createTime":"1700000000.125","completeTime":"1700000005.125","deploymentOverview":{"Failed":"1","InProgress":"0","Pending":"0","Skipped":"0","Succeeded":"1"},"status":"FAILED","errorInformation":{"ErrorCode":"HEALTH_CONSTRAINTS","ErrorMessage":"too many failed"}}"#)
        #expect(n[6].deployment == n[5].deployment, "DeploymentRollback reports the verdict it rolls back from")
    }

    @Test func instancePayloadsAreCodeDeploysJSONWordForWord() {
        let n = notices()
        #expect(TriggerPayload.instance(trigger: "chat", n[4].instance!) == #"{"region":"on-premises","accountId":"","eventTriggerName":"chat","deploymentId":"d-ABCDEFGH1","instanceId":"web-2","lastUpdatedAt":"1700000004.125","instanceStatus":"Failed","lifecycleEvents":[{"LifecycleEvent":"Install","LifecycleEventStatus":"Succeeded","StartTime":"1700000003.125","EndTime":"1700000003.375"},{"LifecycleEvent":"ValidateService","LifecycleEventStatus":"Failed","StartTime":"1700000003.375","EndTime":"1700000004.125"}]}"#)
        #expect(TriggerPayload.instance(trigger: "t", n[1].instance!) == #"{"region":"on-premises","accountId":"","eventTriggerName":"t","deploymentId":"d-ABCDEFGH1","instanceId":"web-1","lastUpdatedAt":"1700000001.125","instanceStatus":"InProgress","lifecycleEvents":[]}"#)
    }

    @Test func slackMessagesSayWhatHappenedInOneLine() {
        let n = notices()
        #expect(TriggerPayload.slack(event: n[5].event, n[5].deployment, instance: nil)
            == #"{"text":"DeploymentFailure: shop/web d-ABCDEFGH1 failed (1 failed, 1 succeeded) [HEALTH_CONSTRAINTS] too many failed"}"#)
        #expect(TriggerPayload.slack(event: n[4].event, n[4].deployment, instance: n[4].instance)
            == #"{"text":"InstanceFailure: shop/web d-ABCDEFGH1 on web-2: Failed in ValidateService"}"#)
    }

    @Test func quotesAndControlCharactersAreEscaped() {
        let facts = DeploymentFacts(deploymentID: "d-1", application: "a\"b", deploymentGroup: "g\\h", createTime: ScriptedDeployment.t0,
                                    status: "FAILED", errorCode: "X", errorMessage: "line1\nline2\t\u{1}")
        let json = TriggerPayload.deployment(trigger: "t/1", facts)
        #expect(json.contains(#""applicationName":"a\"b","#))
        #expect(json.contains(#""deploymentGroupName":"g\\h","#))
        #expect(json.contains(#""ErrorMessage":"line1\nline2\t\u0001""#))
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
    }

    @Test func epochStringsHaveMilliseconds() {
        #expect(TriggerPayload.epoch(Date(timeIntervalSince1970: 1446744188.595)) == "1446744188.595")
        #expect(TriggerPayload.epoch(Date(timeIntervalSince1970: 12.005)) == "12.005")
        #expect(TriggerPayload.epoch(Date(timeIntervalSince1970: 12)) == "12.000")
    }

    @Test func blueGreenReadyAndRepeatedHostEndsAreReportedOnce() {
        var tracker = TriggerTracker(deploymentID: "d-1", application: "a", deploymentGroup: "g", now: { ScriptedDeployment.at(2) })
        let at = ScriptedDeployment.at
        let events: [DeploymentEvent] = [
            .hostStarted(host: "g1", time: at(0)),
            .hostFinished(host: "g1", status: .succeeded, errorCode: nil, message: nil, time: at(1)),
            .notice(.waitingForContinue(deploymentID: "d-1", seconds: 60, command: "hoist continue d-1")),
            .hostStarted(host: "g1", time: at(3)),
            .hostFinished(host: "g1", status: .succeeded, errorCode: nil, message: nil, time: at(4)),
        ]
        let notices = events.flatMap { tracker.consume($0) }
        #expect(notices.map { "\($0.event.rawValue) \($0.instance?.host ?? "-") \($0.instance?.status.rawValue ?? $0.deployment.status)" } == [
            "InstanceStart g1 InProgress", "InstanceSuccess g1 Succeeded", "DeploymentReady - READY", "InstanceReady g1 Ready",
        ])
    }

    @Test func retryPolicyBacksOffAndStops() {
        let policy = RetryPolicy.standard
        #expect((1...4).map { policy.delay(afterAttempt: $0) } == [1, 2, 4, nil])
        #expect(RetryPolicy(attempts: 10, firstDelaySeconds: 10, maximumDelaySeconds: 30).delay(afterAttempt: 4) == 30)
    }
}

@Suite struct AlarmBoardTests {
    @Test func readingsMoveStatesAndOnlyChangesAreReported() {
        var board = AlarmBoard(checks: ["api", "p99"], ignorePollAlarmFailure: false)
        let t = ScriptedDeployment.t0
        #expect(board.record("api", .ok("HTTP 200"), at: t)?.state == .ok)
        #expect(board.record("api", .ok("HTTP 200"), at: t) == nil)
        #expect(board.record("p99", .ok("0.1"), at: t) == AlarmChange(check: "p99", state: .ok, previous: .insufficientData, reason: "0.1", time: t))
        #expect(board.firing.isEmpty)
        #expect(board.firingSentence == nil)
        #expect(board.record("p99", .alarm("0.7 > 0.5"), at: t) == AlarmChange(check: "p99", state: .alarm, previous: .ok, reason: "0.7 > 0.5", time: t))
        #expect(board.firingSentence == "alarm check 'p99' (0.7 > 0.5) is in ALARM")
        #expect(board.record("api", .notEvaluated("connection refused"), at: t)?.reason == "not evaluated: connection refused")
        #expect(board.firing == ["api", "p99"])
        #expect(board.firingSentence == "alarm checks 'api' (not evaluated: connection refused), 'p99' (0.7 > 0.5) are in ALARM")
        #expect(board.record("unknown", .alarm("x"), at: t) == nil)
    }

    @Test func ignorePollAlarmFailureTurnsUnevaluableChecksIntoInsufficientData() {
        var board = AlarmBoard(checks: ["api"], ignorePollAlarmFailure: true)
        let t = ScriptedDeployment.t0
        #expect(board.record("api", .ok("HTTP 200"), at: t)?.state == .ok)
        let change = board.record("api", .notEvaluated("timed out after 5 s"), at: t)
        #expect(change?.state == .insufficientData)
        #expect(change?.reason == "not evaluated: timed out after 5 s (ignored: ignore_poll_alarm_failure)")
        #expect(board.firing.isEmpty)
        #expect(board.record("api", .alarm("HTTP 500"), at: t)?.state == .alarm)
    }

    /// A probe whose answers the test sets.
    final class ScriptedProbe: AlarmProbe, @unchecked Sendable {
        let reading = Locked<AlarmReading>(.ok("fine"))
        let seenHosts = Locked<[[String]]>([])
        func evaluate(_ check: AlarmCheckSpec, hosts: [HostSpec]) async -> AlarmReading {
            seenHosts.withLock { $0.append(hosts.map(\.name)) }
            return reading.current
        }
    }

    final class Recorder: DeploymentObserver, @unchecked Sendable {
        let events = Locked<[DeploymentEvent]>([])
        func handle(_ event: DeploymentEvent) { events.withLock { $0.append(event) } }
        var changes: [String] {
            events.current.compactMap { if case .alarmChanged(let c) = $0 { return "\(c.check) \(c.state.rawValue)" } else { return nil } }
        }
    }

    @Test func theMonitorReportsChangesAndStopsTheDeploymentOnAlarm() async {
        let probe = ScriptedProbe()
        let recorder = Recorder()
        let stop = StopController()
        let hosts = [HostSpec(name: "h1", address: "10.0.0.1"), HostSpec(name: "h2", address: "10.0.0.2")]
        let monitor = AlarmMonitor(spec: AlarmsSpec(checks: [AlarmCheckSpec(name: "api", kind: .http(url: "http://{address}/", expectStatus: nil))],
                                                    intervalSeconds: 3600),
                                   hosts: hosts, probe: probe, observer: recorder, stop: stop)
        await monitor.start()
        #expect(recorder.changes == ["api OK"])
        #expect(stop.level == .none)
        monitor.handle(.hostFinished(host: "h2", status: .succeeded, errorCode: nil, message: nil, time: Date()))
        monitor.handle(.hostFinished(host: "h1", status: .failed, errorCode: nil, message: nil, time: Date()))
        probe.reading.withLock { $0 = .alarm("HTTP 500") }
        await monitor.pollOnce()
        #expect(recorder.changes == ["api OK", "api ALARM"])
        #expect(probe.seenHosts.current == [[], ["h2"]], "per-host checks see only hosts deployed successfully")
        #expect(stop.level == .graceful)
        #expect(stop.cause == .alarm("alarm check 'api' (HTTP 500) is in ALARM"))
        await monitor.finish()
        probe.reading.withLock { $0 = .ok("fine") }
        await monitor.pollOnce()
        #expect(recorder.changes == ["api OK", "api ALARM"], "nothing is reported after finish")
    }
}

@Suite struct BakeStopTests {
    /// An alarm polled during a zone's bake time stops the deployment without waiting the bake out.
    @Test(.timeLimit(.minutes(2))) func aStopEndsAnHourLongBake() async {
        let stop = StopController()
        let bake = Task { await DeploymentRunner.bake(seconds: 3600, stop: stop) }
        stop.request(.graceful, reason: "alarm", cause: .alarm("alarm check 'p99' (0.9 > 0.5) is in ALARM"))
        await bake.value
        #expect(stop.cause == .alarm("alarm check 'p99' (0.9 > 0.5) is in ALARM"))
    }
}
