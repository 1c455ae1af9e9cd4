import Foundation
import HoistTestSupport
import Testing

/// `hoist local --playbook`: the playbook's triggers and alarm checks on a local run, as the
/// built binary does them, with a webhook receiver on 127.0.0.1.
@Suite struct LocalSignalsTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("hoist-local-signals")
    }

    /// A revision whose ValidateService runs `validate`.
    func revision(validate: String = "exit 0") throws -> String {
        try scratch.write("rev/appspec.yml", """
            version: 0.0
            os: linux
            hooks:
              ValidateService:
                - location: validate.sh
            """)
        try scratch.write("rev/validate.sh", "#!/bin/sh\n\(validate)\n", mode: 0o755)
        return scratch.file("rev")
    }

    func playbook(_ body: String) throws -> String {
        try scratch.write("pb.yml", "application: shop\ndeployment_group: web\ninventory: none.yml\n" + body)
    }

    func local(_ arguments: [String], environment: [String: String] = [:]) async throws -> HoistBinary.Output {
        try await HoistBinary.runDetached(["local"] + arguments + ["--deployment-root", scratch.file("root"), "--application", "shop"],
                                          environment: ["HOME": scratch.path, "XDG_CACHE_HOME": scratch.file("cache")].merging(environment) { $1 })
    }

    @Test func triggersHearTheLocalRunSigned() async throws {
        let receiver = try LoopbackHTTPServer()
        defer { receiver.stop() }
        let pb = try playbook("""
            triggers:
              - {name: hook, webhook: "\(receiver.url)/in", secret_env: LOCAL_SECRET, timeout: 120}
            """)
        let out = try await local([try revision(), "--playbook", pb], environment: ["LOCAL_SECRET": "k"])
        #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
        let requests = receiver.requests
        #expect(requests.compactMap { $0.headers["x-hoist-event"] } == ["DeploymentStart", "InstanceStart", "InstanceSuccess", "DeploymentSuccess"])
        #expect(requests.allSatisfy { $0.headers["x-hoist-signature-256"]?.hasPrefix("sha256=") == true })
        #expect(requests[2].body.contains(#""instanceId":"localhost","#))
        #expect(out.stdout.contains("trigger hook DeploymentSuccess: Delivered"))
    }

    @Test func aMissingSecretIsInvalidInputBeforeAnythingRuns() async throws {
        let pb = try playbook("""
            triggers:
              - {name: hook, webhook: "http://127.0.0.1:9/in", secret_env: LOCAL_SECRET_NOT_SET}
            """)
        let marker = scratch.file("ran")
        let out = try await local([try revision(validate: "touch '\(marker)'"), "--playbook", pb])
        #expect(out.status == 2)
        #expect(out.stderr.contains("pb.yml:5:64: error: triggers[0].secret_env: the environment variable LOCAL_SECRET_NOT_SET is not set"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func anAlarmStopsTheLocalRun() async throws {
        // ValidateService turns the check to ALARM, then waits until the check has failed and
        // been polled again (so the failure was acted on): the stop lands mid-run.
        let flag = scratch.file("alarm-on"), fails = scratch.file("fails")
        let pb = try playbook("""
            alarms:
              checks:
                - {name: errors, command: "if [ -e '\(flag)' ]; then echo x >> '\(fails)'; exit 1; fi", timeout: 120}
              interval: 0.2
            """)
        let validate = "touch '\(flag)'; i=0; while [ \"$(cat '\(fails)' 2>/dev/null | wc -l)\" -lt 2 ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done"
        let out = try await local([try revision(validate: validate), "--playbook", pb, "--events", "ValidateService,AfterAllowTraffic"])
        #expect(out.status == 4, "\(out.stdout)\n\(out.stderr)")
        #expect(out.stdout.contains("alarm errors OK (was INSUFFICIENT_DATA): exit 0"))
        #expect(out.stdout.contains("alarm errors ALARM (was OK): exit status 1"))
        #expect(out.stdout.contains("Local deployment failed: The deployment was stopped because alarm check 'errors' (exit status 1) is in ALARM"))
    }

    @Test func anAlarmAlreadyFiringStopsTheRunBeforeAnythingRuns() async throws {
        let marker = scratch.file("ran")
        let pb = try playbook("""
            alarms:
              checks:
                - {name: errors, command: "echo 'error rate 12%' >&2; exit 1", timeout: 120}
            """)
        let out = try await local([try revision(validate: "touch '\(marker)'"), "--playbook", pb, "--json"])
        #expect(out.status == 4, "\(out.stdout)\n\(out.stderr)")
        let objects = out.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let alarm = try #require(objects.first { $0["type"] as? String == "alarm_changed" })
        #expect(alarm["check"] as? String == "errors")
        #expect(alarm["state"] as? String == "ALARM")
        #expect(alarm["previous"] as? String == "INSUFFICIENT_DATA")
        #expect(alarm["reason"] as? String == "exit status 1: error rate 12%")
        let finished = try #require(objects.first { $0["type"] as? String == "deployment_finished" })
        #expect(finished["status"] as? String == "Stopped")
        #expect(finished["error_code"] as? String == "ALARM_ACTIVE")
        #expect(!objects.contains { $0["type"] as? String == "event_started" }, "no lifecycle event started")
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
