import Foundation
import HoistPlanning
import HoistTestSupport
import Testing

/// Hooks that do not end cleanly on a real host: one past its timeout whose child ignores
/// TERM, and one that exits leaving a background process holding its output.
@Suite("Deploy: hooks that do not end cleanly on the fleet")
struct DeployHookEndingTests {
    @Test func aHookPastItsTimeoutIsKilledWithAChildThatIgnoresTERM() async throws {
        try await DeployScenario.with("timeout", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let marker = "hoist-ignores-term-\(s.application)"
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/hang.sh", body: """
                trap '' TERM
                sh -c 'echo running >/srv/obs/$APPLICATION_NAME/child; while :; do sleep 1; done' \(marker) &
                wait
                """, timeout: 2)
            let outcome = try await s.deploy(try s.revision("v1", revision))

            #expect(outcome.status == 3, "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "ScriptTimedOut")
            #expect(event?["message"] as? String == "Script at specified location: scripts/hang.sh failed to complete in 2 seconds")
            #expect(outcome.hostFinished(host)?["error_code"] as? String == "ScriptTimedOut")
            #expect(s.observedLines(host, "child") == ["running"], "the child ran")
            // The bracket keeps the pattern from matching pgrep's own command line.
            let pattern = String(marker.dropLast()) + "[\(marker.last!)]"
            let search = try FleetControl.exec(host, "pgrep -f -a '\(pattern)'")
            #expect(search.status == 1, "nothing is left running on \(host): \(search.stdout)")
        }
    }

    /// A hook stopped at its timeout shows what it printed and Hoist's report of the timeout,
    /// nothing else, also on a host without perl: there the sh wrapper's dash added
    /// "Terminated" for the script the deadline stopped, as if the script had printed it.
    @Test(arguments: [false, true])
    func aTimedOutHookShowsOnlyItsOwnOutput(perlHidden: Bool) async throws {
        try await DeployScenario.with("quietend", hosts: 1) { s in
            let host = s.names[0]
            try s.writePlaybook()
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/slow.sh", body: "echo started\nsleep 600", timeout: 2)
            let outcome = try await HostOutages.withHiddenPrograms(perlHidden ? ["perl"] : [], on: host) {
                try await s.deploy(try s.revision("v1", revision))
            }

            #expect(outcome.status == 3, "\(outcome.description)")
            #expect(outcome.event(host, "AfterInstall")?["error_code"] as? String == "ScriptTimedOut", "\(outcome.description)")
            let output = outcome.of("output").filter { $0["host"] as? String == host }.compactMap { $0["text"] as? String }
            #expect(output == ["started"], "perl hidden \(perlHidden): \(output)")
            let files = FileManager.default.enumerator(atPath: s.url(host, s.groupDir).path)?.compactMap { $0 as? String } ?? []
            #expect(files.contains { $0.hasSuffix("hook-runner.pl") } == !perlHidden, "the runner: \(files)")
            let log = files.first { $0.hasSuffix("logs/scripts.log") }.flatMap { s.read(host, s.groupDir + "/" + $0) } ?? ""
            #expect(log.contains("[stdout]started") && !log.contains("Terminated"), "\(log)")
        }
    }

    /// A daemon that left the script's process group and session (double fork, setsid) still
    /// holds the script's output when the script times out: the timeout is still reported
    /// (the deploy does not wait for the daemon, nor for the connection's backstop).
    // The limit is generous for a busy machine, and far below the daemon's and the script's
    // sleeps, which a deploy that waited for them would reach.
    @Test(.timeLimit(.minutes(10)))
    func aTimedOutHookWhoseEscapedDaemonHoldsStdout() async throws {
        try await DeployScenario.with("escaped", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let marker = "hoist-escaped-daemon-\(s.application)"
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/hang.sh", body: """
                ( setsid sh -c 'echo $$ >/srv/obs/$APPLICATION_NAME/daemon.pid; exec sleep 3000' \(marker) & )
                while [ ! -s /srv/obs/$APPLICATION_NAME/daemon.pid ]; do sleep 0.1; done
                sleep 3000
                """, timeout: 2)
            let outcome = try await s.deploy(try s.revision("v1", revision))
            let pid = s.observedLines(host, "daemon.pid").first ?? ""
            defer { _ = try? FleetControl.exec(host, "kill \(pid)") }

            #expect(outcome.status == 3, "\(outcome.description)")
            #expect(outcome.event(host, "AfterInstall")?["error_code"] as? String == "ScriptTimedOut", "\(outcome.description)")
            #expect(!pid.isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func aBackgroundProcessHoldingStdoutIsReportedAtOnce() async throws {
        try await DeployScenario.with("leftopen", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            // The timeout is an hour: the test's time limit (generous for a busy machine) shows
            // the deploy did not wait for it.
            revision.hook("AfterInstall", "scripts/daemon.sh", body: """
                sleep 3000 &
                echo $! >/srv/obs/$APPLICATION_NAME/daemon.pid
                echo "started the daemon"
                """, timeout: 3600)
            let outcome = try await s.deploy(try s.revision("v1", revision))
            let pid = try #require(s.observedLines(host, "daemon.pid").first)
            defer { _ = try? FleetControl.exec(host, "kill \(pid)") }

            #expect(outcome.status == 3, "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "OutputsLeftOpen")
            let message = event?["message"] as? String ?? ""
            #expect(message.contains("failed to close STDOUT"), "\(message)")
            #expect(message.contains("background process \(pid) "), "the message names the process: \(message)")
            let lines = outcome.of("output").filter { $0["host"] as? String == host }.compactMap { $0["text"] as? String }
            #expect(lines.contains("started the daemon"), "what the script wrote before it exited still arrives")
        }
    }

    /// What a hook left running goes on printing into the host's scripts.log after the hook
    /// failed (the drainer reads it, so the process never blocks on a full pipe), but only
    /// the first `drainedOutputBytes`: a chatty daemon no longer fills the disk. With perl,
    /// and with the sh runner of hosts without it.
    @Test(.timeLimit(.minutes(10)), arguments: [false, true])
    func aChattyLeftoverProcessFillsTheLogOnlySoFar(perlHidden: Bool) async throws {
        try await DeployScenario.with("chatty", hosts: 1) { s in
            let host = s.names[0]
            try s.writePlaybook()
            var revision = Revision()
            // It prints only once the deployment has ended and the drainer has its output. Its
            // programs by their paths: without perl, the PATH the test gave is gone by then.
            revision.hook("AfterInstall", "scripts/daemon.sh", body: """
                obs=/srv/obs/$APPLICATION_NAME
                sh -c 'echo $$ >'"$obs"'/daemon.pid; while [ ! -e '"$obs"'/go ]; do /bin/sleep 0.1; done
                  /usr/bin/yes "a line the daemon prints" | /usr/bin/head -c 40000000; echo printed >'"$obs"'/printed; exec /bin/sleep 3000' &
                """, timeout: 3600)
            let outcome = try await HostOutages.withHiddenPrograms(perlHidden ? ["perl"] : [], on: host) {
                try await s.deploy(try s.revision("v1", revision))
            }
            let pid = try #require(s.observedLines(host, "daemon.pid").first)
            defer { _ = try? FleetControl.exec(host, "kill \(pid)") }
            #expect(outcome.event(host, "AfterInstall")?["error_code"] as? String == "OutputsLeftOpen", "\(outcome.description)")
            try s.put(host, s.observations + "/go", "")

            let logs = FileManager.default.enumerator(atPath: s.url(host, s.groupDir).path)?.compactMap { $0 as? String } ?? []
            let logPath = try #require(logs.first { $0.hasSuffix("logs/scripts.log") }, "\(logs)")
            let log = s.url(host, s.groupDir + "/" + logPath)
            // Without perl each stream keeps half, and says so itself.
            let note = "left running is not kept past \(HookInvocation.drainedOutputBytes >> (perlHidden ? 21 : 20)) MiB"
            #expect(await eventually(within: 300) { !s.observedLines(host, "printed").isEmpty }, "the daemon printed it all")
            #expect(await eventually(within: 300) { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains(note) },
                    "the log says where it stopped keeping the output (perl hidden: \(perlHidden))")
            let size = (try? FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int) ?? 0
            #expect(size < HookInvocation.drainedOutputBytes + (1 << 20), "scripts.log is \(size) bytes")
        }
    }

    /// A hook script saved on Windows: `deploy` warns before it starts (CodeDeploy takes such a
    /// revision), and on the host the hook fails with the kernel's "No such file or directory"
    /// followed by the runner's line naming the real cause and the fix.
    @Test func aHookScriptWithWindowsLineEndingsSaysWhyItDidNotStart() async throws {
        try await DeployScenario.with("crlf", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/w.sh", body: "#!/bin/bash\r\necho hi\r\n")
            let outcome = try await s.deploy(try s.revision("v1", revision))

            #expect(outcome.status == 3, "\(outcome.description)")
            #expect(outcome.stderr.contains("warning: hooks.AfterInstall[0].location: scripts/w.sh has Windows line endings (CRLF)"),
                    "\(outcome.stderr)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "ScriptFailed")
            #expect(event?["message"] as? String == "Script at specified location: scripts/w.sh failed with exit code 127")
            let lines = outcome.of("output").filter { $0["host"] as? String == host }.compactMap { $0["text"] as? String }
            #expect(lines.last == "hoist: scripts/w.sh has Windows line endings (CRLF): its first line, `#!/bin/bash`, ends in a carriage return, "
                + "which the host reads as part of `/bin/bash\\r`, so the script does not start; convert it with dos2unix", "\(lines)")
        }
    }
}
