import Foundation
import HoistTestSupport
import Testing

/// The lifecycle as hooks on real hosts see it: which revision's ApplicationStop runs, the
/// order of events, the environment, the working directory and the user.
@Suite("Deploy: the lifecycle as hooks see it on the fleet")
struct DeployLifecycleTests {
    static let scripted = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]
    static let lifecycle = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService"]

    @Test func applicationStopRunsTheLastSuccessfulRevisionsScript() async throws {
        try await DeployScenario.with("stop", hosts: 2) { s in
            try s.writePlaybook(config: "AllAtOnce")
            func revision(_ version: String) throws -> String {
                var r = Revision()
                r.hook("ApplicationStop", "scripts/stop.sh", body: "echo stop-from-\(version) >>/srv/obs/$APPLICATION_NAME/stop")
                // The host's last successful revision, for hooks that compare or copy from it.
                r.hook("BeforeInstall", "scripts/previous.sh", body: "echo \"${HOIST_PREVIOUS_DEPLOYMENT_DIR:-none}\" >>/srv/obs/$APPLICATION_NAME/previous")
                return try s.revision(version, r)
            }
            let first = try await s.deploy(try revision("v1"))
            #expect(first.status == 0, "\(first.description)")
            for host in s.names {
                let stop = first.event(host, "ApplicationStop")
                // CodeDeploy's first deployment: a no-op that succeeds.
                #expect(stop?["status"] as? String == "Succeeded", "first deployment: no earlier revision")
                #expect((stop?["message"] as? String)?.hasPrefix("no scripts: first deployment of this group on this host") == true, "\(stop ?? [:])")
                #expect(s.read(host, "\(s.observations)/stop") == nil)
            }

            let second = try await s.deploy(try revision("v2"))
            #expect(second.status == 0, "\(second.description)")
            for host in s.names {
                #expect(second.eventStatus(host, "ApplicationStop") == "Succeeded")
                #expect(s.observedLines(host, "stop") == ["stop-from-v1"])
                #expect(s.observedLines(host, "previous") == ["none", "\(s.groupDir)/\(first.deploymentID)"])
                let started = second.of("event_started").first { $0["host"] as? String == host && $0["event"] as? String == "ApplicationStop" }
                #expect(started?["scripts_from"] as? String == "\(s.groupDir)/\(first.deploymentID)/deployment-archive")
            }
        }
    }

    /// `location: /scripts/...` names a script in the bundle, as the CodeDeploy agent joins it
    /// to the revision root; public AppSpecs written so deploy unchanged, ApplicationStop
    /// (run from the previous revision) included.
    @Test func aLeadingSlashLocationRunsTheBundlesScript() async throws {
        try await DeployScenario.with("slash", hosts: 1) { s in
            try s.writePlaybook(config: "AllAtOnce")
            var r = Revision()
            r.script("scripts/codedeploy/stop.sh", "echo stop >>/srv/obs/$APPLICATION_NAME/ran")
            r.script("scripts/codedeploy/start.sh", "echo start >>/srv/obs/$APPLICATION_NAME/ran")
            r.hook("ApplicationStop", "/scripts/codedeploy/stop.sh")
            r.hook("ApplicationStart", "/scripts/codedeploy/start.sh")
            let path = try s.revision("v1", r)
            let first = try await s.deploy(path)
            #expect(first.status == 0, "\(first.description)")
            let second = try await s.deploy(path)
            #expect(second.status == 0, "\(second.description)")
            #expect(s.observedLines(s.names[0], "ran") == ["start", "stop", "start"])
        }
    }

    /// A host that could not keep its own record of the deployment says so (it went silent as
    /// the record was written): it was shown Succeeded, and `show --refresh` later said it had
    /// never received the deployment.
    @Test func aHostRecordThatCannotBeWrittenIsSaid() async throws {
        try await DeployScenario.with("norecord", hosts: 1) { s in
            try s.writePlaybook()
            var r = Revision()
            // The record is written to deployment.json.tmp, then renamed: a folder there stops it.
            r.hook("ValidateService", "scripts/block.sh", body: "mkdir -p \"$HOIST_DEPLOYMENT_DIR/deployment.json.tmp\"")
            let out = try await s.deploy(try s.revision("v1", r))
            #expect(out.status == 0, "\(out.description)")
            #expect(out.stderr.contains("hoist: warning: \(s.names[0]) kept no record of \(out.deploymentID)"), "\(out.stderr)")
        }
    }

    /// "Last successful" means the last revision whose Install succeeded, even if the
    /// deployment then failed (CodeDeploy writes the pointer right after Install).
    @Test func aRevisionThatFailedAfterInstallSuppliesTheNextApplicationStop() async throws {
        try await DeployScenario.with("afterinstall", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            func revision(_ version: String, failValidate: Bool = false) throws -> String {
                var r = Revision()
                r.hook("ApplicationStop", "scripts/stop.sh", body: "echo stop-from-\(version) >>/srv/obs/$APPLICATION_NAME/stop")
                r.hook("ValidateService", "scripts/validate.sh", body: failValidate ? "exit 1" : "true")
                return try s.revision(version, r)
            }
            let first = try await s.deploy(try revision("v1"))
            let failed = try await s.deploy(try revision("v2", failValidate: true))
            let third = try await s.deploy(try revision("v3"))
            #expect(first.status == 0, "\(first.description)")
            #expect(failed.status == 3, "\(failed.description)")
            #expect(failed.event(host, "ValidateService")?["error_code"] as? String == "ScriptFailed")
            #expect(third.status == 0, "\(third.description)")
            #expect(s.observedLines(host, "stop") == ["stop-from-v1", "stop-from-v2"])
        }
    }

    @Test func aBrokenApplicationStopIsPassedWithIgnoreApplicationStopFailures() async throws {
        try await DeployScenario.with("stopfail", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var broken = Revision()
            broken.hook("ApplicationStop", "scripts/stop.sh", body: "echo 'the old stop script is broken' >&2; exit 5")
            var fixed = Revision()
            fixed.hook("ApplicationStop", "scripts/stop.sh", body: "echo stop-from-fixed >>/srv/obs/$APPLICATION_NAME/stop")
            fixed.observe(["ValidateService"])
            let fixedPath = try s.revision("fixed", fixed)

            let first = try await s.deploy(try s.revision("broken", broken))
            #expect(first.status == 0, "\(first.description)")

            let blocked = try await s.deploy(fixedPath)
            #expect(blocked.status == 3, "\(blocked.description)")
            #expect(blocked.event(host, "ApplicationStop")?["error_code"] as? String == "ScriptFailed")
            #expect(!blocked.eventStarted(host, "DownloadBundle"), "nothing runs after the failed ApplicationStop")
            #expect(blocked.eventStatus(host, "DownloadBundle") == "Skipped")

            let passed = try await s.deploy(fixedPath, "--ignore-application-stop-failures")
            #expect(passed.status == 0, "\(passed.description)")
            #expect(passed.eventStatus(host, "ApplicationStop") == "Failed", "the event still reports its failure")
            #expect(passed.hostStatuses[host] == "Succeeded")
            #expect(s.observed(host, "ValidateService")["DEPLOYMENT_ID"] == passed.deploymentID)

            let next = try await s.deploy(fixedPath)
            #expect(next.status == 0, "the fixed revision's own stop script runs now: \(next.description)")
            #expect(s.observedLines(host, "stop") == ["stop-from-fixed"])
        }
    }

    @Test func hooksSeeCodeDeploysEnvironmentInOrderFromTheRevisionRoot() async throws {
        try await DeployScenario.with("env", hosts: 1) { s in
            try s.writePlaybook(config: "OneAtATime")
            var revision = Revision()
            revision.observe(Self.scripted, runas: ["AfterInstall": "appuser"])
            let path = try s.revision("v1", revision)
            let host = s.names[0]
            let first = try await s.deploy(path)
            #expect(first.status == 0, "\(first.description)")
            let firstOrder = s.observedLines(host, "order")
            try FileManager.default.removeItem(at: s.url(host, "\(s.observations)/order"))

            let second = try await s.deploy(path)
            #expect(second.status == 0, "\(second.description)")
            #expect(firstOrder == Array(Self.scripted.dropFirst()), "the first deployment has no ApplicationStop to run")
            #expect(s.observedLines(host, "order") == Self.scripted)
            let reported = second.of("event_finished").filter { $0["host"] as? String == host }.compactMap { $0["event"] as? String }
            #expect(reported == Self.lifecycle)

            let id = second.deploymentID
            let root = "\(s.groupDir)/\(id)/deployment-archive"
            for event in Self.scripted {
                let seen = s.observed(host, event)
                #expect(seen["LIFECYCLE_EVENT"] == event)
                #expect(seen["DEPLOYMENT_ID"] == id)
                #expect(seen["APPLICATION_NAME"] == s.application)
                #expect(seen["DEPLOYMENT_GROUP_NAME"] == s.group)
                #expect(seen["DEPLOYMENT_GROUP_ID"] == s.groupID)
                #expect(seen["HOIST_HOST"] == host)
                #expect(seen["HOIST_REVISION_SHA256"] == second.revisionSHA256)
                #expect(seen["HOIST_REVISION"] == path)
                #expect(seen["HOIST_DEPLOYMENT_DIR"] == "\(s.groupDir)/\(id)")
                #expect(seen["HOIST_DEPLOYMENT_CREATOR"] == "user")
                // ApplicationStop runs the previous revision's script, from that revision's root.
                let expectedRoot = event == "ApplicationStop" ? "\(s.groupDir)/\(first.deploymentID)/deployment-archive" : root
                #expect(seen["pwd"] == expectedRoot, "\(event) runs in the revision root")
                #expect(seen["user"] == (event == "AfterInstall" ? "appuser" : "root"), "\(event) runs as its runas user")
            }
        }
    }
}
