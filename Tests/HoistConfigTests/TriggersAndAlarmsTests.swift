import Foundation
import HoistConfig
import HoistCore
import Testing

@Suite struct TriggersAndAlarmsTests {
    static let head = """
        application: shop
        deployment_group: web
        inventory: inv.yml

        """

    func parse(_ text: String, environment: [String: String]? = ["HOIST_WEBHOOK_SECRET": "s3cret"]) -> Result<Playbook, DiagnosticsError> {
        PlaybookParser.parse(text: Self.head + text, file: "pb.yml", baseDirectory: "/srv/pb", homeDirectory: "/home/ops",
                             environment: environment)
    }

    @Test func readsTriggersAlarmsAndRollbackOnAlarm() throws {
        let playbook = try #require(parse("""
            triggers:
              - name: chat
                events: [DeploymentStart, DeploymentFailure, instancefailure]
                webhook: https://hooks.example.com/deploy
                format: slack
                secret_env: HOIST_WEBHOOK_SECRET
                timeout: 3
              - name: local
                command: ./notify.sh
            alarms:
              checks:
                - {name: api, http: "http://metrics.internal/api/health", expect_status: 204}
                - {name: per-host, http: "http://{address}:8080/health"}
                - {name: errors, command: ./error-rate-ok.sh, timeout: 20}
                - {name: p99, prometheus: "http://prom:9090", query: "histogram_quantile(0.99, x)", above: 0.5}
              interval: 2
              ignore_poll_alarm_failure: true
            auto_rollback: {on_failure: true, on_alarm: true}
            """).value)
        #expect(playbook.triggers == [
            TriggerSpec(name: "chat", events: [.deploymentStart, .deploymentFailure, .instanceFailure],
                        target: .webhook(url: "https://hooks.example.com/deploy", format: .slack, secretEnv: "HOIST_WEBHOOK_SECRET"),
                        timeoutSeconds: 3),
            TriggerSpec(name: "local", events: TriggerEventType.allCases, target: .command("./notify.sh", directory: "/srv/pb")),
        ])
        #expect(playbook.alarms == AlarmsSpec(checks: [
            AlarmCheckSpec(name: "api", kind: .http(url: "http://metrics.internal/api/health", expectStatus: 204)),
            AlarmCheckSpec(name: "per-host", kind: .http(url: "http://{address}:8080/health", expectStatus: nil)),
            AlarmCheckSpec(name: "errors", kind: .command("./error-rate-ok.sh", directory: "/srv/pb"), timeoutSeconds: 20),
            AlarmCheckSpec(name: "p99", kind: .prometheus(url: "http://prom:9090", query: "histogram_quantile(0.99, x)", above: 0.5, below: nil)),
        ], intervalSeconds: 2, ignorePollAlarmFailure: true))
        #expect(playbook.alarms?.checks[1].isPerHost == true)
        #expect(playbook.autoRollback == AutoRollback(onFailure: true, onAlarm: true))
    }

    @Test func badTriggersAreErrorsWithPlaceAndAdvice() {
        let result = parse("""
            triggers:
              - name: chat
                events: [DeploymentStrat, Whatever]
                webhook: hooks.example.com/deploy
                secret_env: HOIST_MISSING_SECRET
              - name: chat
                command: ./x
                format: slack
              - name: none
            """)
        #expect(messages(result) == [
            "pb.yml:6:14: error: triggers[0].events[0]: 'DeploymentStrat' is not a CodeDeploy trigger event (did you mean 'DeploymentStart'?)",
            "pb.yml:6:31: error: triggers[0].events[1]: 'Whatever' is not a CodeDeploy trigger event (one of DeploymentStart, DeploymentSuccess, DeploymentFailure, DeploymentStop, DeploymentRollback, DeploymentReady, InstanceStart, InstanceSuccess, InstanceFailure, InstanceReady)",
            "pb.yml:7:14: error: triggers[0].webhook: 'hooks.example.com/deploy' is not an http:// or https:// URL (e.g. https://hooks.example.com/deploy)",
            "pb.yml:8:17: error: triggers[0].secret_env: the environment variable HOIST_MISSING_SECRET is not set (or empty), so the webhook could not be signed (export HOIST_MISSING_SECRET with the shared secret before running hoist, or remove 'secret_env')",
            "pb.yml:11:13: error: triggers[1].format: 'format' applies to webhooks only (a command trigger always gets CodeDeploy's JSON on stdin)",
            "pb.yml:12:5: error: triggers[2]: a trigger needs 'webhook: <URL>' or 'command: <shell command>'",
        ])
        #expect(messages(parse("triggers:\n  - {name: a, command: x}\n  - {name: a, command: y}\n")) == [
            "pb.yml:5:3: error: triggers: two triggers are named 'a' (give each a distinct 'name')",
        ])
    }

    @Test func aSecretVariableIsOnlyCheckedWhenTheEnvironmentIsGiven() {
        let text = """
            triggers:
              - {name: t, webhook: "http://127.0.0.1:9/x", secret_env: HOIST_X}
            """
        #expect(parse(text, environment: nil).value?.triggers.count == 1)
        #expect(parse(text, environment: [:]).value == nil)
    }

    @Test func moreThanTenTriggersOrChecksAreRefused() {
        let triggers = (0..<11).map { "  - {name: t\($0), command: 'true'}" }.joined(separator: "\n")
        let checks = (0..<11).map { "    - {name: c\($0), command: 'true'}" }.joined(separator: "\n")
        let result = parse("triggers:\n\(triggers)\nalarms:\n  checks:\n\(checks)\n")
        #expect(messages(result) == [
            "pb.yml:5:3: error: triggers: has 11 triggers; at most 10 are allowed, as in CodeDeploy (combine triggers that go to the same place)",
            "pb.yml:18:5: error: alarms.checks: has 11 checks; at most 10 are allowed, as CodeDeploy allows 10 alarms",
        ])
    }

    @Test func badChecksAreErrors() {
        let result = parse("""
            alarms:
              checks:
                - {name: a, http: "ftp://x/y"}
                - {name: b, prometheus: "http://prom:9090", query: up}
                - {name: c, command: ./x, http: "http://x/"}
                - {name: d, command: ./x, above: 3}
              interval: 0
            auto_rollback: {on_alarm: maybe}
            """)
        #expect(messages(result) == [
            "pb.yml:11:27: error: auto_rollback.on_alarm: must be true or false, not 'maybe'",
            "pb.yml:6:23: error: alarms.checks[0].http: 'ftp://x/y' is not an http:// or https:// URL (e.g. http://{address}:8080/health)",
            "pb.yml:7:7: error: alarms.checks[1].above: a prometheus check needs 'above' (or 'below'): the value that means ALARM",
            "pb.yml:8:7: error: alarms.checks[2]: a check has one of 'http', 'command' or 'prometheus', not http and command",
            "pb.yml:9:38: error: alarms.checks[3].above: 'above' does not apply to a command check",
            "pb.yml:10:13: error: alarms.interval: must be a positive number of seconds, not 0",
        ])
    }

    /// 1e300 passed as finite and crashed converting to nanoseconds, after the hosts deployed.
    @Test func aTimeLongerThanThirtyDaysIsAnError() {
        let result = parse("""
            triggers:
              - {name: a, command: "true", timeout: 1e300}
            alarms:
              checks:
                - {name: b, command: ./x}
              interval: 2592001
            """)
        #expect(messages(result) == [
            "pb.yml:5:41: error: triggers[0].timeout: must be at most 2592000 seconds (30 days), not 1e300",
            "pb.yml:9:13: error: alarms.interval: must be at most 2592000 seconds (30 days), not 2592001",
        ])
    }

    @Test func rollbackOnAlarmNeedsChecks() {
        #expect(messages(parse("auto_rollback: {on_alarm: true}\n")) == [
            "pb.yml:4:16: error: auto_rollback.on_alarm: there are no alarm checks to roll back on (add 'alarms: {checks: [...]}' or remove 'on_alarm')",
        ])
    }
}
