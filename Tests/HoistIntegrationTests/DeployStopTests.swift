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
            let (graceful, now) = try await Self.ctrlCTwice(running)
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(graceful && now)
            #expect(output.stderr.contains("hoist: stopping now: killing running hooks, unpacking and Install, and stopping uploads."), "\(output.stderr)")
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
    /// The host's `cat` (a program first on the PATH that root's .bashrc, which bash reads for
    /// ssh commands, sets; the upload runs in `sh`, which keeps that PATH), when it writes the
    /// upload's temporary file, waits for the test's cue, so the upload is certainly in the
    /// middle when it is stopped, and after it lets the bytes through at about 1.3 MB/s, so
    /// that the coordinator (which may take a moment on a busy machine to act on the Ctrl-C it
    /// has acknowledged) could only finish the 64 MB by ignoring the stop for most of a minute.
    @Test(.timeLimit(.minutes(10)))
    func aSecondCtrlCStopsAnUploadInFlight() async throws {
        try await DeployScenario.with("ctrlcup", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let cue = "/etc/hoist-test/\(s.application).go", uploading = "\(s.observations)/uploading"
            // Only this test's uploads wait: the traffic tests may deploy to this host meanwhile.
            let slowCat = "/opt/hoist-slow-cat/\(s.application)"
            try s.put(host, "\(slowCat)/cat", """
                #!/bin/sh
                case "$(readlink /proc/$$/fd/1)" in \(s.groupDir)/*/.bundle.tar.hoist-*)
                  mkdir -p \(s.observations) && touch \(uploading)
                  while [ ! -e \(cue) ]; do sleep 0.05; done
                  exec perl -e '$| = 1; while (read(STDIN, my $b, 65536)) { print $b; select(undef, undef, undef, 0.05) }'
                esac
                exec /usr/bin/cat "$@"

                """)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: s.url(host, "\(slowCat)/cat").path)
            try s.put(host, "/root/.bashrc", "PATH=\(slowCat):$PATH; export PATH\n")
            defer {
                try? FileManager.default.removeItem(at: s.url(host, "/root/.bashrc"))
                try? FileManager.default.removeItem(at: s.url(host, slowCat))
            }
            var revision = Revision()
            // Far more than the channel's window and the sockets' buffers hold.
            revision.install("www/big.txt", String(repeating: "0123456789abcdef", count: 4 << 20), to: "/srv/\(s.application)")
            guard let running = try await Self.startUntilWaiting(s, revision, marker: uploading, what: "the upload") else { return }
            let (graceful, now) = try await Self.ctrlCTwice(running)
            // The host's cat may go on now, slowly; the coordinator stops sending once it acts on the stop.
            try s.put(host, cue, "")
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(graceful && now, "\(output.stderr)")
            Self.expectStoppedAtOnce(outcome, host, in: "DownloadBundle", "the upload was stopped: the deployment was stopped immediately",
                                     then: "BeforeInstall")
            let dir = "\(s.groupDir)/\(outcome.deploymentID)"
            let left = (try? FileManager.default.contentsOfDirectory(atPath: s.url(host, dir).path)) ?? []
            // hoist's stderr says what the stopped upload did (its removal of the partial file).
            #expect(!left.contains { $0.hasSuffix(".tmp") || $0 == "bundle.tar" }, "no partial bundle: \(left)\n\(output.stderr)")
            #expect(!s.exists(host, "/srv/\(s.application)/big.txt"))
            // The lock was released: the next deployment runs.
            try FileManager.default.removeItem(at: s.url(host, "/root/.bashrc"))
            let again = try await s.deploy(try s.revision("v2", revision))
            #expect(again.status == 0, "\(again.description)")
            #expect(s.exists(host, "/srv/\(s.application)/big.txt"))
        }
    }

    /// The second Ctrl-C kills a running Install with its process group, as it kills hooks.
    /// The host's `cp` is a wrapper (first on the PATH that `.bashrc` gives the session) that
    /// never ends for this test's destination, so only a kill ends this Install; the next
    /// deployment installs over what the killed one left.
    @Test(.timeLimit(.minutes(10)))
    func aSecondCtrlCKillsARunningInstall() async throws {
        try await DeployScenario.with("ctrlcins", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let copying = "\(s.observations)/copying", bin = "/root/slow-cp-\(s.application)"
            let marker = "hoist-slow-cp-\(s.application)"
            try s.put(host, "\(bin)/cp", """
                #!/bin/sh
                case "$*" in *" /srv/\(s.application)"*)
                  touch \(copying)
                  exec sh -c 'sleep 3000' \(marker) ;;
                esac
                exec /usr/bin/cp "$@"

                """)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: s.url(host, "\(bin)/cp").path)
            try s.put(host, "/root/.bashrc", "export PATH=\(bin):$PATH\n")
            defer { try? FileManager.default.removeItem(at: s.url(host, "/root/.bashrc")) }
            var revision = Revision()
            revision.install("www/index.html", "v1", to: "/srv/\(s.application)")
            revision.observe(["AfterInstall"])
            guard let running = try await Self.startUntilWaiting(s, revision, marker: copying, what: "Install's copy") else { return }
            let (graceful, now) = try await Self.ctrlCTwice(running)
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(graceful && now, "\(output.stderr)")
            Self.expectStoppedAtOnce(outcome, host, in: "Install", "Install was stopped: the deployment was stopped immediately",
                                     then: "AfterInstall")
            #expect(s.observedLines(host, "order").isEmpty, "no hook ran after Install")
            let pattern = String(marker.dropLast()) + "[\(marker.last!)]"
            let search = try FleetControl.exec(host, "pgrep -f -a '\(pattern)'")
            #expect(search.status == 1, "Install's processes are gone: \(search.stdout)")

            try FileManager.default.removeItem(at: s.url(host, "/root/.bashrc"))
            var next = Revision()
            next.install("www/index.html", "v2", to: "/srv/\(s.application)")
            let again = try await s.deploy(try s.revision("v2", next))
            #expect(again.status == 0, "\(again.description)")
            #expect(s.read(host, "/srv/\(s.application)/index.html") == "v2")
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
            guard await eventually(within: 600, { s.exists(host, "\(s.observations)/waiting") }) else {
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

    /// Starts deploying `revision` and waits (generously) until the first host has `marker`
    /// (by default the hook's `waiting`). Nil, with an issue recorded, when it never came.
    static func startUntilWaiting(_ s: DeployScenario, _ revision: Revision, marker: String? = nil,
                                  what: String = "the first host's hook") async throws -> RunningHoist? {
        let running = try s.startDeploy(try s.revision("v1", revision))
        if await eventually(within: 600, { s.exists(s.names[0], marker ?? "\(s.observations)/waiting") }) { return running }
        running.send(SIGKILL)
        Issue.record("\(what) never started: \(running.finish().stderr)")
        return nil
    }

    /// A deployment the second Ctrl-C stopped in `event` on `host`: exit 4, Stopped, the event
    /// failed with `message`, and the next event skipped.
    static func expectStoppedAtOnce(_ outcome: DeployOutcome, _ host: String, in event: String, _ message: String,
                                    then next: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 4, "\(outcome.description)", sourceLocation: sourceLocation)
        #expect(outcome.deploymentStatus == "Stopped", sourceLocation: sourceLocation)
        let stopped = outcome.event(host, event)
        #expect(stopped?["status"] as? String == "Failed", "\(stopped ?? [:])", sourceLocation: sourceLocation)
        #expect(stopped?["message"] as? String == message, sourceLocation: sourceLocation)
        #expect(outcome.eventStatus(host, next) == "Skipped", sourceLocation: sourceLocation)
    }

    /// Ctrl-C twice, the second once the first was acknowledged; whether each was.
    static func ctrlCTwice(_ running: RunningHoist) async throws -> (graceful: Bool, now: Bool) {
        running.send(SIGINT)
        let graceful = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping:", seconds: 600) }
        running.send(SIGINT)
        let now = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping now", seconds: 600) }
        return (graceful, now)
    }
}
