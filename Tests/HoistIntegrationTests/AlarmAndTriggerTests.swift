import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// Alarms and triggers against the real fleet: a check that turns to ALARM while the second
/// host (OneAtATime: the second batch) is deploying stops the deployment (Stopped,
/// ALARM_ACTIVE); the automatic rollback (on_alarm) puts the previous revision back on every
/// host it touched; a webhook receiver on 127.0.0.1 hears about all of it.
@Suite(.serialized) struct AlarmAndTriggerTests {
    @Test func anAlarmInTheSecondBatchStopsTheDeploymentAndTheRollbackRestoresTheTouchedHosts() async throws {
        let metricsStatus = Locked(200)
        let metrics = try LoopbackHTTPServer { _, _ in .init(status: metricsStatus.current) }
        let receiver = try LoopbackHTTPServer()
        defer { metrics.stop(); receiver.stop() }
        try await withFleetHosts(3) { names in
            // Its own name each run: the hold's marker files in /srv outlive a run on a fleet
            // kept between runs, and the last run's would count as this one's.
            let app = "alarmstop-\(UUID().uuidString.prefix(8).lowercased())"
            let group = try FleetGroup(app, hosts: names, config: "OneAtATime", extra: """
                alarms:
                  checks:
                    - {name: metrics, http: "\(metrics.url)/health", expect_status: 200, timeout: 120}
                  interval: 0.5
                auto_rollback: {on_failure: true, on_alarm: true}
                triggers:
                  - name: ops
                    events: [DeploymentStart, DeploymentSuccess, DeploymentStop, DeploymentRollback]
                    webhook: \(receiver.url)/hook
                    timeout: 120
                """)
            let v1 = try group.deploy(try group.revision("v1", version: "v1"))
            #expect(v1.status == 0, "\(v1.stderr)")
            for host in names { #expect(group.hostFile(host, "\(app)/VERSION") == "v1") }

            // v2's AfterInstall says it started, then holds until the test lets it go.
            let hold = """
                [ "$LIFECYCLE_EVENT" = AfterInstall ] || exit 0
                touch /srv/started-\(app)
                i=0; while [ ! -e /srv/go-\(app) ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i+1)); done
                """
            let running = try group.startDeploy(try group.revision("v2", version: "v2", hookBody: hold))
            func started() -> [String] { names.filter { group.hostFile($0, "started-\(app)") != nil } }
            func release(_ host: String) {
                #expect(FileManager.default.createFile(atPath: group.hostPath(host, srv: "go-\(app)"), contents: Data()), "release \(host)")
            }

            try eventually("the first host's AfterInstall", timeout: 180) { started().count == 1 }
            let first = started()[0]
            release(first)
            try eventually("the second host's AfterInstall", timeout: 180) { started().count == 2 }
            let second = try #require(started().first { $0 != first })
            // The service gets worse while the second batch deploys.
            metricsStatus.withLock { $0 = 500 }
            #expect(running.waitForStderr(containing: "alarm check 'metrics' (HTTP 500", seconds: 180))
            release(second)
            let outcome = running.finish()

            #expect(outcome.status == 4, "stopped: \(outcome.stderr)")
            #expect(outcome.stdout.contains("alarm metrics OK (was INSUFFICIENT_DATA): HTTP 200"))
            #expect(outcome.stdout.contains("alarm metrics ALARM (was OK): HTTP 500 from \(metrics.url)/health, expected 200"))
            #expect(outcome.stderr.contains("rolling back"))
            let third = try #require(names.first { $0 != first && $0 != second })
            #expect(group.hostFile(third, "started-\(app)") == nil, "the third host never started")

            let list = try group.list()
            let rollback = try #require(list.first)
            let stopped = list[1]
            #expect(stopped["status"] as? String == "Stopped")
            #expect(stopped["errorCode"] as? String == "ALARM_ACTIVE")
            #expect((stopped["errorMessage"] as? String)?.hasPrefix("The deployment was stopped because alarm check 'metrics' (HTTP 500") == true)
            #expect(rollback["creator"] as? String == "codeDeployRollback")
            #expect(rollback["rollbackOf"] as? String == stopped["id"] as? String)
            #expect(rollback["status"] as? String == "Succeeded", "the rollback is not stopped by the alarm still firing")
            let rollbackID = try #require(rollback["id"] as? String), stoppedID = try #require(stopped["id"] as? String)
            let show = try group.hoist(["show", rollbackID, "--json"])
            let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
            let rolledBack = ((detail["hosts"] as? [[String: Any]]) ?? []).compactMap { $0["host"] as? String }.sorted()
            #expect(rolledBack == [first, second].sorted(), "the rollback goes to the hosts the stopped deployment touched")
            // Verified on the hosts: the previous revision is back wherever v2 went.
            for host in names { #expect(group.hostFile(host, "\(app)/VERSION") == "v1", "\(host)") }

            // The webhook receiver heard each deployment's events, in order.
            let requests = receiver.waitForRequests(7, seconds: 60)
            func events(of id: String) -> [String] {
                requests.filter { $0.body.contains("\"deploymentId\":\"\(id)\"") }.compactMap { $0.headers["x-hoist-event"] }
            }
            #expect(events(of: stoppedID) == ["DeploymentStart", "DeploymentStop", "DeploymentRollback"])
            #expect(events(of: rollbackID) == ["DeploymentStart", "DeploymentSuccess"])
            let stopBody = try #require(requests.first { $0.body.contains(stoppedID) && $0.headers["x-hoist-event"] == "DeploymentStop" }?.body)
            #expect(stopBody.contains(#""status":"STOPPED","errorInformation":{"ErrorCode":"ALARM_ACTIVE","ErrorMessage":"The deployment was stopped because alarm check 'metrics' (HTTP 500"#))
            // The second host is Failed: its events after AfterInstall did not run (stopped).
            #expect(stopBody.contains(#""deploymentOverview":{"Failed":"1","InProgress":"0","Pending":"0","Skipped":"1","Succeeded":"1"}"#))
            let shown = try group.hoist(["show", stoppedID])
            let rows = shown.stdout.split(separator: "\n").filter { $0.hasPrefix("ops ") }
            #expect(rows.count == 3)
            #expect(rows.allSatisfy { $0.contains("Delivered") && $0.contains("\(receiver.url)/hook") })
            #expect(rows.last?.contains("DeploymentRollback") == true)
        }
    }
}
