import Foundation
import HoistCore
import HoistHistory
import Testing

@Suite struct HistoryRenderingTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let text = HistoryText(timeZone: utc, now: Fixture.time(3725))

    static let failed: DeploymentDetail = {
        var d = Fixture.deployment(2, application: "api", status: .failed)
        d.errorCode = .healthConstraints
        d.errorMessage = "too many individual instances failed"
        d.creator = .rollback
        d.rollbackOf = Fixture.id(1)
        let id = d.id
        let hosts = [
            HostRecord(deploymentID: id, host: "web-1", address: "10.0.0.1", status: .succeeded,
                       startTime: Fixture.time(121), endTime: Fixture.time(146)),
            HostRecord(deploymentID: id, host: "web-2", address: "10.0.0.2", status: .failed, errorCode: .scriptFailed,
                       message: "AfterInstall failed\nsecond line", startTime: Fixture.time(146), endTime: Fixture.time(151)),
        ]
        let events = [
            EventRecord(deploymentID: id, host: "web-1", event: .applicationStop, status: .succeeded, errorCode: .success,
                        startTime: Fixture.time(121), endTime: Fixture.time(121.4)),
            EventRecord(deploymentID: id, host: "web-1", event: .install, status: .succeeded, errorCode: .success,
                        startTime: Fixture.time(121.4), endTime: Fixture.time(145)),
            EventRecord(deploymentID: id, host: "web-2", event: .afterInstall, status: .failed, errorCode: .scriptFailed,
                        message: "exit status 3", scriptName: "scripts/migrate.sh",
                        startTime: Fixture.time(147), endTime: Fixture.time(151)),
            EventRecord(deploymentID: id, host: "web-2", event: .applicationStart, status: .skipped),
        ]
        return DeploymentDetail(deployment: d, hosts: hosts, events: events)
    }()

    static var running: DeploymentSummary {
        var d = Fixture.deployment(3, status: .inProgress)
        d.revisionSHA256 = nil
        return DeploymentSummary(deployment: d, hosts: [])
    }

    @Test func theListTable() {
        let failed = DeploymentSummary(deployment: Self.failed.deployment, hosts: Self.failed.hosts.map(\.host))
        #expect(Self.text.list([Self.running, failed]) == """
            ID           STATUS      APPLICATION/GROUP  REVISION                CREATOR                          STARTED              DURATION  HOSTS
            d-TEST00003  InProgress  web/production     web-3.tgz               alice@laptop                     2026-11-23 10:03:01  59m04s    0 ok, 0 failed
            d-TEST00002  Failed      api/production     web-2.tgz 222222222222  codeDeployRollback alice@laptop  2026-11-23 10:02:01  30s       1 ok, 1 failed

            """)
        #expect(Self.text.list([]) == "No deployments.\n")
        var fromGit = Self.running
        fromGit.deployment.revisionPath = "examples/webapp/"
        fromGit.deployment.revisionCommit = "3f9a1c2b7d4e+dirty"
        #expect(Self.text.list([fromGit]).contains("  webapp@3f9a1c2b7d4e+dirty  "))
        // An abandoned deployment's clock does not run on: nobody will write its end.
        var abandoned = Self.running
        abandoned.abandoned = "its coordinator, pid 4242 on this machine, is gone"
        #expect(Self.text.list([abandoned]).contains("  2026-11-23 10:03:01  -         0 ok, 0 failed"), "\(Self.text.list([abandoned]))")
    }

    @Test func theShowReport() {
        #expect(Self.text.show(Self.failed) == """
            Deployment   d-TEST00002
            Status       Failed  HEALTH_CONSTRAINTS: too many individual instances failed
            Application  api
            Group        production
            Revision     build/web-2.tgz  sha256:2222222222222222222222222222222222222222222222222222222222222222
            Config       CodeDeployDefault.OneAtATime  IN_PLACE  DISALLOW
            Creator      codeDeployRollback alice@laptop
            Rollback of  d-TEST00001
            Playbook     deploy/hoist.yml
            Created      2026-11-23 10:02:00
            Started      2026-11-23 10:02:01
            Ended        2026-11-23 10:02:31
            Duration     30s

            HOST / EVENT        STATUS     DURATION  ERROR
            web-1 (10.0.0.1)    Succeeded  25s
              ApplicationStop   Succeeded  0.4s
              Install           Succeeded  23s
            web-2 (10.0.0.2)    Failed     5.0s      ScriptFailed: AfterInstall failed
              AfterInstall      Failed     4.0s      ScriptFailed scripts/migrate.sh: exit status 3
              ApplicationStart  Skipped    -

            """)
    }

    /// A deployment shows what rolled it back or redeployed it, and a redeploy is called one.
    @Test func followUpsAndRedeploysAreNamed() throws {
        var failed = Self.failed
        failed.deployment.rollbackOf = nil
        failed.deployment.creator = .user
        var rollback = Fixture.deployment(5, status: .succeeded)
        rollback.creator = .rollback
        var redeploy = Fixture.deployment(6, status: .failed)
        redeploy.creator = .redeploy
        redeploy.rollbackOf = failed.deployment.id
        failed.followUps = [.init(rollback), .init(redeploy)]
        let text = Self.text.show(failed)
        #expect(text.contains("Rolled back by  d-TEST00005 (Succeeded)\n"), "\(text)")
        #expect(text.contains("Redeployed by   d-TEST00006 (Failed)\n"), "\(text)")
        #expect(!text.contains("Rollback of"), "\(text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try HistoryJSON.encode(failed).utf8)) as? [String: Any])
        let followUps = try #require(json["followUps"] as? [[String: Any]])
        #expect(followUps.map { $0["id"] as? String } == ["d-TEST00005", "d-TEST00006"])
        #expect(followUps.map { $0["creator"] as? String } == ["codeDeployRollback", "redeploy"])
        #expect(Self.text.show(DeploymentDetail(deployment: redeploy, hosts: [], events: [])).contains("Redeploy of  d-TEST00002\n"))
    }

    @Test func aLogLine() {
        let line = Fixture.line(Fixture.id(1), "web-2", .afterInstall, "  indented  text ", stream: .stderr)
        #expect(HistoryText.logLine(line) == "web-2 AfterInstall [stderr]   indented  text ")
    }

    @Test(arguments: [
        (0.0, "0.0s"), (0.46, "0.5s"), (9.94, "9.9s"), (9.96, "10s"), (10, "10s"), (59.9, "59s"), (60, "1m00s"),
        (3599, "59m59s"), (3600, "1h00m"), (90061, "25h01m"),
    ])
    func durations(_ seconds: Double, _ shown: String) {
        let text = HistoryText(timeZone: Self.utc, now: Fixture.time(seconds))
        #expect(text.list([DeploymentSummary(deployment: Fixture.deployment(1, status: .inProgress, created: -1), hosts: [])])
            .contains("  \(shown)  "))
    }

    @Test func listJSONHasPlainIdsISODatesAndHostTallies() throws {
        let failed = DeploymentSummary(deployment: Self.failed.deployment, hosts: Self.failed.hosts.map(\.host))
        let json = try HistoryJSON.encode([failed])
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        let object = try #require(objects.first)
        #expect(object["id"] as? String == "d-TEST00002")
        #expect(object["rollbackOf"] as? String == "d-TEST00001")
        #expect(object["createTime"] as? String == "2026-11-23T10:02:00Z")
        #expect(object["status"] as? String == "Failed")
        #expect(object["errorCode"] as? String == "HEALTH_CONSTRAINTS")
        #expect(object["hostsSucceeded"] as? Int == 1)
        #expect(object["hostsFailed"] as? Int == 1)
        #expect(object["description"] == nil)
    }

    @Test func showJSONNestsEventsUnderHostsAndDecodesBack() throws {
        let json = try HistoryJSON.encode(Self.failed)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let hosts = try #require(object["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["host"] as? String } == ["web-1", "web-2"])
        #expect((hosts[1]["events"] as? [[String: Any]])?.map { $0["event"] as? String } == ["AfterInstall", "ApplicationStart"])

        struct Shape: Decodable { var deployment: DeploymentRecord; var hosts: [HostRecord] }
        let decoded = try HistoryJSON.decoder().decode(Shape.self, from: Data(json.utf8))
        #expect(decoded.deployment == Self.failed.deployment)
        #expect(decoded.hosts == Self.failed.hosts.map(\.host))
    }
}
