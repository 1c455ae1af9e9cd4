import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing

/// Blue/green rollbacks by rerouting, on the fleet through its HAProxy. Each test uses a
/// deployment group of its own, so its live-fleet record does not leak into the other
/// tests of TrafficTests' serialized suite (which share the hosts).
extension TrafficTests {
    /// A revision whose ValidateService always fails: the replacement fleet's install fails.
    static func failingRevision(_ scratch: ScratchDirectory, _ version: String) throws -> String {
        let dir = try revision(scratch, version)
        try "#!/bin/sh\necho 'refusing to validate' >&2\nexit 1\n"
            .write(toFile: dir + "/scripts/validate_service.sh", atomically: true, encoding: .utf8)
        return dir
    }

    /// A revision whose AfterAllowTraffic fails on one host: the reroute fails in that host's batch.
    static func revisionFailingAfterAllow(_ scratch: ScratchDirectory, _ version: String, on hosts: [String]) throws -> String {
        let dir = try revision(scratch, version)
        try "#!/bin/sh\ncase \"$(hostname)\" in \(hosts.joined(separator: "|"))) echo \"refusing traffic on $(hostname)\" >&2; exit 1;; esac\n"
            .write(toFile: dir + "/scripts/after_allow_traffic.sh", atomically: true, encoding: .utf8)
        let appspec = try String(contentsOfFile: dir + "/appspec.yml", encoding: .utf8)
        try (appspec + "  AfterAllowTraffic:\n    - location: scripts/after_allow_traffic.sh\n      timeout: 30\n")
            .write(toFile: dir + "/appspec.yml", atomically: true, encoding: .utf8)
        return dir
    }

    /// A revision whose BeforeAllowTraffic fails on a host holding `/etc/hoist-test/<flag>`:
    /// a host that does not come back into rotation once the flag is put there.
    static func revisionRefusingToComeBack(_ scratch: ScratchDirectory, _ version: String, flag: String) throws -> String {
        let dir = try revision(scratch, version)
        try "#!/bin/sh\nif [ -e /etc/hoist-test/\(flag) ]; then echo \"not coming back on $(hostname)\" >&2; exit 1; fi\n"
            .write(toFile: dir + "/scripts/before_allow_traffic.sh", atomically: true, encoding: .utf8)
        let appspec = try String(contentsOfFile: dir + "/appspec.yml", encoding: .utf8)
        try (appspec + "  BeforeAllowTraffic:\n    - location: scripts/before_allow_traffic.sh\n      timeout: 30\n")
            .write(toFile: dir + "/appspec.yml", atomically: true, encoding: .utf8)
        return dir
    }

    static func history(_ db: String, _ args: [String]) throws -> Any {
        let run = try HoistBinary.run(args + ["--json", "--db", db], environment: [:])
        try #require(run.status == 0, "\(args): \(run.stderr)")
        return try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    }

    /// A deployment group of its own over the fleet's web hosts, with its in-place and
    /// blue/green playbooks and a history, where `goodPrefix-<tag>` is deployed in place on
    /// every host: the start of each rollback test.
    struct RollbackGroup {
        let frontend: String, scratch: ScratchDirectory, blueGreen: String, db: String
        let tag: Substring, good: String, goodDir: String
    }

    static func rollbackGroup(_ scratchName: String, group: String, goodPrefix: String,
                              blueGreenExtra: String = "") throws -> RollbackGroup {
        let env = try TestPaths.fleetHAProxyEnv()
        let frontend = try #require(env["HAPROXY_FRONTEND"]), socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory(scratchName)
        let inPlace = try playbook(scratch, name: "inplace.yml", socket: socket, blueGreen: false, group: group)
        let blueGreen = try playbook(scratch, name: "bluegreen.yml", socket: socket, blueGreen: true, group: group,
                                     extra: blueGreenExtra)
        let db = scratch.file("history.sqlite3")
        let tag = UUID().uuidString.prefix(6)
        let good = "\(goodPrefix)-\(tag)", goodDir = try revision(scratch, good)
        let setup = try HoistBinary.run(["deploy", inPlace, "--revision", goodDir, "--config", "AllAtOnce", "--json", "--db", db])
        try #require(setup.status == 0, "setup deploy failed: \(explain(setup))")
        return RollbackGroup(frontend: frontend, scratch: scratch, blueGreen: blueGreen, db: db, tag: tag, good: good, goodDir: goodDir)
    }

    @Test func aFailedBlueGreenInstallRollsBackByRerouting() async throws {
        let g = try Self.rollbackGroup("hoist-bg-autorollback", group: "traffic-autorollback", goodPrefix: "ar1",
                                       blueGreenExtra: "auto_rollback: {on_failure: true}\n")
        let (frontend, scratch, blueGreen, db, tag, good) = (g.frontend, g.scratch, g.blueGreen, g.db, g.tag, g.good)

        // Traffic stays on the fleet that served before: the one the deployment did not install on.
        let (counts, run) = try await Self.phase(
            "blue/green failed install, automatic rollback by reroute", frontend: frontend,
            args: ["deploy", blueGreen, "--revision", try Self.failingRevision(scratch, "ar2-\(tag)"), "--json", "--db", db],
            newVersion: good, expectedFleet: { (try? Self.fleetHosts(notInstalledIn: $0)) ?? [] })
        let why = Self.rollbackReport(run, db: db)
        // hoist's whole output stays with the history when the rollback did not succeed.
        try scratch.write("hoist.stdout.jsonl", run.stdout)
        try scratch.write("hoist.stderr", run.stderr)
        let rolledBack = run.stderr.range(of: #"rollback d-[A-Z0-9]{9} succeeded"#, options: .regularExpression) != nil
        if !rolledBack { scratch.keep(because: "the automatic rollback did not succeed; hoist's output and history are there") }
        #expect(run.status == 3, "the deployment failed: \(why)")
        #expect(run.stderr.contains("rolling back") && run.stderr.contains("by rerouting"), "\(why)")
        #expect(rolledBack, "\(why)")
        #expect(counts.sent > 0)
        #expect(counts.failed == 0)
        #expect(counts.outOfRotation == 0)
        #expect(counts.oldAfterSwitch == 0, "every answer after the rollback is the good revision")
        #expect(counts.wrongFleetAfterSwitch == 0, "every answer after the rollback is from the original fleet")

        // The rollback is a deployment of its own, BLUE_GREEN, that reinstalled nothing.
        let list = try #require(try Self.history(db, ["list"]) as? [[String: Any]])
        let rollback = try #require(list.first { $0["creator"] as? String == "codeDeployRollback" })
        #expect(rollback["deploymentType"] as? String == "BLUE_GREEN")
        #expect(rollback["status"] as? String == "Succeeded", "\(why)")
        let rollbackID = try #require(rollback["id"] as? String)
        let detail = try #require(try Self.history(db, ["show", rollbackID]) as? [String: Any])
        let events = (detail["hosts"] as? [[String: Any]] ?? []).flatMap { ($0["events"] as? [[String: Any]]) ?? [] }.compactMap { $0["event"] as? String }
        #expect(events.contains("AllowTraffic") && events.contains("BlockTraffic"), "\(why)")
        #expect(!events.contains("Install") && !events.contains("DownloadBundle"), "nothing reinstalled: \(events)")
        let replacement = try #require(Self.installedFleet(run.stdout.split(separator: "\n").map(String.init)))
        let original = Self.otherFleet(than: replacement)
        // Traffic moves in the batches the playbook's HalfAtATime makes of the original fleet's
        // hosts that answered their health check: all of them on a quiet machine (two batches
        // of a fleet of 12, three of a fleet of 3); on a busy one HAProxy may find one slow,
        // and it stays out. Either way every batch runs.
        let names = Self.phaseNames(detail)
        let moved = Set((detail["phases"] as? [[String: Any]] ?? []).dropFirst().flatMap { ($0["hosts"] as? [String]) ?? [] })
        let allowed = try Self.hosts(ofFleet: original).intersection(moved)
        let batches = ReroutePlanner(target: allowed.sorted(), leaving: try Self.hosts(ofFleet: replacement).sorted(),
                                     config: .halfAtATime).steps.count
        #expect(batches >= 1 && names == ["Health check of \(original)"] + (1...max(1, batches)).map { "Reroute \($0) of \(batches)" },
                "\(names)\n\(why)")

        // The failed deployment: BLUE_GREEN, its phases in order, each with its hosts' events.
        let failed = try #require(list.first { $0["creator"] as? String == "user" && $0["status"] as? String == "Failed" })
        #expect(failed["deploymentType"] as? String == "BLUE_GREEN")
        let failedID = try #require(failed["id"] as? String)
        let failedDetail = try #require(try Self.history(db, ["show", failedID]) as? [String: Any])
        #expect(Self.phaseNames(failedDetail) == ["Block \(replacement)", "Install on \(replacement)"])
        let phases = failedDetail["phases"] as? [[String: Any]] ?? []
        let blockEvents = (phases.first?["events"] as? [[String: Any]] ?? []).compactMap { $0["event"] as? String }
        let replacementHosts = try Self.hosts(ofFleet: replacement)
        #expect(Set(blockEvents) == ["BlockTraffic"] && blockEvents.count == replacementHosts.count)
    }

    /// Everything a failed rollback test needs to say why: hoist's exit, its whole stderr,
    /// every verdict and failed event of the deployment and its rollback, the phases each
    /// announced, and each rollback's record as `hoist show --json` gives it. A failure under
    /// load happens once in many runs: its message must hold the evidence.
    static func rollbackReport(_ run: HoistBinary.Output, db: String) -> String {
        let outcome = DeployOutcome(status: run.status, stdout: run.stdout, stderr: run.stderr)
        var text = explain(run) + "phases:\n"
        for phase in outcome.of("phase_started") {
            text += "  \(phase["deployment"] ?? "?") \(phase["time"] ?? "?") \(phase["phase"] ?? "?"): \(phase["detail"] ?? "")\n"
        }
        let list = try? HoistBinary.run(["list", "--json", "--db", db], environment: [:])
        let records = list.flatMap { try? JSONSerialization.jsonObject(with: Data($0.stdout.utf8)) as? [[String: Any]] } ?? []
        for record in records where record["creator"] as? String == "codeDeployRollback" {
            guard let id = record["id"] as? String else { continue }
            let shown = try? HoistBinary.run(["show", id, "--json", "--db", db], environment: [:])
            text += "hoist show \(id) --json (exit \(shown.map { "\($0.status)" } ?? "none")):\n\(shown?.stdout ?? "")\(shown?.stderr ?? "")\n"
        }
        return text
    }

    static func phaseNames(_ detail: [String: Any]) -> [String] {
        (detail["phases"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// The reroute fails in its last batch, after the first batch moved traffic: the
    /// automatic rollback returns traffic to the original fleet, the hosts blocked in the
    /// first batch included, without reinstalling anything. One of those hosts does not come
    /// back (its BeforeAllowTraffic fails): the rollback leaves it out, names it, and still
    /// takes the failed revision's fleet out of rotation.
    @Test func aRerouteThatFailsHalfWayReturnsTrafficToTheOriginalFleet() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let frontend = try #require(env["HAPROXY_FRONTEND"]), socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-bg-halfway")
        let group = "traffic-halfway"
        let inPlace = try Self.playbook(scratch, name: "inplace.yml", socket: socket, blueGreen: false, group: group)
        let blueGreen = try Self.playbook(scratch, name: "bluegreen.yml", socket: socket, blueGreen: true, group: group,
                                          extra: "auto_rollback: {on_failure: true}\n")
        let db = scratch.file("history.sqlite3")
        let tag = UUID().uuidString.prefix(6)
        let good = "hw1-\(tag)", flag = "halfway-\(tag).refuse"
        let setup = try HoistBinary.run(["deploy", inPlace, "--revision", try Self.revisionRefusingToComeBack(scratch, good, flag: flag),
                                         "--config", "AllAtOnce", "--json", "--db", db])
        try #require(setup.status == 0, "setup deploy failed: \(setup.stderr)")
        // The last host of each fleet refuses traffic; only the replacement fleet's allows run.
        let last = [try #require(try Self.hosts(ofFleet: "blue").max()), try #require(try Self.hosts(ofFleet: "green").max())]
        // Whichever fleet is the original, its first host is in the first batch each way.
        let firsts = [try #require(try Self.hosts(ofFleet: "blue").min()), try #require(try Self.hosts(ofFleet: "green").min())]
        let flags = firsts.map { FleetControl.url($0, "/etc/hoist-test/\(flag)") }
        for file in flags { try Data().write(to: file) }
        defer { for file in flags { try? FileManager.default.removeItem(at: file) } }
        let bad = try Self.revisionFailingAfterAllow(scratch, "hw2-\(tag)", on: last)

        let (counts, run) = try await Self.phase(
            "blue/green reroute failing half-way, automatic rollback by reroute", frontend: frontend,
            args: ["deploy", blueGreen, "--revision", bad, "--json", "--db", db],
            newVersion: good, expectedFleet: { (try? Self.fleetHosts(notInstalledIn: $0)) ?? [] })
        let why = Self.rollbackReport(run, db: db)
        #expect(run.status == 3, "\(why)")
        #expect(run.stdout.contains("\"phase\":\"Reroute 2 of 2\""), "the first batch moved before the failure")
        #expect(run.stderr.range(of: #"rollback d-[A-Z0-9]{9} succeeded"#, options: .regularExpression) != nil, "\(why)")
        let replacement = try #require(Self.installedFleet(run.stdout.split(separator: "\n").map(String.init)))
        let stayedOut = try #require(try Self.hosts(ofFleet: Self.otherFleet(than: replacement)).min())
        #expect(run.stdout.contains("left out of rotation: \(stayedOut) (its allow-traffic events failed)"), "\(why)")
        #expect(counts.failed == 0)
        #expect(counts.outOfRotation == 0, "\(stayedOut) answers nothing once blocked")
        #expect(counts.oldAfterSwitch == 0, "every answer after the rollback is the good revision")
        #expect(counts.wrongFleetAfterSwitch == 0, "every answer after the rollback is from the original fleet")
    }

    /// `--blue-green-rollback` after a deployment that failed half-way through its reroute
    /// (no automatic rollback): traffic goes back to the fleet that served before it, the
    /// hosts the first batch blocked included, not to the fleet holding the failed revision.
    @Test func aManualRollbackAfterAFailedRerouteReturnsToTheFleetThatServed() async throws {
        let g = try Self.rollbackGroup("hoist-bg-manual", group: "traffic-manual", goodPrefix: "mr1")
        let (frontend, scratch, blueGreen, db, tag, good, goodDir) = (g.frontend, g.scratch, g.blueGreen, g.db, g.tag, g.good, g.goodDir)
        let last = [try #require(try Self.hosts(ofFleet: "blue").max()), try #require(try Self.hosts(ofFleet: "green").max())]
        let failed = try HoistBinary.run(["deploy", blueGreen, "--revision", try Self.revisionFailingAfterAllow(scratch, "mr2-\(tag)", on: last),
                                          "--no-rollback", "--json", "--db", db])
        try #require(failed.status == 3, "the deployment fails in its last reroute batch: \(Self.explain(failed))")
        try #require(failed.stdout.contains("\"phase\":\"Reroute 2 of 2\""), "the first batch moved before the failure")
        let lines = failed.stdout.split(separator: "\n").map(String.init)

        let (counts, run) = try await Self.phase(
            "blue/green manual rollback after a failed reroute", frontend: frontend,
            args: ["deploy", blueGreen, "--revision", goodDir, "--blue-green-rollback", "--json", "--db", db],
            newVersion: good, expectedFleet: { _ in (try? Self.fleetHosts(notInstalledIn: lines)) ?? [] })
        #expect(run.status == 0, "\(Self.explain(run))")
        #expect(counts.failed == 0)
        #expect(counts.outOfRotation == 0)
        #expect(counts.oldAfterSwitch == 0, "every answer after the rollback is the revision that served before")
        #expect(counts.wrongFleetAfterSwitch == 0, "every answer after the rollback is from the fleet that served before")
        if run.status != 0 || counts.oldAfterSwitch > 0 || counts.wrongFleetAfterSwitch > 0 {
            scratch.keep(because: "the rollback went wrong; history in \(db)")
        }
    }

    /// `--blue-green-rollback` after a blue/green deployment that moved traffic, as `hoist
    /// list` and `hoist show` report it: a rollback (codeDeployRollback) of that deployment,
    /// of the revision the original fleet runs (not the one `--revision` named, which nothing
    /// reads or installs: here it does not even exist), whose verdict says traffic went back
    /// to that fleet, naming its hosts.
    @Test func aBlueGreenRollbackIsRecordedAsARollbackOfTheOriginalFleetsRevision() async throws {
        let g = try Self.rollbackGroup("hoist-bg-record", group: "traffic-record", goodPrefix: "rr1")
        let deploy = try HoistBinary.run(["deploy", g.blueGreen, "--revision", try Self.revision(g.scratch, "rr2-\(g.tag)"), "--json", "--db", g.db])
        try #require(deploy.status == 0, "\(Self.explain(deploy))")
        let lines = deploy.stdout.split(separator: "\n").map(String.init)
        let original = Self.otherFleet(than: try #require(Self.installedFleet(lines)))
        let before = try #require(try Self.history(g.db, ["list"]) as? [[String: Any]])
        let deployed = try #require(before.first?["id"] as? String)

        let (counts, run) = try await Self.phase(
            "blue/green rollback, as the history records it", frontend: g.frontend,
            // A revision that is gone: moving traffic back never reads it.
            args: ["deploy", g.blueGreen, "--revision", g.scratch.file("gone-revision"), "--blue-green-rollback", "--json", "--db", g.db],
            newVersion: g.good, expectedFleet: { _ in (try? Self.fleetHosts(notInstalledIn: lines)) ?? [] })
        #expect(run.status == 0, "\(Self.explain(run))")
        #expect(counts.failed == 0)
        #expect(counts.outOfRotation == 0)
        #expect(counts.wrongFleetAfterSwitch == 0)

        let list = try #require(try Self.history(g.db, ["list"]) as? [[String: Any]])
        try #require(list.count == before.count + 1)
        let rollback = try #require(list.first)
        let rollbackID = try #require(rollback["id"] as? String)
        #expect(rollback["creator"] as? String == "codeDeployRollback")
        #expect(rollback["rollbackOf"] as? String == deployed, "a rollback of \(deployed): \(rollback)")
        #expect(rollback["revisionPath"] as? String == g.goodDir, "the original fleet runs \(g.good): \(rollback)")
        #expect(rollback["deploymentType"] as? String == "BLUE_GREEN")

        let detail = try #require(try Self.history(g.db, ["show", rollbackID]) as? [String: Any])
        let message = try #require((detail["deployment"] as? [String: Any])?["errorMessage"] as? String)
        #expect(message.contains("back to fleet \(original)") && message.contains(g.good), "\(message)")
        for host in try Self.hosts(ofFleet: original) { #expect(message.contains(host), "names \(host): \(message)") }
        let text = try HoistBinary.run(["show", rollbackID, "--db", g.db], environment: [:])
        #expect(text.stdout.range(of: "Rollback of +\(deployed)", options: .regularExpression) != nil, "\(text.stdout)")

        // The record has ended: there is nothing to continue.
        let continued = try HoistBinary.run(["continue", rollbackID, "--db", g.db], environment: [:])
        #expect(continued.status == 2 && continued.stderr.contains("already ended"), "\(continued.stderr)")

        // Redeploying it deploys the revision it went back to, as a blue/green deployment:
        // installed on the fleet not live, which then takes the traffic.
        let redeploy = try HoistBinary.run(["redeploy", rollbackID, "--json", "--db", g.db])
        #expect(redeploy.status == 0, "\(Self.explain(redeploy))")
        #expect(Self.installedFleet(redeploy.stdout.split(separator: "\n").map(String.init)) == Self.otherFleet(than: original))
        let redeployed = try #require((try Self.history(g.db, ["list"]) as? [[String: Any]])?.first)
        #expect(redeployed["creator"] as? String == "redeploy" && redeployed["rollbackOf"] as? String == rollbackID, "\(redeployed)")
        #expect(redeployed["revisionPath"] as? String == g.goodDir, "\(redeployed)")
        if run.status != 0 || redeploy.status != 0 { g.scratch.keep(because: "a step failed; history in \(g.db)") }
    }

    @Test func aRollbackToAStoppedFleetIsRefusedNamingItsHosts() async throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-bg-refused")
        let group = "traffic-refused"
        let inPlace = try Self.playbook(scratch, name: "inplace.yml", socket: socket, blueGreen: false, group: group)
        // TERMINATE stops the original fleet's app after the reroute.
        let blueGreen = try Self.playbook(scratch, name: "bluegreen.yml", socket: socket, blueGreen: true, group: group)
        try (String(contentsOfFile: blueGreen, encoding: .utf8) + "  original_fleet: TERMINATE\n")
            .write(toFile: blueGreen, atomically: true, encoding: .utf8)
        let db = scratch.file("history.sqlite3")
        let tag = UUID().uuidString.prefix(6)
        let setup = try HoistBinary.run(["deploy", inPlace, "--revision", try Self.revision(scratch, "rf1-\(tag)"), "--config", "AllAtOnce", "--json", "--db", db])
        try #require(setup.status == 0, "setup deploy failed: \(setup.stderr)")
        let v2 = try Self.revision(scratch, "rf2-\(tag)")
        let deploy = try HoistBinary.run(["deploy", blueGreen, "--revision", v2, "--json", "--db", db])
        try #require(deploy.status == 0, "\(deploy.stderr)")

        let refused = try HoistBinary.run(["deploy", blueGreen, "--revision", v2, "--blue-green-rollback", "--json", "--db", db])
        #expect(refused.status == 3, "\(refused.stderr)\n\(refused.stdout.suffix(2000))")
        // The fleet that served before the deployment, whose app TERMINATE stopped.
        let original = Self.otherFleet(than: try #require(Self.installedFleet(deploy.stdout.split(separator: "\n").map(String.init))))
        let said = refused.stdout + refused.stderr
        #expect(said.contains("cannot move traffic back to fleet \(original)"), "\(said.suffix(2000))")
        for host in try Self.hosts(ofFleet: original) { #expect(said.contains("\(host) ("), "names \(host)") }
        #expect(!refused.stdout.contains("\"event\":\"AllowTraffic\""), "nothing was put into rotation")
        #expect(!refused.stdout.contains("\"event\":\"BlockTraffic\""), "nothing was taken out of rotation")
    }
}
