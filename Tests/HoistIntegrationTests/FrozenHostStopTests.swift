import Foundation
import HoistTestSupport
import Testing

/// A second Ctrl-C while a host's sshd is frozen (SIGSTOP) before its hook's first line left
/// it: the coordinator does not know the hook's process group, and the host answers nothing.
/// The stop gives the host up after the kill grace and 5 s, as it does a host frozen mid-hook;
/// it waited for the first line, and so for the connection to be declared dead (35 s).
@Suite("Deploy: an immediate stop and a host frozen before its hook's first line")
struct FrozenHostStopTests {
    /// The frozen host runs hooks in the sh wrapper (perl hidden), whose first program,
    /// `mkfifo`, comes before its first line: a stand-in first on the PATH freezes every sshd
    /// of the host (its own PID namespace) there, once, so the line is never sent.
    @Test(.timeLimit(.minutes(10)))
    func aSecondCtrlCGivesUpAHostFrozenBeforeItsHooksFirstLine() async throws {
        try await DeployScenario.with("frozen1st", hosts: 2) { s in
            try s.writePlaybook(config: "AllAtOnce")
            let (live, frozen) = (s.names[0], s.names[1])
            let froze = "\(s.observations)/froze"
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/wait.sh", body: Revision.waitForCue(tenths: 6000), timeout: 3600)
            try await HostOutages.withHiddenPrograms(["perl"], on: frozen) {
                let shim = FleetControl.url(frozen, "/opt/hoist-hidden-programs/mkfifo")
                try FileManager.default.removeItem(at: shim)
                try """
                    #!/bin/sh
                    if mkdir \(froze) 2>/dev/null; then /usr/bin/pkill -STOP sshd; fi
                    exec /usr/bin/mkfifo "$@"

                    """.write(to: shim, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path)
                defer {
                    _ = try? FleetControl.exec(frozen, "pkill -CONT sshd")
                    try? s.put(frozen, "/etc/hoist-test/\(s.application).go", "")
                }
                guard let running = try await DeployStopTests.startUntilWaiting(s, revision) else { return }
                let isFrozen = await eventually(within: 600) { s.exists(frozen, froze) }
                let (graceful, now) = try await DeployStopTests.ctrlCTwice(running)
                let stoppedAt = Date()
                let output = try await DeployScenario.offThePool { running.finish() }
                print("FrozenHostStopTests: exit \(Date().timeIntervalSince(stoppedAt)) s after the second Ctrl-C was acknowledged")
                try s.put(live, "/etc/hoist-test/\(s.application).go", "")
                let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

                #expect(isFrozen && graceful && now, "\(output.stderr)")
                #expect(outcome.status == 4, "\(outcome.description)")
                #expect(outcome.deploymentStatus == "Stopped")
                #expect((outcome.event(live, "AfterInstall")?["message"] as? String)?.contains("was killed: the deployment was stopped immediately") == true)
                let event = outcome.event(frozen, "AfterInstall")
                #expect(event?["status"] as? String == "Failed")
                #expect(event?["message"] as? String == "Script at specified location: scripts/wait.sh was stopped: the deployment was stopped immediately, "
                    + "but \(frozen) did not answer the kill within 10 s; the script may still be running there: check the host", "\(event ?? [:])")
            }
        }
    }
}
