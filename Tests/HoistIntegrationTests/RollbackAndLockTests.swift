import Foundation
import Testing
import HoistTestSupport

/// History, rollback, redeploy and locks against the real fleet (issue 6). Each test owns
/// its hosts (from the shared pool the deploy tests use) and its own deployment group and
/// history file.
@Suite(.serialized) struct RollbackAndLockTests {
    @Test func failedDeploymentRollsBackWithoutUpload() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("rbauto", hosts: names, extra: "auto_rollback: {on_failure: true}")
            let v1 = try group.revision("v1", version: "v1")
            let first = try group.deploy(v1)
            #expect(first.status == 0, "\(first.stderr)")
            let bad = try group.revision("v2", version: "v2", hookBody: "[ \"$LIFECYCLE_EVENT\" = AfterInstall ] && exit 9 || true")
            let failed = try group.deploy(bad)
            #expect(failed.status == 3)
            #expect(failed.stderr.contains("rolling back"))
            let list = try group.list()
            let rollback = try #require(list.first)
            #expect(rollback["creator"] as? String == "codeDeployRollback")
            #expect(rollback["status"] as? String == "Succeeded")
            #expect(rollback["rollbackOf"] as? String == list[1]["id"] as? String)
            for host in group.hosts {
                #expect(group.hostFile(host, "rbauto/VERSION") == "v1")
            }
            // The copy of v1 still on the hosts was used: nothing was uploaded.
            let show = try group.hoist(["show", rollback["id"] as! String, "--json"]).stdout
            #expect(show.contains("nothing uploaded"))
            #expect(!show.contains("uploaded 2"))
        }
    }

    @Test func manualRollbackToNamedDeployment() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("rbmanual", hosts: names)
            let r1 = try group.deploy(try group.revision("v1", version: "one"))
            #expect(r1.status == 0, "\(r1.stderr)")
            let firstID = try #require(try group.list().first?["id"] as? String)
            let r2 = try group.deploy(try group.revision("v2", version: "two"))
            #expect(r2.status == 0, "\(r2.stderr)")
            #expect(group.hostFile(names[0], "rbmanual/VERSION") == "two")
            let back = try group.hoist(["rollback", group.playbook, "--to", firstID])
            #expect(back.status == 0, "\(back.stderr)")
            #expect(group.hostFile(names[0], "rbmanual/VERSION") == "one")
            #expect(try group.list().first?["creator"] as? String == "codeDeployRollback")
        }
    }

    @Test func redeployOnlyFailedHosts() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("redeploy", hosts: names, config: "AllAtOnce")
            let flag = group.hostPath(names[1], srv: "fail-redeploy")
            _ = FileManager.default.createFile(atPath: flag, contents: Data())
            let rev = try group.revision("v1", version: "v1", hookBody: "[ ! -e /srv/fail-redeploy ]")
            let first = try group.deploy(rev)
            #expect(first.status == 0, "AllAtOnce succeeds when one host does: \(first.stderr)")
            let firstID = try #require(try group.list().first?["id"] as? String)
            try FileManager.default.removeItem(atPath: flag)
            let again = try group.hoist(["redeploy", firstID, "--only-failed"])
            #expect(again.status == 0, "\(again.stderr)")
            let redeployID = try #require(try group.list().first?["id"] as? String)
            let show = try group.hoist(["show", redeployID, "--json"]).stdout
            #expect(show.contains(names[1]))
            #expect(!show.contains(names[0]))
            #expect(group.hostFile(names[1], "redeploy/VERSION") == "v1")
        }
    }

    /// The `redeploy --only-failed` Hoist suggests runs on the one failed host under the
    /// group's HalfAtATime: OneAtATime is used, with a note. It was refused
    /// (HEALTH_CONSTRAINTS_INVALID), and recorded as another Failed deployment.
    @Test func aSuggestedRedeployOfOneFailedHostRuns() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("redeployhalf", hosts: names, config: "HalfAtATime")
            let flag = group.hostPath(names[1], srv: "fail-redeployhalf")
            _ = FileManager.default.createFile(atPath: flag, contents: Data())
            let first = try group.deploy(try group.revision("v1", version: "v1", hookBody: "[ ! -e /srv/fail-redeployhalf ]"))
            #expect(first.status == 0, "one of two may fail under HalfAtATime: \(first.stderr)")
            let firstID = try #require(try group.list().first?["id"] as? String)
            try FileManager.default.removeItem(atPath: flag)
            let again = try group.hoist(["redeploy", firstID, "--only-failed"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("HalfAtATime cannot run on the 1 host to redeploy"), "\(again.stderr)")
            #expect(group.hostFile(names[1], "redeployhalf/VERSION") == "v1")
        }
    }

    /// A deployment started with a relative playbook path records it absolute, so `hoist
    /// redeploy ID` works from another folder (it failed with "pb.yml: cannot read the file").
    @Test func aRelativePlaybookIsRecordedSoRedeployWorksFromElsewhere() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("relative", hosts: names)
            let rev = try group.revision("v1", version: "v1")
            let first = try HoistBinary.run(["deploy", "pb.yml", "--revision", rev, "--hosts", names[0], "--db", group.db],
                                            currentDirectory: group.dir)
            #expect(first.status == 0, "\(first.stderr)")
            let id = try #require(try group.list().first?["id"] as? String)
            let again = try HoistBinary.run(["redeploy", id, "--db", group.db], currentDirectory: URL(fileURLWithPath: "/"))
            #expect(again.status == 0, "\(again.stderr)")
            #expect(group.hostFile(names[0], "relative/VERSION") == "v1")
            // To the one host the first deployment had, not the whole group: other tests hold
            // the group's other hosts (it deployed to all of them, and failed when one was down).
            let redeployID = try #require(try group.list().first?["id"] as? String)
            let show = try group.hoist(["show", redeployID, "--json"])
            let detail = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any], "\(show.stderr)")
            let hosts = ((detail["hosts"] as? [[String: Any]]) ?? []).compactMap { $0["host"] as? String }
            #expect(hosts == [names[0]], "\(show.stdout)")
        }
    }

    @Test func twoCoordinatorsNeverDeployTogether() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("locks", hosts: names)
            let gate = "/srv/go-locks"
            let slow = try group.revision("slow", version: "slow", hookBody: "touch /srv/started-locks; while [ ! -e \(gate) ]; do sleep 0.1; done")
            let first = try group.startDeploy(slow)
            try eventually("the first deployment's hook to start") { group.hostFile(names[0], "started-locks") != nil }
            let second = try group.deploy(try group.revision("fast", version: "fast"))
            #expect(second.status == 6)
            // The group is the one host the pool gave the test (`FleetGroup` writes an
            // inventory of only its hosts), and the refusal names it.
            #expect(second.stderr.contains("is locked on \(names[0]) by deployment"), "\(second.stderr)")
            let waiting = try group.startDeploy(try group.revision("waits", version: "waits"), ["--lock-wait", "120s"])
            _ = FileManager.default.createFile(atPath: group.hostPath(names[0], srv: "go-locks"), contents: Data())
            let firstResult = first.finish()
            #expect(firstResult.status == 0, "\(firstResult.stderr)")
            let waited = waiting.finish()
            #expect(waited.status == 0, "\(waited.stderr)")
            #expect(group.hostFile(names[0], "locks/VERSION") == "waits")
            try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: "go-locks"))
            try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: "started-locks"))
        }
    }

    @Test func stopFromAnotherProcess() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("stopper", hosts: names)
            for h in group.hosts {
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "go-stopper"))
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "started-stopper"))
            }
            let slow = try group.revision("slow", version: "slow", hookBody: "touch /srv/started-stopper; while [ ! -e /srv/go-stopper ]; do sleep 0.1; done")
            let running = try group.startDeploy(slow, env: ["HOIST_LOCK_HEARTBEAT": "0.5"])
            let host = try {
                var found: String?
                try eventually("a hook to start") {
                    found = group.hosts.first { group.hostFile($0, "started-stopper") != nil }
                    return found != nil
                }
                return found!
            }()
            let id = try #require(try group.list().first?["id"] as? String)
            let stop = try group.hoist(["stop", id])
            #expect(stop.status == 0, "\(stop.stderr)")
            // The running hook is allowed to finish once the coordinator has seen the stop.
            #expect(running.waitForStderr(containing: "hoist: stopping", seconds: 600), "the coordinator saw the stop")
            _ = FileManager.default.createFile(atPath: group.hostPath(host, srv: "go-stopper"), contents: Data())
            let result = running.finish()
            #expect(result.status == 4, "\(result.stdout)\n\(result.stderr)")
            #expect(try group.list().first?["status"] as? String == "Stopped")
            for h in group.hosts {
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "go-stopper"))
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "started-stopper"))
            }
        }
    }

    /// A coordinator killed mid-hook: the hook it started is stopped on the host (its channel
    /// closed; nobody would ever hear how it ended, and it would go on changing the host under
    /// the next deployment), and the next deployment takes the lock over.
    @Test func killedCoordinatorIsRecovered() async throws {
        try await withFleetHosts(1) { names in try Self.killedCoordinatorIsRecovered(names, application: "killed") }
    }

    /// The same on a host without perl, where the sh wrapper runs the hook: it used to leave
    /// the hook running until its deadline.
    @Test func killedCoordinatorIsRecoveredOnAHostWithoutPerl() async throws {
        try await withFleetHosts(1) { names in
            try await HostOutages.withHiddenPrograms(["perl"], on: names[0]) {
                try Self.killedCoordinatorIsRecovered(names, application: "killednp")
            }
            let group = TestPaths.fleetDir.appendingPathComponent("hosts/\(names[0])/var-lib/hoist/killednp_g").path
            let runners = FileManager.default.enumerator(atPath: group)?.compactMap { $0 as? String }.filter { $0.hasSuffix("hook-runner.pl") }
            #expect(runners == [], "the hooks ran in the sh wrapper")
        }
    }

    static func killedCoordinatorIsRecovered(_ names: [String], application: String) throws {
        let group = try FleetGroup(application, hosts: names)
        let started = "started-\(application)", stopped = "stopped-\(application)"
        for file in [started, stopped] { try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: file)) }
        let slow = try group.revision("slow", version: "slow", hookBody: """
            trap 'touch /srv/\(stopped); exit 143' TERM
            touch /srv/\(started); sleep 600 & wait
            """)
        let running = try group.startDeploy(slow)
        try eventually("the hook to start") { group.hostFile(names[0], started) != nil }
        running.send(SIGKILL)
        _ = running.finish()
        try eventually("the orphaned hook to be stopped", timeout: 120) { group.hostFile(names[0], stopped) != nil }
        try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: stopped))
        let next = try group.deploy(try group.revision("next", version: "next"))
        #expect(next.status == 0, "\(next.stderr)")
        #expect(next.stderr.contains("marked Failed (FAILED_AFTER_RESTART)"))
        let list = try group.list()
        #expect(list[1]["status"] as? String == "Failed")
        #expect(list[1]["errorCode"] as? String == "FAILED_AFTER_RESTART")
        #expect(group.hostFile(names[0], "\(application)/VERSION") == "next")
        try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: started))
    }

    /// A short lease, so that the next deployment soon finds a frozen coordinator's lock stale,
    /// but 5.5 s of beats to spare before it is frozen: a coordinator whose lock no host renewed
    /// for the lease less one beat stops itself, and a loaded machine can hold beats back.
    static let frozenLease = ["HOIST_LOCK_LEASE": "6", "HOIST_LOCK_HEARTBEAT": "0.5"]

    /// A coordinator that froze mid-hook (a laptop that went to sleep: its connections stay
    /// open, so the hook's channel never closes): once its lease has passed, the next
    /// deployment takes the lock over, stops the hook it left running, and says so.
    @Test func aFrozenCoordinatorsHookIsStoppedWhenItsLockIsTakenOver() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("frozen", hosts: names)
            for file in ["started-frozen", "stopped-frozen"] { try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: file)) }
            let slow = try group.revision("slow", version: "slow", hookBody: """
                trap 'touch /srv/stopped-frozen; exit 143' TERM
                touch /srv/started-frozen; sleep 600 & wait
                """)
            let frozen = try group.startDeploy(slow, env: Self.frozenLease)
            defer { frozen.send(SIGKILL); frozen.send(SIGCONT); _ = frozen.finish() }
            try eventually("the hook to start") { group.hostFile(names[0], "started-frozen") != nil }
            frozen.send(SIGSTOP)
            let next = try group.deploy(try group.revision("next", version: "next"), ["--lock-wait", "5m"])
            #expect(next.status == 0, "\(next.stderr)")
            #expect(next.stderr.contains("a hook of d-") && next.stderr.contains("still running, though it no longer holds the lock"),
                    "\(next.stderr)")
            #expect(group.hostFile(names[0], "stopped-frozen") != nil, "the frozen coordinator's hook was stopped")
            #expect(group.hostFile(names[0], "frozen/VERSION") == "next")
            // Woken up, the frozen coordinator says who killed its hook: not a stop of its own.
            frozen.send(SIGCONT)
            let woken = frozen.finish()
            #expect(woken.stdout.contains("was killed by another deployment, which took the deployment group lock over"),
                    "\(woken.stdout)\(woken.stderr)")
            for file in ["started-frozen", "stopped-frozen"] { try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: file)) }
        }
    }

    /// The frozen coordinator, woken after the next deployment took its lock over, must not
    /// touch the hosts again: its hook's failure used to start an automatic rollback, which
    /// ran hooks and installed files on hosts another deployment now held (no lock of its own).
    @Test func aFrozenCoordinatorWokenAfterATakeoverDoesNotRollBack() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("thawed", hosts: names, extra: "auto_rollback: {on_failure: true}")
            let marker = "started-thawed"
            try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: marker))
            let first = try group.deploy(try group.revision("v1", version: "v1"))
            #expect(first.status == 0, "\(first.stderr)")
            let slow = try group.revision("slow", version: "slow", hookBody: "touch /srv/\(marker); sleep 600")
            let frozen = try group.startDeploy(slow, env: Self.frozenLease)
            defer { frozen.send(SIGKILL); frozen.send(SIGCONT); _ = frozen.finish() }
            try eventually("the hook to start") { group.hostFile(names[0], marker) != nil }
            frozen.send(SIGSTOP)
            let next = try group.deploy(try group.revision("next", version: "next"), ["--lock-wait", "5m"])
            #expect(next.status == 0, "\(next.stderr)")
            frozen.send(SIGCONT)
            let woken = frozen.finish()
            #expect(woken.status != 0)
            #expect(woken.stderr.contains("lost the deployment group lock") || woken.stderr.contains("no host has confirmed"),
                    "\(woken.stderr)")
            #expect(!woken.stderr.contains("rolling back"), "\(woken.stderr)")
            #expect(try group.list().count == 3, "v1, slow, next: no rollback recorded")
            #expect(group.hostFile(names[0], "thawed/VERSION") == "next")
            try? FileManager.default.removeItem(atPath: group.hostPath(names[0], srv: marker))
        }
    }

    /// A lock left behind by a deployment that ended (its release failed where the host was
    /// down at the end) still has a heartbeat fresh for its lease, though none has come for
    /// a minute. `lock status` says whose it was and that
    /// it ended, `hoist stop` does not claim to stop it, and `lock release` removes it without
    /// --force; all of them used to treat it as a running deployment's.
    @Test func aLockLeftBehindByAnEndedDeploymentIsToldApart() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("leftover", hosts: names)
            let first = try group.deploy(try group.revision("v1", version: "v1"))
            #expect(first.status == 0, "\(first.stderr)")
            let id = try #require(try group.list().first?["id"] as? String)
            let lockDir = group.fleetDir.appendingPathComponent("hosts/\(names[0])/var-lib/hoist/deployment-instructions/leftover_g.lock").path
            try FileManager.default.createDirectory(atPath: lockDir, withIntermediateDirectories: true)
            let now = Int(Date().timeIntervalSince1970)
            // Half an hour's lease, a quarter of an hour old: ended by the history's word, far
            // from stale, whatever the machine's load (120 s and a minute left one minute).
            let owner = #"{"command":"hoist deploy","deploymentID":"\#(id)","leaseSeconds":1800,"machine":"elsewhere","pid":1,"startTime":\#(now - 900),"status":"running","user":"bob","heartbeatTime":\#(now - 900)}"#
            try owner.write(toFile: lockDir + "/owner.json", atomically: true, encoding: .utf8)

            let status = try group.hoist(["lock", "status", group.playbook])
            #expect(status.stdout.contains("fresh") && status.stdout.contains("but \(id) ended Succeeded"), "\(status.stdout)\(status.stderr)")
            let stop = try group.hoist(["stop", "--playbook", group.playbook])
            #expect(stop.status == 1 && stop.stderr.contains("left behind"), "\(stop.stdout)\(stop.stderr)")
            let stopByID = try group.hoist(["stop", id, "--playbook", group.playbook])
            #expect(stopByID.status == 1 && stopByID.stderr.contains("nothing runs \(id) any more"), "\(stopByID.stdout)\(stopByID.stderr)")
            let release = try group.hoist(["lock", "release", group.playbook])
            #expect(release.status == 0, "\(release.stderr)")
            #expect(!FileManager.default.fileExists(atPath: lockDir))
        }
    }

    @Test func staleLockFromElsewhereIsTakenOver() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("stale", hosts: names)
            let lockDir = group.fleetDir.appendingPathComponent("hosts/\(names[0])/var-lib/hoist/deployment-instructions/stale_g.lock").path
            try FileManager.default.createDirectory(atPath: lockDir, withIntermediateDirectories: true)
            let old = Int(Date().timeIntervalSince1970) - 3600
            let owner = #"{"command":"hoist deploy","deploymentID":"d-OLDOLDOLD","leaseSeconds":120,"machine":"elsewhere","pid":1,"startTime":\#(old),"status":"running","user":"bob","heartbeatTime":\#(old)}"#
            try owner.write(toFile: lockDir + "/owner.json", atomically: true, encoding: .utf8)
            let result = try group.deploy(try group.revision("v1", version: "v1"))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("stale"))
            #expect(!FileManager.default.fileExists(atPath: lockDir), "the lock is released after the deployment")
        }
    }
    }

/// `hoist stop --playbook PB`: the lock on the hosts names the running deployment, so a
/// machine without the history (a cron job's history lives elsewhere) can stop it.
@Suite(.serialized) struct StopThroughTheLockTests {
    @Test func stopFindsTheDeploymentThroughTheLockWithoutTheHistory() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("stoplock", hosts: names)
            for h in group.hosts {
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "go-stoplock"))
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "started-stoplock"))
            }
            let slow = try group.revision("slow", version: "slow", hookBody: "touch /srv/started-stoplock; while [ ! -e /srv/go-stoplock ]; do sleep 0.1; done")
            let running = try group.startDeploy(slow, env: ["HOIST_LOCK_HEARTBEAT": "0.5"])
            var host: String?
            try eventually("a hook to start") {
                host = group.hosts.first { group.hostFile($0, "started-stoplock") != nil }
                return host != nil
            }
            let id = try #require(try group.list().first?["id"] as? String)
            let nowhere = try ScratchDirectory("hoist-no-history")
            let stop = try HoistBinary.run(["stop", "--playbook", group.playbook],
                                           environment: ["XDG_STATE_HOME": nowhere.path, "HOME": nowhere.path])
            #expect(stop.status == 0, "\(stop.stderr)")
            #expect(stop.stdout.contains("asked \(id) to stop"), "\(stop.stdout)")
            #expect(!FileManager.default.fileExists(atPath: nowhere.file("hoist/history.sqlite3")), "no history was read or made")
            #expect(running.waitForStderr(containing: "hoist: stopping", seconds: 600), "the coordinator saw the stop")
            _ = FileManager.default.createFile(atPath: group.hostPath(host!, srv: "go-stoplock"), contents: Data())
            let result = running.finish()
            #expect(result.status == 4, "\(result.stdout)\n\(result.stderr)")
            #expect(try group.list().first?["status"] as? String == "Stopped")
            let again = try HoistBinary.run(["stop", "--playbook", group.playbook], environment: ["XDG_STATE_HOME": nowhere.path])
            #expect(again.status == 1)
            #expect(again.stderr.contains("no running deployment holds the lock"), "\(again.stderr)")
            for h in group.hosts {
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "go-stoplock"))
                try? FileManager.default.removeItem(atPath: group.hostPath(h, srv: "started-stoplock"))
            }
        }
    }
}

/// A rollback whose bundle the coordinator's cache no longer holds (its limits; another
/// machine; a CI runner's empty cache) and whose folder is gone reads the bundle back from a
/// host that still holds it. It was refused ("no such file or directory"), though every host
/// held the bytes.
@Suite(.serialized) struct RollbackFromHeldBundleTests {
    @Test func aRollbackReadsItsBundleBackFromAHostWhenTheCacheAndTheFolderLackIt() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("rbheld", hosts: names)
            let cache = group.dir.appendingPathComponent("cache").path
            // The cache keeps nothing once a command ends.
            let env = ["XDG_CACHE_HOME": cache, "HOIST_BUNDLE_CACHE_MAX_BUNDLES": "0"]
            let v1 = try group.revision("v1", version: "one")
            #expect(try group.deploy(v1, env: env).status == 0)
            #expect(try group.deploy(try group.revision("v2", version: "two"), env: env).status == 0)
            try FileManager.default.removeItem(atPath: v1)
            let back = try group.hoist(["rollback", group.playbook], env: env)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(back.stderr.contains("was read back from \(names[0]), which still holds it"), "\(back.stderr)")
            #expect(group.hostFile(names[0], "rbheld/VERSION") == "one")
        }
    }
}

/// `hoist rollback` after a success goes to the revision before the current one, twice
/// steps back twice, and `--to` refuses another group's deployment.
@Suite(.serialized) struct RollbackToThePreviousRevisionTests {
    @Test func rollbackAfterASuccessGoesToThePreviousRevision() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("rbprev", hosts: names)
            #expect(try group.deploy(try group.revision("v1", version: "one")).status == 0)
            #expect(try group.deploy(try group.revision("v2", version: "two")).status == 0)
            #expect(try group.deploy(try group.revision("v3", version: "three")).status == 0)
            let v3 = try #require(try group.list().first?["id"] as? String)

            let back = try group.hoist(["rollback", group.playbook])
            #expect(back.status == 0, "\(back.stderr)")
            #expect(group.hostFile(names[0], "rbprev/VERSION") == "two")
            let second = try group.hoist(["rollback", group.playbook])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(group.hostFile(names[0], "rbprev/VERSION") == "one", "a second rollback steps back again")
            let list = try group.list()
            #expect(list.first?["creator"] as? String == "codeDeployRollback")
            let third = try group.hoist(["rollback", group.playbook])
            #expect(third.status == 2)
            #expect(third.stderr.contains("nothing before it to roll back to"), "\(third.stderr)")

            // Another group's playbook, same history: --to refuses this group's deployment.
            let other = group.dir.appendingPathComponent("other.yml").path
            try String(contentsOfFile: group.playbook, encoding: .utf8).replacingOccurrences(of: "deployment_group: g", with: "deployment_group: other")
                .write(toFile: other, atomically: true, encoding: .utf8)
            let refused = try group.hoist(["rollback", other, "--to", v3])
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("\(v3) is a deployment of rbprev/g, not of rbprev/other"), "\(refused.stderr)")
            #expect(group.hostFile(names[0], "rbprev/VERSION") == "one", "nothing was deployed")
        }
    }
}

/// `hoist rollback` goes to the hosts the group's newest deployment reached. One refused
/// before any host (a canary below its minimum healthy hosts) used to send the rollback to
/// the whole group, installing on hosts the group had never deployed to.
@Suite(.serialized) struct RollbackAfterARefusedDeploymentTests {
    @Test func aRollbackAfterADeploymentThatReachedNoHostGoesToTheHostsBeforeIt() async throws {
        try await withFleetHosts(2) { names in
            // Its own application name each run: a host the test did not deploy to must hold no
            // VERSION, and a fleet kept between runs still holds the last run's.
            let group = try FleetGroup("rbrefused-\(UUID().uuidString.prefix(8).lowercased())", hosts: names)
            let canary = try group.hoist(["deploy", group.playbook, "--revision", try group.revision("v1", version: "one"), "--hosts", names[0]])
            #expect(canary.status == 0, "\(canary.stderr)")
            let canaryID = try #require(try group.list().first?["id"] as? String)
            // Half of one host must stay healthy: refused before any host.
            let refused = try group.hoist(["deploy", group.playbook, "--revision", try group.revision("v2", version: "two"),
                                           "--hosts", names[0], "--config", "HalfAtATime"])
            #expect(refused.status == 5, "\(refused.stderr)")
            let back = try group.hoist(["rollback", group.playbook])
            #expect(back.status == 0, "\(back.stderr)")
            #expect(back.stderr.contains("on the hosts \(canaryID) reached: \(names[0])"), "\(back.stderr)")
            #expect(group.hostFile(names[0], "\(group.application)/VERSION") == "one")
            #expect(group.hostFile(names[1], "\(group.application)/VERSION") == nil, "never deployed to by this group")
        }
    }
}

/// `hoist list` names the revision as people do: its folder or file name, and the git commit
/// when the revision is a git work tree (`+dirty` with uncommitted changes, `+untracked` with
/// files git does not know, none for a folder git tracks nothing of).
@Suite(.serialized) struct ListRevisionNameTests {
    @Test func listShowsTheFolderNameAndTheGitCommit() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("listrev", hosts: names)
            let plain = try group.revision("plain", version: "one")
            #expect(try group.deploy(plain).status == 0)
            let tracked = try group.revision("tracked", version: "two")
            let git = "git -C '\(tracked)' -c user.name=hoist -c user.email=hoist@example.invalid"
            let made = try DemoFleet.bash("set -e; \(git) init -q; \(git) add -A; \(git) commit -qm v2; \(git) rev-parse --short=12 HEAD")
            #expect(made.status == 0, "\(made.output)")
            let commit = made.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try group.deploy(tracked).status == 0)
            try "two-edited".write(toFile: tracked + "/app/VERSION", atomically: true, encoding: .utf8)
            #expect(try group.deploy(tracked).status == 0)
            // A file git neither tracks nor ignores is not in the commit either.
            try "two".write(toFile: tracked + "/app/VERSION", atomically: true, encoding: .utf8)
            try "new".write(toFile: tracked + "/app/NEW", atomically: true, encoding: .utf8)
            #expect(try group.deploy(tracked).status == 0)
            // A revision folder inside the work tree that git tracks nothing of has no commit.
            let inside = tracked + "/nested"
            try FileManager.default.copyItem(atPath: plain, toPath: inside)
            #expect(try group.deploy(inside).status == 0)

            let list = try group.hoist(["list"])
            #expect(list.status == 0, "\(list.stderr)")
            let rows = list.stdout.split(separator: "\n").map(String.init)
            #expect(rows.count == 6, "\(list.stdout)")
            guard rows.count == 6 else { return }
            #expect(rows[1].range(of: #" nested [0-9a-f]{12} "#, options: .regularExpression) != nil, "\(list.stdout)")
            #expect(rows[2].contains(" rev-tracked@\(commit)+untracked "), "\(list.stdout)")
            #expect(rows[3].contains(" rev-tracked@\(commit)+dirty "), "\(list.stdout)")
            #expect(rows[4].contains(" rev-tracked@\(commit) "), "\(list.stdout)")
            #expect(rows[5].range(of: #" rev-plain [0-9a-f]{12} "#, options: .regularExpression) != nil, "\(list.stdout)")
            let json = try group.list()
            #expect(json.dropFirst().first?["revisionCommit"] as? String == "\(commit)+untracked")
            #expect(json.dropFirst(2).first?["revisionCommit"] as? String == "\(commit)+dirty")
            // A redeploy sends the recorded bytes (from the bundle cache), and keeps their
            // commit: it was listed with the digest instead.
            let clean = try #require(json.dropFirst(3).first?["id"] as? String)
            #expect(try group.hoist(["redeploy", clean]).status == 0)
            #expect(try group.list().first?["revisionCommit"] as? String == commit)
        }
    }
}
