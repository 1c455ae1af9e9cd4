import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// What a hook prints is output, never the wrapper's word: forged status lines on the fleet,
/// including during `hoist stop --immediate`.
@Suite("Trust: hook output cannot forge the wrapper's status")
struct HookOutputTrustTests {
    /// Lines in the shape of the wrapper's own, old and new, with a made-up key.
    static let forgeries = #"""
        k=01234567-89ab-cdef-0123-456789abcdef
        for out in 1 2; do
          printf '\036HOIST-RESULT exited 0\n' >&$out
          printf '\036HOIST-HOOK %s\n' "$k" >&$out
          printf '\036HOIST-HOOK %s exited 0\n' "$k" >&$out
          printf 'HOIST-PGID:1\n' >&$out
        done
        """#

    @Test func forgedSuccessLinesDoNotMakeAFailedScriptSucceed() async throws {
        try await DeployScenario.with("forged-exit", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/forge.sh", body: Self.forgeries + "\nexit 1")
            let outcome = try await s.deploy(try s.revision("v1", revision))

            #expect(outcome.status == 3, "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect(event?["error_code"] as? String == "ScriptFailed", "\(outcome.description)")
            #expect(event?["message"] as? String == "Script at specified location: scripts/forge.sh failed with exit code 1")
            let printed = outcome.of("output").filter { $0["event"] as? String == "AfterInstall" }.compactMap { $0["text"] as? String }
            #expect(printed.filter { $0.contains("exited 0") }.count == 4, "the forged lines are passed on as output: \(printed)")

            // The wrapper dies after the script printed a forged success: no result at all.
            var dying = Revision()
            dying.hook("ApplicationStart", "scripts/kill-wrapper.sh", body: Self.forgeries + "\nkill -9 $PPID\nexit 1")
            let second = try await s.deploy(try s.revision("v2", dying))
            #expect(second.status == 3, "\(second.description)")
            let start = second.event(host, "ApplicationStart")
            #expect(start?["status"] as? String == "Failed", "\(second.description)")
            #expect((start?["message"] as? String)?.contains("ended without reporting a result") == true, "\(start ?? [:])")
        }
    }

    /// A hook prints a "pid" line naming an unrelated process, then waits; `hoist stop
    /// --immediate` kills the hook and nothing else. The limit also covers waiting for a free
    /// fleet host behind the other tests (a minute and more in a full run on a busy machine),
    /// so it is generous; a hook that was not killed fails the expectations on its message.
    @Test(.timeLimit(.minutes(10)))
    func stopImmediateKillsOnlyTheHooksOwnProcesses() async throws {
        try await DeployScenario.with("forged-pid", hosts: 1) { s in
            try s.writePlaybook(config: "OneAtATime")
            let host = s.names[0]
            let sentinelMarker = "hoist-sentinel-\(s.application)"
            let hookMarker = "hoist-forging-hook-\(s.application)"
            // The hook starts an unrelated process first: out of its session and group and
            // no longer its descendant (the intermediate shell exits), then names it.
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/forge-pid.sh", body: """
                ( setsid sh -c 'exec sleep 600' \(sentinelMarker) </dev/null >/dev/null 2>&1 & echo $! >/srv/obs/$APPLICATION_NAME/sentinel.pid )
                p=$(cat /srv/obs/$APPLICATION_NAME/sentinel.pid)
                for out in 1 2; do
                  printf '\\036HOIST-RESULT pid %s /tmp\\n' "$p" >&$out
                  printf '\\036HOIST-HOOK 01234567-89ab-cdef-0123-456789abcdef pid %s\\n' "$p" >&$out
                  printf 'HOIST-PGID:%s\\n' "$p" >&$out
                done
                touch /srv/obs/$APPLICATION_NAME/waiting
                exec sh -c 'sleep 300' \(hookMarker)
                """, timeout: 600)
            let running = try HoistBinary.start(s.deployArguments(try s.revision("v1", revision), []),
                                                environment: s.environment.merging(["HOIST_LOCK_HEARTBEAT": "0.5"]) { $1 })
            guard await eventually(within: 300, { s.exists(host, "\(s.observations)/waiting") }) else {
                running.send(SIGKILL)
                Issue.record("the hook never started: \(running.finish().stderr)")
                return
            }
            let list = try HoistBinary.run(["list", "--json", "--db", s.db], environment: s.environment)
            let rows = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8))) as? [[String: Any]]
            let id = try #require(rows?.first?["id"] as? String, "\(list.stdout)")
            let stop = try HoistBinary.run(["stop", id, "--immediate", "--db", s.db], environment: s.environment)
            #expect(stop.status == 0, "\(stop.stderr)")
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)
            let sentinel = s.observedLines(host, "sentinel.pid").first ?? ""
            #expect(!sentinel.isEmpty)
            defer { _ = try? FleetControl.exec(host, "kill \(sentinel)") }

            #expect(outcome.deploymentStatus == "Stopped", "\(outcome.description)")
            let event = outcome.event(host, "AfterInstall")
            #expect((event?["message"] as? String)?.contains("was killed: the deployment was stopped immediately") == true, "\(event ?? [:])")
            let alive = try FleetControl.exec(host, "kill -0 \(sentinel) && echo alive")
            #expect(alive.stdout.contains("alive"), "the process the hook named was not killed")
            let pattern = String(hookMarker.dropLast()) + "[\(hookMarker.last!)]"
            let search = try FleetControl.exec(host, "pgrep -f -a '\(pattern)'")
            #expect(search.status == 1, "the hook's processes are gone: \(search.stdout)")
        }
    }
}

/// `runas` as the CodeDeploy agent runs it, and scripts.log in the agent's format.
@Suite("Trust: runas and the host log as the CodeDeploy agent does them")
struct RunAsAndHostLogTests {
    @Test func aNologinUserFailsWithTheReasonAndSHELLIsTheUsersShell() async throws {
        try await DeployScenario.with("runas", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.observe(["AfterInstall"], runas: ["AfterInstall": "appuser"])
            revision.hook("ApplicationStart", "scripts/www.sh", body: "echo should not run", runas: "www-data")
            let outcome = try await s.deploy(try s.revision("v1", revision))

            #expect(s.observed(host, "AfterInstall")["SHELL"] == "/bin/bash", "SHELL is appuser's login shell")
            #expect(s.observed(host, "AfterInstall")["user"] == "appuser")
            let event = outcome.event(host, "ApplicationStart")
            #expect(event?["error_code"] as? String == "ScriptFailed", "\(outcome.description)")
            let message = event?["message"] as? String ?? ""
            #expect(message.hasPrefix("Script at specified location: scripts/www.sh run as user www-data failed with exit code 1. "), "\(message)")
            #expect(message.contains("www-data's is /usr/sbin/nologin"), "\(message)")
            let printed = outcome.of("output").compactMap { $0["text"] as? String }
            #expect(!printed.contains("should not run"))
        }
    }

    @Test func scriptsLogHasOneEventLineAndTimestampedOutput() async throws {
        try await DeployScenario.with("scriptslog", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/a.sh", body: "echo from a; echo warn a >&2")
            revision.hook("AfterInstall", "scripts/b.sh", body: "echo from b")
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 0, "\(outcome.description)")
            let log = s.read(host, "\(s.groupDir)/\(outcome.deploymentID)/logs/scripts.log") ?? ""
            let lines = log.split(separator: "\n").map(String.init)
            let stamp = #/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} /#
            #expect(lines.allSatisfy { $0.prefixMatch(of: stamp) != nil }, "every line is timestamped: \(log)")
            let bodies = lines.map { String($0.dropFirst(20)) }
            #expect(bodies.filter { $0.hasPrefix("LifecycleEvent - ") } == ["LifecycleEvent - AfterInstall"], "\(log)")
            #expect(bodies.filter { $0.hasPrefix("Script - ") } == ["Script - scripts/a.sh", "Script - scripts/b.sh"])
            #expect(Set(bodies.filter { $0.hasPrefix("[") }) == ["[stdout]from a", "[stderr]warn a", "[stdout]from b"])
        }
    }
}

/// Files on hosts and on the coordinator are no wider than they need to be; installed files
/// keep their AppSpec modes; uploads under `become` land in a private folder; leftovers of a
/// killed upload go.
@Suite("Trust: files on hosts and on the coordinator")
struct FileTrustTests {
    func mode(_ host: String, _ path: String) throws -> String {
        try FleetControl.exec(host, "stat -c %a \(shellQuote(path))").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func deploymentFoldersAndLogsAreOwnerAndGroupOnly() async throws {
        try await DeployScenario.with("modes", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.install("app/plain.txt", "plain", to: "/srv/modes-\(s.application)")
            revision.install("bin/tool", "tool", to: "/srv/modes-\(s.application)/bin")
            revision.extra = "permissions:\n  - object: /srv/modes-\(s.application)/bin\n    mode: 755\n    type: [file]\n"
            revision.observe(["AfterInstall"], runas: ["AfterInstall": "appuser"])
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 0, "\(outcome.description)")
            let dir = "\(s.groupDir)/\(outcome.deploymentID)"
            for folder in ["/var/lib/hoist", "/var/lib/hoist/deployment-instructions", s.groupDir, dir, dir + "/logs"] {
                let bits = try mode(host, folder)
                #expect(bits.hasSuffix("0") || bits.hasSuffix("1"), "\(folder) is \(bits): others get nothing but passage for runas")
                #expect(Int(bits, radix: 8).map { $0 & 0o026 } == 0, "\(folder) is \(bits)")
            }
            #expect(try mode(host, dir + "/logs/scripts.log") == "640")
            #expect(try mode(host, "/srv/modes-\(s.application)/plain.txt") == "644", "installed files keep their modes")
            #expect(try mode(host, "/srv/modes-\(s.application)/bin/tool") == "755")
            #expect(s.observed(host, "AfterInstall")["user"] == "appuser", "runas still reaches its script")

            var info = stat()
            #expect(stat(s.scratch.file("cache/hoist"), &info) == 0 && info.st_mode & 0o777 == 0o700, "the bundle cache is 0700")
            #expect(stat(s.scratch.file("cache/hoist/bundles"), &info) == 0 && info.st_mode & 0o777 == 0o700)
            #expect(stat(s.db, &info) == 0 && info.st_mode & 0o777 == 0o600, "the history is 0600")
            _ = try? FleetControl.exec(host, "rm -rf /srv/modes-\(s.application)")
        }
    }

    /// Under `become` the upload lands in a folder of the SSH user's own, even when another
    /// user planted that name first; a killed upload's partial files are removed next time.
    /// OneAtATime, so the second host's upload goes there ahead of its turn.
    @Test func becomeStagesPrivatelyAndRemovesPartialUploads() async throws {
        try await DeployScenario.with("staging", hosts: 2) { s in
            let host = s.names[0]
            let staging = "/tmp/hoist-staging-hoist"
            _ = try FleetControl.exec(host, "rm -rf \(staging); mkdir -m 777 \(staging) && chown appuser: \(staging)")
            try s.writePlaybook(config: "OneAtATime")
            let inventory = try String(contentsOfFile: s.scratch.file("inventory.yml"), encoding: .utf8)
            try inventory.replacingOccurrences(of: "  user: root\n", with: "  user: hoist\n  become: true\n")
                .write(toFile: s.scratch.file("inventory.yml"), atomically: true, encoding: .utf8)
            var revision = Revision()
            revision.observe(["AfterInstall"])
            let first = try await s.deploy(try s.revision("v1", revision))
            #expect(first.status == 0, "\(first.description)")
            #expect(try FleetControl.exec(host, "stat -c '%U %a' \(staging)").stdout == "hoist 700\n", "the planted folder was replaced")
            let ahead = first.event(s.names[1], "DownloadBundle")?["message"] as? String ?? ""
            #expect(ahead.contains("ahead of this host's turn"), "\(s.names[1]): \(ahead)")
            #expect(s.exists(s.names[1], "\(s.groupDir)/\(first.deploymentID)/deployment-archive/appspec.yml"))

            // A coordinator killed mid-upload leaves these behind.
            let partials = ["\(staging)/.\(s.groupID)-d-KILLED.bundle.hoist-1234.tmp",
                            "\(s.groupDir)/\(first.deploymentID)/.bundle.tar.hoist-5678.tmp"]
            for path in partials { _ = try FleetControl.exec(host, "echo partial >\(shellQuote(path))") }
            var next = Revision()
            next.observe(["ApplicationStart"])
            let second = try await s.deploy(try s.revision("v2", next))
            #expect(second.status == 0, "\(second.description)")
            for path in partials {
                #expect(try FleetControl.exec(host, "test -e \(shellQuote(path))").status != 0, "\(path) was removed")
            }
        }
    }
}

/// Checks that need no host run before the lock is taken.
@Suite("Trust: invalid input is refused before the lock")
struct EarlyValidationTests {
    @Test func anInvalidHAProxyServerNameTouchesNoHost() async throws {
        try await DeployScenario.with("early", hosts: 1) { s in
            try s.writePlaybook(extra: """
                load_balancers:
                  - name: front
                    type: haproxy
                    socket: /nonexistent/admin.sock
                    backend: app
                    server: "{host} bad"
                """)
            let host = s.names[0]
            var revision = Revision()
            revision.observe(["ApplicationStop", "AfterInstall"])
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 2, "\(outcome.description)")
            #expect(outcome.stderr.contains("server name"), "\(outcome.stderr)")
            #expect(s.deploymentDirs(host).isEmpty, "no host was touched")
            #expect(!s.exists(host, "/var/lib/hoist/deployment-instructions/\(s.groupID).lock"), "the lock was not taken")
        }
    }
}

/// A single output line of 50 MB without a newline (a `\r` progress bar): the coordinator
/// keeps its start, the host log all of it.
@Suite("Trust: long output lines")
struct LongLineTests {
    /// On a quiet machine this takes seconds; with the suite and a release build on the two
    /// cores it took 7.7 minutes, so the bounds are generous.
    @Test(.timeLimit(.minutes(20)))
    func aFiftyMegabyteLineIsCappedOnTheCoordinatorAndWholeInTheHostLog() async throws {
        try await DeployScenario.with("longline", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.hook("AfterInstall", "scripts/progress.sh", body: "head -c 50000000 /dev/zero | tr '\\0' '\\r'; echo; echo done", timeout: 1200)
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 0, "\(outcome.description)")
            let printed = outcome.of("output").compactMap { $0["text"] as? String }
            #expect(printed.last == "done")
            let long = printed.first ?? ""
            #expect(long.utf8.count < 70_000, "the coordinator kept \(long.utf8.count) bytes of the line")
            #expect(long.hasSuffix("bytes of this line are only in the host's log]"))
            let log = "\(s.groupDir)/\(outcome.deploymentID)/logs/scripts.log"
            let size = try FleetControl.exec(host, "wc -c <\(log)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect((Int(size) ?? 0) > 50_000_000, "the host log has the whole line: \(size) bytes")
        }
    }
}
