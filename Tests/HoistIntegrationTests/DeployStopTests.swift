import Foundation
import HoistTestSupport
import Testing

/// Ctrl-C during a deployment: the running hook finishes, nothing new starts, exit code 4.
@Suite("Deploy: Ctrl-C on the fleet")
struct DeployStopTests {
    @Test func ctrlCLetsTheRunningHookFinishAndStartsNothingNew() async throws {
        try await DeployScenario.with("ctrlc", hosts: 3) { s in
            try s.writePlaybook(config: "OneAtATime")
            let first = s.names[0]
            let flag = "/etc/hoist-test/\(s.application).go"
            var revision = Revision()
            // Waits (at most a minute) for the test's flag, so the test decides when it ends.
            revision.hook("AfterInstall", "scripts/wait.sh", body: Revision.waitForCue(tenths: 6000) + "\necho finished >>/srv/obs/$APPLICATION_NAME/finished",
                          timeout: 120)
            revision.observe(["ApplicationStart"])
            guard let running = try await Self.startUntilWaiting(s, revision) else { return }
            running.send(SIGINT)
            let noticed = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping", seconds: 600) }
            try s.put(first, flag, "")
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(noticed, "hoist said it is stopping: \(output.stderr)")
            #expect(outcome.status == 4, "\(outcome.description)")
            #expect(outcome.deploymentStatus == "Stopped")
            #expect(outcome.deploymentErrorCode == "MANUAL_STOP")
            #expect(outcome.eventStatus(first, "AfterInstall") == "Succeeded", "the running hook finished")
            #expect(s.observedLines(first, "finished") == ["finished"])
            #expect(!outcome.eventStarted(first, "ApplicationStart"), "no new event started")
            let skipped = outcome.event(first, "ApplicationStart")
            #expect(skipped?["status"] as? String == "Skipped")
            #expect(skipped?["message"] as? String == "the deployment was stopped")
            #expect(s.observedLines(first, "order").isEmpty)
            #expect(outcome.startedHosts == [first], "no new host started")
            for host in s.names.dropFirst() {
                #expect(outcome.hostStatuses[host] == "Skipped")
                #expect(s.deploymentDirs(host).isEmpty)
            }
            let history = try s.show(outcome.deploymentID)
            #expect((history["deployment"] as? [String: Any])?["status"] as? String == "Stopped")
        }
    }

    // Generous for a busy machine, far below the hook's sleep, which only a hook that was
    // not killed would reach.
    @Test(.timeLimit(.minutes(10)))
    func aSecondCtrlCKillsTheRunningHook() async throws {
        try await DeployScenario.with("ctrlc2", hosts: 2) { s in
            try s.writePlaybook(config: "OneAtATime")
            let first = s.names[0]
            let marker = "hoist-killed-by-ctrl-c-\(s.application)"
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/hang.sh", body: """
                touch /srv/obs/$APPLICATION_NAME/waiting
                exec sh -c 'sleep 3000' \(marker)
                """, timeout: 3600)
            guard let running = try await Self.startUntilWaiting(s, revision) else { return }
            running.send(SIGINT)
            let graceful = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping:", seconds: 600) }
            running.send(SIGINT)
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(graceful)
            #expect(output.stderr.contains("hoist: stopping now: killing running hooks and stopping uploads."), "\(output.stderr)")
            #expect(outcome.status == 4, "\(outcome.description)")
            #expect(outcome.deploymentStatus == "Stopped")
            let event = outcome.event(first, "AfterInstall")
            #expect(event?["status"] as? String == "Failed")
            #expect((event?["message"] as? String)?.contains("was killed: the deployment was stopped immediately") == true, "\(event ?? [:])")
            #expect(outcome.hostStatuses[s.names[1]] == "Skipped")
            let pattern = String(marker.dropLast()) + "[\(marker.last!)]"
            let search = try FleetControl.exec(first, "pgrep -f -a '\(pattern)'")
            #expect(search.status == 1, "the hook's processes are gone: \(search.stdout)")
        }
    }
}

extension DeployStopTests {
    /// A second Ctrl-C during an upload (a large revision on a slow link) stops the upload as
    /// it kills a running hook: DownloadBundle fails, and the host keeps no partial bundle.
    /// The host's `tee` (a function in root's .bashrc, which bash reads for ssh commands)
    /// waits for the test's cue, so the upload is certainly in the middle when it is stopped,
    /// and after it lets the bytes through at about 1.3 MB/s, so that the coordinator (which
    /// may take a moment on a busy machine to act on the Ctrl-C it has acknowledged) could
    /// only finish the 64 MB by ignoring the stop for most of a minute.
    @Test(.timeLimit(.minutes(10)))
    func aSecondCtrlCStopsAnUploadInFlight() async throws {
        try await DeployScenario.with("ctrlcup", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let cue = "/etc/hoist-test/\(s.application).go", uploading = "\(s.observations)/uploading"
            // Only this test's uploads wait: the traffic tests may deploy to this host meanwhile.
            try s.put(host, "/root/.bashrc", """
                tee() {
                  case "$1" in \(s.groupDir)/*)
                    mkdir -p \(s.observations) && touch \(uploading)
                    while [ ! -e \(cue) ]; do sleep 0.05; done
                    perl -e '$| = 1; while (read(STDIN, my $b, 65536)) { print $b; select(undef, undef, undef, 0.05) }' | command tee "$@"
                    return ;;
                  esac
                  command tee "$@"
                }

                """)
            defer { try? FileManager.default.removeItem(at: s.url(host, "/root/.bashrc")) }
            var revision = Revision()
            // Far more than the channel's window and the sockets' buffers hold.
            revision.install("www/big.txt", String(repeating: "0123456789abcdef", count: 4 << 20), to: "/srv/\(s.application)")
            let running = try s.startDeploy(try s.revision("v1", revision))
            guard try await poll(seconds: 600, { s.exists(host, uploading) }) else {
                running.send(SIGKILL)
                Issue.record("the upload never started: \(running.finish().stderr)")
                return
            }
            running.send(SIGINT)
            let graceful = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping:", seconds: 600) }
            running.send(SIGINT)
            let now = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping now", seconds: 600) }
            // The host's tee may go on now, slowly; the coordinator stops sending once it acts on the stop.
            try s.put(host, cue, "")
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(graceful && now, "\(output.stderr)")
            #expect(outcome.status == 4, "\(outcome.description)")
            #expect(outcome.deploymentStatus == "Stopped")
            let download = outcome.event(host, "DownloadBundle")
            #expect(download?["status"] as? String == "Failed", "\(download ?? [:])")
            #expect(download?["message"] as? String == "the upload was stopped: the deployment was stopped immediately")
            #expect(outcome.eventStatus(host, "BeforeInstall") == "Skipped")
            let dir = "\(s.groupDir)/\(outcome.deploymentID)"
            let left = (try? FileManager.default.contentsOfDirectory(atPath: s.url(host, dir).path)) ?? []
            #expect(!left.contains { $0.hasSuffix(".tmp") || $0 == "bundle.tar" }, "no partial bundle: \(left)")
            #expect(!s.exists(host, "/srv/\(s.application)/big.txt"))
            // The lock was released: the next deployment runs.
            try FileManager.default.removeItem(at: s.url(host, "/root/.bashrc"))
            let again = try await s.deploy(try s.revision("v2", revision))
            #expect(again.status == 0, "\(again.description)")
            #expect(s.exists(host, "/srv/\(s.application)/big.txt"))
        }
    }

    /// `hoist stop ID` of an automatic rollback: the rollback runs under the lock of the
    /// deployment it rolls back, so the request goes through that deployment's lock.
    @Test func stopReachesAnAutomaticRollback() async throws {
        try await DeployScenario.with("stoprb", hosts: 1) { s in
            try s.writePlaybook(extra: "auto_rollback: {on_failure: true}")
            let host = s.names[0]
            var good = Revision()
            // Waits for the test's flag only while the hold file exists: in the rollback.
            good.hook("AfterInstall", "scripts/wait.sh", body: "[ -e /etc/hoist-test/$APPLICATION_NAME.hold ] || exit 0\n" + Revision.waitForCue(tenths: 6000),
                      timeout: 120)
            let first = try await s.deploy(try s.revision("v1", good))
            try #require(first.status == 0, "\(first.description)")
            var bad = Revision()
            bad.hook("BeforeInstall", "scripts/fail.sh", body: "exit 1")
            try s.put(host, "/etc/hoist-test/\(s.application).hold", "")
            let running = try s.startDeploy(try s.revision("v2", bad))
            guard try await poll(seconds: 600, { s.exists(host, "\(s.observations)/waiting") }) else {
                running.send(SIGKILL)
                Issue.record("the rollback's hook never started: \(running.finish().stderr)")
                return
            }
            let environment = s.environment
            let list = try await HoistBinary.runDetached(["list", "--db", s.db, "--json"], environment: environment)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
            let rollback = try #require(rows.first { $0["creator"] as? String == "codeDeployRollback" }, "\(list.stdout)")
            let rollbackID = try #require(rollback["id"] as? String), failedID = try #require(rollback["rollbackOf"] as? String)
            let stop = try await HoistBinary.runDetached(["stop", rollbackID, "--db", s.db], environment: environment)
            // The coordinator reads the request at its next heartbeat; the hook ends after that.
            let noticed = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping", seconds: 600) }
            try s.put(host, "/etc/hoist-test/\(s.application).go", "")
            let output = try await DeployScenario.offThePool { running.finish() }

            #expect(stop.status == 0, "\(stop.stderr)")
            #expect(noticed, "the rollback's coordinator heard the stop: \(output.stderr)")
            #expect(stop.stdout.contains("asked \(rollbackID) (it runs under the lock of \(failedID), which it rolls back) to stop"), "\(stop.stdout)")
            let history = try s.show(rollbackID)
            #expect((history["deployment"] as? [String: Any])?["status"] as? String == "Stopped", "\(output.stdout.suffix(2000))")
        }
    }

    /// Starts `hoist deploy` and returns once the first host's hook has touched
    /// `<observations>/waiting`; nil (with an issue recorded) when it never does.
    static func startUntilWaiting(_ s: DeployScenario, _ revision: Revision) async throws -> RunningHoist? {
        let running = try s.startDeploy(try s.revision("v1", revision))
        if try await poll(seconds: 600, { s.exists(s.names[0], "\(s.observations)/waiting") }) { return running }
        running.send(SIGKILL)
        Issue.record("the first host's hook never started: \(running.finish().stderr)")
        return nil
    }
}

/// Checks `condition` every 50 ms until it holds or `seconds` pass; whether it held.
func poll(seconds: Double, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { return false }
        try await Task.sleep(for: .milliseconds(50))
    }
    return true
}
