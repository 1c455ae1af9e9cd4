import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// Runs that survive real terminals and real networks (issue #11): a closed terminal
/// (SIGHUP), a reader that goes away (`| head`), and a host that goes silent.
@Suite("Deploy: terminals, pipes and silent hosts")
struct DeploySurvivalTests {
    /// An AfterInstall hook that waits for the test's cue, then says so.
    static func waitingRevision() -> Revision {
        var revision = Revision()
        revision.hook("AfterInstall", "scripts/wait.sh", body: Revision.waitForCue(tenths: 18000) + "\necho \"after the cue on $(hostname)\"",
                      timeout: 3600)
        revision.observe(["ApplicationStart"])
        return revision
    }

    func lockDir(_ s: DeployScenario) -> String { "/var/lib/hoist/deployment-instructions/\(s.groupID).lock" }

    /// Failure 3: SIGHUP (the laptop lid, a dropped SSH session to the machine running
    /// Hoist) does not end the deployment: it carries on to its verdict, releases the lock,
    /// and the history keeps the output that came after the hangup.
    @Test func aClosedTerminalDoesNotStopTheDeployment() async throws {
        try await DeployScenario.with("sighup", hosts: 2) { s in
            try s.writePlaybook(config: "OneAtATime")
            guard let running = try await DeployStopTests.startUntilWaiting(s, Self.waitingRevision()) else { return }
            running.send(SIGHUP)
            for host in s.names { try s.put(host, "/etc/hoist-test/\(s.application).go", "") }
            let output = try await DeployScenario.offThePool { running.finish() }
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(outcome.status == 0, "\(outcome.description)")
            #expect(outcome.deploymentStatus == "Succeeded")
            #expect(outcome.hostStatuses == Dictionary(uniqueKeysWithValues: s.names.map { ($0, "Succeeded") }))
            let history = try s.show(outcome.deploymentID)
            #expect((history["deployment"] as? [String: Any])?["status"] as? String == "Succeeded")
            let logs = try HoistBinary.run(["logs", outcome.deploymentID, "--db", s.db], environment: s.environment)
            #expect(logs.stdout.contains("after the cue"), "the history kept the output after the hangup: \(logs.stdout)")
            for host in s.names { #expect(!s.exists(host, lockDir(s)), "the lock on \(host) was released") }
        }
    }

    /// Failure 3: `hoist deploy … | head -n 1`: the reader exits after the first line; the
    /// deployment still runs to its verdict (exit 0, not 141), and the history has it all.
    @Test func aReaderThatGoesAwayDoesNotStopTheDeployment() async throws {
        try await DeployScenario.with("sigpipe", hosts: 2) { s in
            try s.writePlaybook(config: "OneAtATime")
            let revision = try s.revision("v1", Self.waitingRevision())
            let go = s.names.map { shellQuote(FleetControl.url($0, "/etc/hoist-test/\(s.application).go").path) }.joined(separator: " ")
            let first = s.scratch.file("first-line")
            // The reader keeps one line, closes the pipe, and only then lets the hook finish,
            // so everything after the first line is written to a pipe nobody reads.
            let hoist = ([HoistBinary.path] + s.deployArguments(revision, []).filter { $0 != "--json" }).map(shellQuote).joined(separator: " ")
            let pipeline = """
                \(hoist) | { head -n 1 >\(shellQuote(first)); exec 0<&-; touch \(go); }
                echo "hoist exited ${PIPESTATUS[0]}" >&2
                """
            let (_, _, err) = try await LocalShell.capture("bash -c \(shellQuote(pipeline))", environment: s.environment, timeoutSeconds: 1800)

            #expect(err.contains("hoist exited 0"), "\(err)")
            let line = (try? String(contentsOfFile: first, encoding: .utf8)) ?? ""
            let id = try #require(line.range(of: #"d-[A-Z0-9]{9}"#, options: .regularExpression).map { String(line[$0]) },
                                  "the first line names the deployment: \(line)")
            let history = try s.show(id)
            #expect((history["deployment"] as? [String: Any])?["status"] as? String == "Succeeded", "\(history)")
            let logs = try HoistBinary.run(["logs", id, "--db", s.db], environment: s.environment)
            #expect(logs.stdout.contains("after the cue"))
            for host in s.names { #expect(!s.exists(host, lockDir(s))) }
        }
    }

    /// Failure 9: a host whose network goes silent mid-hook (no reset, no answer: its link is
    /// taken down) fails as HostUnreachable once keepalives go unanswered, not after the
    /// kernel's retransmission limit of about 15 minutes. The time limit is generous for a
    /// busy machine and well below that limit.
    @Test(.timeLimit(.minutes(8)))
    func aSilentHostIsUnreachableSoon() async throws {
        try await DeployScenario.with("blackhole", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            guard let running = try await DeployStopTests.startUntilWaiting(s, Self.waitingRevision()) else { return }
            let link = try await Self.rootLink(of: host)
            // Through the outage gate: a traffic test deploying to this host meanwhile would
            // wait out its timeouts.
            let output = try await HostOutages.withLinkDown(link) { try await DeployScenario.offThePool { running.finish() } }
            try s.put(host, "/etc/hoist-test/\(s.application).go", "")
            let outcome = DeployOutcome(status: output.status, stdout: output.stdout, stderr: output.stderr)

            #expect(outcome.status == 3, "\(outcome.description)")
            #expect(outcome.event(host, "AfterInstall")?["error_code"] as? String == "HostUnreachable", "\(outcome.description)")
            #expect(outcome.hostFinished(host)?["error_code"] as? String == "HostUnreachable")
        }
    }

    /// The root namespace's end of a fleet host's veth pair (scripts/fleet's naming: `hv`,
    /// four hex digits of the fleet folder's digest, `-`, the host name).
    static func rootLink(of host: String) async throws -> String {
        let dir = TestPaths.fleetDir.resolvingSymlinksInPath().standardizedFileURL.path
        let (_, digest, _) = try await LocalShell.capture("printf %s \(shellQuote(dir)) | sha256sum")
        return "hv\(digest.prefix(4))-\(host)"
    }
}
