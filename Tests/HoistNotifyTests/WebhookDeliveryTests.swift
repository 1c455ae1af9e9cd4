import Foundation
import HoistCore
import HoistEngine
import HoistNotify
import HoistTestSupport
import Testing

/// Triggers delivered for real: the dispatcher and the HTTP transport against a receiver on
/// 127.0.0.1 that records every request.
@Suite struct WebhookDeliveryTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000.125)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    static let id = DeploymentID("d-ABCDEFGH1")!

    /// A one-host deployment that succeeds.
    static var events: [DeploymentEvent] {
        [
            .deploymentStarted(DeploymentStart(id: id.rawValue, application: "shop", deploymentGroup: "web", revision: "rev",
                                               revisionSHA256: "00", config: "AllAtOnce", hosts: ["web-1"],
                                               maxConcurrency: 1, minimumHealthy: 0, time: at(0))),
            .hostStarted(host: "web-1", time: at(1)),
            .eventFinished(host: "web-1", event: .install, outcome: EventOutcome(status: .succeeded, start: at(1), end: at(2))),
            .hostFinished(host: "web-1", status: .succeeded, errorCode: nil, message: nil, time: at(2)),
            .deploymentFinished(DeploymentVerdictSummary(id: id.rawValue, status: .succeeded, errorCode: nil, message: "ok",
                                                         hostStatuses: ["web-1": .succeeded], time: at(3))),
        ]
    }

    static let fastRetries = RetryPolicy(attempts: 4, firstDelaySeconds: 0.05, maximumDelaySeconds: 0.2)
    /// A trigger timeout no busy machine reaches: the end-of-deployment wait must not cut the
    /// deliveries these tests count.
    static let generous = 120.0

    final class Records: @unchecked Sendable {
        let list = Locked<[DeliveryRecord]>([])
        func add(_ record: DeliveryRecord) { list.withLock { $0.append(record) } }
    }

    func dispatcher(_ triggers: [TriggerSpec], records: Records, environment: [String: String] = [:]) -> TriggerDispatcher {
        TriggerDispatcher(deploymentID: Self.id, application: "shop", deploymentGroup: "web", triggers: triggers,
                          transport: NotifyTransport(environment: environment), policy: Self.fastRetries, record: records.add)
    }

    @Test func payloadsArriveInOrderSignedWithTheSecret() async throws {
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        let records = Records()
        let trigger = TriggerSpec(name: "chat", target: .webhook(url: receiver.url + "/hook?x=1", format: .codedeploy, secretEnv: "SECRET"),
                                  timeoutSeconds: Self.generous)
        let dispatcher = dispatcher([trigger], records: records, environment: ["SECRET": "It's a secret to everybody"])
        for event in Self.events { dispatcher.handle(event) }
        await dispatcher.drain()

        let requests = receiver.requests
        #expect(requests.map { "\($0.method) \($0.target) \($0.headers["x-hoist-event"] ?? "")" } == [
            "POST /hook?x=1 DeploymentStart", "POST /hook?x=1 InstanceStart", "POST /hook?x=1 InstanceSuccess",
            "POST /hook?x=1 DeploymentSuccess",
        ])
        #expect(requests.first?.body == #"{"region":"on-premises","accountId":"","eventTriggerName":"chat","applicationName":"shop","deploymentId":"d-ABCDEFGH1","deploymentGroupName":"web","createTime":"1700000000.125","deploymentOverview":{"Failed":"0","InProgress":"0","Pending":"1","Skipped":"0","Succeeded":"0"},"status":"CREATED"}"#)
        #expect(requests[2].body == #"{"region":"on-premises","accountId":"","eventTriggerName":"chat","deploymentId":"d-ABCDEFGH1","instanceId":"web-1","lastUpdatedAt":"1700000002.125","instanceStatus":"Succeeded","lifecycleEvents":[{"LifecycleEvent":"Install","LifecycleEventStatus":"Succeeded","StartTime":"1700000001.125","EndTime":"1700000002.125"}]}"#)
        #expect(requests.last?.body == #"{"region":"on-premises","accountId":"","eventTriggerName":"chat","applicationName":"shop","deploymentId":"d-ABCDEFGH1","deploymentGroupName":"web","createTime":"1700000000.125","completeTime":"1700000003.125","deploymentOverview":{"Failed":"0","InProgress":"0","Pending":"0","Skipped":"0","Succeeded":"1"},"status":"SUCCEEDED"}"#)
        for request in requests {
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.headers["x-hoist-signature-256"] == WebhookSignature.value(body: request.body, secret: "It's a secret to everybody"))
        }
        // The signature is HMAC-SHA256 (RFC 4231, test case 2).
        #expect(WebhookSignature.value(body: "what do ya want for nothing?", secret: "Jefe")
            == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(records.list.current.map { "\($0.event.rawValue) \($0.status.rawValue) \($0.attempts)" } == [
            "DeploymentStart Delivered 1", "InstanceStart Delivered 1", "InstanceSuccess Delivered 1", "DeploymentSuccess Delivered 1",
        ])
    }

    @Test func aReceiverAnswering500TwiceGetsTheSameBodyAThirdTime() async throws {
        let receiver = try LoopbackHTTPServer { _, number in .init(status: number < 2 ? 500 : 200, body: number < 2 ? "busy" : "") }
        defer { receiver.stop() }
        let records = Records()
        let trigger = TriggerSpec(name: "ops", events: [.deploymentSuccess],
                                  target: .webhook(url: receiver.url, format: .slack, secretEnv: nil), timeoutSeconds: Self.generous)
        let dispatcher = dispatcher([trigger], records: records)
        for event in Self.events { dispatcher.handle(event) }
        await dispatcher.drain()
        let bodies = receiver.requests.map(\.body)
        #expect(bodies == Array(repeating: #"{"text":"DeploymentSuccess: shop/web d-ABCDEFGH1 succeeded (1 succeeded)"}"#, count: 3))
        #expect(receiver.requests.allSatisfy { $0.headers["x-hoist-signature-256"] == nil })
        let record = try #require(records.list.current.first)
        #expect(records.list.current.count == 1)
        #expect(record.status == .delivered)
        #expect(record.attempts == 3)
        #expect(record.target == receiver.url)
    }

    @Test func aReceiverThatKeepsFailingIsRecordedWithItsError() async throws {
        let receiver = try LoopbackHTTPServer { _, _ in .init(status: 503, body: "down for maintenance") }
        defer { receiver.stop() }
        let records = Records()
        let trigger = TriggerSpec(name: "ops", events: [.deploymentStart], target: .webhook(url: receiver.url, format: .codedeploy, secretEnv: nil),
                                  timeoutSeconds: Self.generous)
        let dispatcher = dispatcher([trigger], records: records)
        for event in Self.events { dispatcher.handle(event) }
        await dispatcher.drain()
        #expect(receiver.requests.count == 4)
        #expect(records.list.current.map { "\($0.status.rawValue) \($0.attempts) \($0.error ?? "")" } == ["Failed 4 HTTP 503: down for maintenance"])
    }

    @Test func aReceiverThatNeverAnswersDoesNotHoldTheDeploymentPastItsTimeout() async throws {
        // Accepts connections (the backlog) but never reads or answers.
        let silent = try SilentListener()
        defer { silent.close() }
        let records = Records()
        let trigger = TriggerSpec(name: "slow", events: [.deploymentStart, .deploymentSuccess],
                                  target: .webhook(url: "http://127.0.0.1:\(silent.port)/", format: .codedeploy, secretEnv: nil),
                                  timeoutSeconds: 1)
        let dispatcher = TriggerDispatcher(deploymentID: Self.id, application: "shop", deploymentGroup: "web", triggers: [trigger],
                                           transport: NotifyTransport(environment: [:]),
                                           policy: RetryPolicy(attempts: 100, firstDelaySeconds: 0.05, maximumDelaySeconds: 0.05),
                                           record: records.add)
        for event in Self.events { dispatcher.handle(event) }
        await dispatcher.drain()
        let list = records.list.current
        #expect(list.map(\.event) == [.deploymentStart, .deploymentSuccess])
        #expect(list.allSatisfy { $0.status == .failed })
        #expect(list.first?.error?.hasSuffix("(given up: the deployment ended and the trigger's timeout passed)") == true)
        #expect(list.last?.error == "not delivered: the deployment ended and the trigger's timeout passed")
        #expect(list.last?.attempts == 0)
    }

    @Test func aCommandGetsThePayloadOnStdinAndHoistVariables() async throws {
        let scratch = try ScratchDirectory("hoist-trigger-command")
        let records = Records()
        let trigger = TriggerSpec(name: "local", events: [.instanceSuccess],
                                  target: .command(#"cat > payload.json; echo "$HOIST_EVENT $HOIST_HOST $HOIST_STATUS $HOIST_DEPLOYMENT_ID $HOIST_APPLICATION/$HOIST_DEPLOYMENT_GROUP" > env.txt"#,
                                                   directory: scratch.path), timeoutSeconds: Self.generous)
        let dispatcher = dispatcher([trigger], records: records)
        for event in Self.events { dispatcher.handle(event) }
        await dispatcher.drain()
        #expect(try String(contentsOfFile: scratch.file("env.txt"), encoding: .utf8) == "InstanceSuccess web-1 Succeeded d-ABCDEFGH1 shop/web\n")
        let payload = try String(contentsOfFile: scratch.file("payload.json"), encoding: .utf8)
        #expect(payload.hasPrefix(#"{"region":"on-premises","accountId":"","eventTriggerName":"local","deploymentId":"d-ABCDEFGH1","instanceId":"web-1""#))
        #expect(records.list.current.map(\.status) == [.delivered])
    }

    @Test func aFailingCommandIsRetriedAndItsErrorKept() async throws {
        let records = Records()
        let trigger = TriggerSpec(name: "local", events: [.deploymentStart], target: .command("echo nope >&2; exit 7", directory: "/"),
                                  timeoutSeconds: Self.generous)
        let dispatcher = dispatcher([trigger], records: records)
        for event in Self.events { dispatcher.handle(event) }
        await dispatcher.drain()
        #expect(records.list.current.map { "\($0.status.rawValue) \($0.attempts) \($0.error ?? "")" } == ["Failed 4 exit status 7: nope"])
    }
}

/// A TCP listener that never accepts: connections complete in the kernel's backlog and hang.
final class SilentListener: @unchecked Sendable {
    let fd: Int32
    let port: Int
    init() throws { (fd, port) = try LoopbackSocket.listening(backlog: 16) }
    func close() { Glibc.close(fd) }
}
