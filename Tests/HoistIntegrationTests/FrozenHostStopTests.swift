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
    /// of the host (its own PID namespace) there, once, so the line is never sent. It waits
    /// for the test's cue first, given once the other host's hook runs and the first Ctrl-C
    /// was acknowledged, so that the second Ctrl-C comes right after the freeze however slowly
    /// a busy machine starts the hooks: the give-up (10 s after the stop) must come before the
    /// connection is declared dead (35 s after the freeze).
    @Test(.timeLimit(.minutes(10)))
    func aSecondCtrlCGivesUpAHostFrozenBeforeItsHooksFirstLine() async throws {
        try await DeployScenario.with("frozen1st", hosts: 2) { s in
            try s.writePlaybook(config: "AllAtOnce")
            let (live, frozen) = (s.names[0], s.names[1])
            let (atFirstProgram, froze) = ("\(s.observations)/at-mkfifo", "\(s.observations)/froze")
            let freeze = "/etc/hoist-test/\(s.application).freeze"
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/wait.sh", body: Revision.waitForCue(tenths: 6000), timeout: 3600)
            try await HostOutages.withHiddenPrograms(["perl"], on: frozen) {
                let shim = FleetControl.url(frozen, "/opt/hoist-hidden-programs/mkfifo")
                try FileManager.default.removeItem(at: shim)
                try """
                    #!/bin/sh
                    if mkdir \(atFirstProgram) 2>/dev/null; then
                      while [ ! -e \(freeze) ]; do sleep 0.05; done
                      /usr/bin/pkill -STOP sshd; mkdir \(froze)
                    fi
                    exec /usr/bin/mkfifo "$@"

                    """.write(to: shim, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path)
                defer {
                    _ = try? FleetControl.exec(frozen, "pkill -CONT sshd")
                    try? s.put(frozen, "/etc/hoist-test/\(s.application).go", "")
                    try? FileManager.default.removeItem(at: s.url(frozen, freeze))
                }
                guard let running = try await DeployStopTests.startUntilWaiting(s, revision) else { return }
                let atHook = await eventually(within: 600) { s.exists(frozen, atFirstProgram) }
                // The first Ctrl-C before the freeze: a graceful stop leaves running hooks alone,
                // and only the second's round trip then falls inside the window.
                running.send(SIGINT)
                let graceful = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping:", seconds: 600) }
                try s.put(frozen, freeze, "")
                let isFrozen = await eventually(within: 60) { s.exists(frozen, froze) }
                running.send(SIGINT)
                let now = try await DeployScenario.offThePool { running.waitForStderr(containing: "hoist: stopping now", seconds: 600) }
                let stoppedAt = Date()
                let output = try await DeployScenario.offThePool { running.finish() }
                print("FrozenHostStopTests: exit \(Date().timeIntervalSince(stoppedAt)) s after the second Ctrl-C was acknowledged")
                try s.put(live, "/etc/hoist-test/\(s.application).go", "")
                let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

                #expect(atHook && isFrozen && graceful && now, "\(output.stderr)")
                #expect((outcome.event(live, "AfterInstall")?["message"] as? String)?.contains("was killed: the deployment was stopped immediately") == true)
                DeployStopTests.expectStoppedAtOnce(
                    outcome, frozen, in: "AfterInstall",
                    "Script at specified location: scripts/wait.sh was stopped: the deployment was stopped immediately, "
                        + "but \(frozen) did not answer the kill within 10 s; the script may still be running there: check the host",
                    then: "ApplicationStart")
            }
        }
    }
}
