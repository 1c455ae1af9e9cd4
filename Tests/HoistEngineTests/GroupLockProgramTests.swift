import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// The rendered lock programs run one at a time by a real /bin/sh.
@Suite struct GroupLockProgramTests {
    @Test func ownerJSONSurvivesAwkwardValues() throws {
        var owner = GroupLockFleet.owner("d-ALICE0001")
        owner.user = "al\"ice\\"
        owner.machine = "lap\ntop\t\u{1}é"
        owner.command = "hoist deploy x --msg '\"heartbeatTime\":1,\"leaseSeconds\":9'"
        let json = GroupLockCommands.ownerJSONPrefix(owner) + "77}"
        let decoded = try #require(GroupLock.decodeOwner(json))
        owner.heartbeatTime = 77
        #expect(decoded == owner)
    }

    @Test func heartbeatRefreshesOursAndReportsALostLock() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let owner = GroupLockFleet.owner("d-ALICE0001")
        try fleet.plantLock(on: "web1", owner: owner, age: 1000)
        let commands = GroupLockCommands(layout: fleet.layout("web1"), become: false)
        let session = LocalHostSession(host: fleet.hosts[0])

        let (_, out, _) = try await session.capture(commands.heartbeat(owner: owner))
        #expect(GroupLockReply.parse(out)?.outcome == .beat)
        let refreshed = try #require(fleet.ownerOnDisk("web1")).heartbeatTime
        #expect(refreshed > Int(Date().timeIntervalSince1970) - 1000)

        try fleet.plantLock(on: "web1", owner: GroupLockFleet.owner("d-CAROL0001", user: "carol"), age: 0)
        let (_, lostOut, _) = try await session.capture(commands.heartbeat(owner: owner))
        let lost = try #require(GroupLockReply.parse(lostOut))
        #expect(lost.outcome == .lost)
        #expect(GroupLock.decodeOwner(lost.ownerJSON)?.deploymentID == "d-CAROL0001")
        #expect(fleet.ownerOnDisk("web1")?.deploymentID == "d-CAROL0001")
    }

    @Test(arguments: [
        ([], nil), (["graceful by bob@ci"], StopLevel.graceful), (["immediate by bob@ci"], .immediate),
        (["graceful by bob@ci", "graceful by bob@ci"], .immediate),
    ] as [([String], StopLevel?)])
    func stopLevelFromRequests(requests: [String], level: StopLevel?) {
        #expect(HeartbeatHandle.stopLevel(requests) == level)
    }

    /// Taking the lock names the group's hook runs still alive (left by a coordinator that is
    /// gone): a `.pid` whose script's parent is still its runner, even when the script's name
    /// holds spaces and parentheses (as /proc shows it). Not a `.pid` whose pid now has another
    /// parent, an empty one (a runner starting), or one that names no numbers.
    @Test func takingTheLockNamesHookRunsLeftAlive() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let layout = fleet.layout("web1")
        let logs = layout.deploymentDir("d-OLD") + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let script = logs + "/my (odd) x.sh"
        try "#!/bin/sh\nsleep 600\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        // A runner stand-in: a shell whose child is the script (which stays a shell, named as it is).
        let runner = try SpawnedProcess(path: "/bin/sh", arguments: ["-c", "\"$0\" & echo $! >\"$0.child\"; wait", script],
                                        environment: ProcessInfo.processInfo.environment, ownProcessGroup: true)
        defer { kill(-runner.pid, SIGKILL); var status: Int32 = 0; waitpid(runner.pid, &status, 0); close(runner.stdout); close(runner.stderr) }
        let started = await eventually(within: 120) { FileManager.default.fileExists(atPath: script + ".child") }
        try #require(started)
        let child = try String(contentsOfFile: script + ".child", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try "\(runner.pid) \(child)\n".write(toFile: logs + "/.hook-live.pid", atomically: true, encoding: .utf8)
        try "1 \(child)\n".write(toFile: logs + "/.hook-reused.pid", atomically: true, encoding: .utf8)
        try "".write(toFile: logs + "/.hook-starting.pid", atomically: true, encoding: .utf8)
        try "x y\n".write(toFile: logs + "/.hook-junk.pid", atomically: true, encoding: .utf8)

        let commands = GroupLockCommands(layout: layout, become: false)
        let (_, out, err) = try await LocalHostSession(host: fleet.hosts[0]).capture(commands.take(owner: GroupLockFleet.owner("d-NEW0001"), token: "t1"))
        let reply = try #require(GroupLockReply.parse(out), "\(out) \(err)")
        #expect(reply.outcome == .taken)
        #expect(reply.orphans == [logs + "/.hook-live"], "\(out)")
        #expect(OrphanedRuns(host: fleet.hosts[0], scratches: reply.orphans).deploymentIDs == ["d-OLD"])
    }

    /// Several runs left on one host are stopped by one program: each gets its TERM, then one
    /// grace passes and those still there are KILLed. These scripts ignore TERM (as a hook that
    /// traps it might), so only the KILL ends them; a `.pid` naming no run is passed over.
    @Test(.timeLimit(.minutes(5)))
    func runsLeftOnOneHostAreStoppedTogether() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let logs = fleet.layout("web1").deploymentDir("d-OLD") + "/logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        // Runner pid → its script's (a group of its own), for a failed run's cleanup.
        var running: [pid_t: pid_t] = [:]
        defer {
            for (runner, script) in running { if script > 1 { kill(-script, SIGKILL) }; kill(-runner, SIGKILL); var status: Int32 = 0; waitpid(runner, &status, 0) }
        }
        var runs: [(runner: SpawnedProcess, scratch: String)] = []
        for name in ["a", "b"] {
            let script = logs + "/\(name).sh"
            try "#!/bin/sh\ntrap '' TERM\nsleep 600\n".write(toFile: script, atomically: true, encoding: .utf8)
            chmod(script, 0o755)
            // A runner stand-in whose child, the script, leads a process group of its own, as
            // the wrapper starts it.
            let runner = try SpawnedProcess(path: "/bin/sh", arguments: ["-c", "setsid \"$0\" & echo $! >\"$0.child\"; wait", script],
                                            environment: ProcessInfo.processInfo.environment, ownProcessGroup: true)
            close(runner.stdout); close(runner.stderr)
            running[runner.pid] = 0
            // The file exists as soon as the shell opens it for the redirect, before `echo`
            // writes: on a busy machine it was read empty, the pid file named no script, and
            // the script was never stopped. Wait for the pid itself.
            let childFile = script + ".child"
            try #require(await eventually(within: 120) {
                pid_t((try? String(contentsOfFile: childFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") != nil
            })
            let child = try String(contentsOfFile: childFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            running[runner.pid] = pid_t(child) ?? 0
            try "\(runner.pid) \(child)\n".write(toFile: logs + "/.hook-\(name).pid", atomically: true, encoding: .utf8)
            runs.append((runner, logs + "/.hook-\(name)"))
        }
        try "x y\n".write(toFile: logs + "/.hook-junk.pid", atomically: true, encoding: .utf8)

        let scratches = runs.map(\.scratch) + [logs + "/.hook-junk"]
        await fleet.lock(GroupLockFleet.owner("d-NEW0001")).stop([OrphanedRuns(host: fleet.hosts[0], scratches: scratches)], graceSeconds: 1)
        for run in runs {
            // A runner's `wait` ends when its script is gone.
            let ended = await eventually(within: 120) { var status: Int32 = 0; return waitpid(run.runner.pid, &status, WNOHANG) == run.runner.pid }
            if ended { running[run.runner.pid] = nil }
            #expect(ended, "\(run.scratch) is still running")
            #expect(FileManager.default.fileExists(atPath: run.scratch + ".killed"), "\(run.scratch) is marked killed")
        }
    }

    /// The program waits out one grace per host however many runs it stops.
    @Test func oneGraceForAllTheRunsOfAHost() {
        let program = HookInvocation.killCommand(scratches: ["/d/.hook-a", "/d/.hook-b", "/d/.hook-c"], graceSeconds: 7, sudo: false)
        #expect(program.components(separatedBy: "sleep 7").count == 2, "\(program)")
        #expect(program.contains("for d in /d/.hook-a /d/.hook-b /d/.hook-c; do"), "\(program)")
    }

    @Test func programsRunUnderSudoWhenBecomeIsSet() {
        let commands = GroupLockCommands(layout: HostLayout(root: "/srv/it's", groupID: "a_b"), become: true)
        let status = commands.status()
        #expect(status.hasPrefix("sudo -n sh -c '"))
        #expect(status.contains("/srv/it"))
    }

    @Test func parseReadsMarkersAndIgnoresNoise() {
        let reply = GroupLockReply.parse("motd line\n\u{1e}held 12\n\u{1e}owner {\"a\":1}\n\u{1e}stop graceful by x\n")
        #expect(reply == GroupLockReply(outcome: .held, heartbeatAgeSeconds: 12, ownerJSON: "{\"a\":1}", stopRequests: ["graceful by x"]))
        #expect(GroupLockReply.parse("nothing here") == nil)
    }
}

/// Locks left in odd states by hand or by a coordinator that died part-way.
@Suite struct GroupLockLeftoverTests {
    @Test func aLockWithoutReadableOwnerIsHeldByAnUnknownHolderUntilItAges() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let dir = fleet.layout("web1").lockDir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "not json".write(toFile: dir + "/owner.json", atomically: true, encoding: .utf8)
        // An unknown holder's lease is the taker's: ten minutes, against an hour's age below.
        let bob = fleet.lock(GroupLockFleet.owner("d-BOB000001", user: "bob", lease: 600))
        do {
            _ = try await bob.acquire()
            Issue.record("a fresh lock of unknown origin must not be taken")
        } catch let held as GroupLockHeld {
            #expect(held.holder == .unknown)
            #expect(held.description.contains("unknown holder"))
        }

        // Its age is the directory's: old enough, it is taken over like any stale lock.
        let old = Date(timeIntervalSinceNow: -3600)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir)
        let messages = Locked<[String]>([])
        _ = try await bob.acquire(onStaleTakeover: { m in messages.withLock { $0.append(m) } })
        #expect(messages.current.count == 1)
        #expect(fleet.ownerOnDisk("web1")?.deploymentID == "d-BOB000001")
    }

    @Test func scratchOfDeadCoordinatorsIsSweptWhenTakingTheLock() async throws {
        let fleet = try GroupLockFleet(["web1"])
        let instructions = fleet.layout("web1").instructionsDir
        let old = instructions + "/app_prod.lock.new.deadbeef"
        let recent = instructions + "/app_prod.lock.stale.cafe"
        let other = instructions + "/app_prod_last_deployment"
        for dir in [old, recent] { try FileManager.default.createDirectory(atPath: dir + "/x", withIntermediateDirectories: true) }
        try "x".write(toFile: other, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: old)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: other)
        _ = try await fleet.lock(GroupLockFleet.owner("d-ALICE0001")).acquire()
        #expect(fleet.instructionEntries("web1") == ["app_prod.lock", "app_prod.lock.stale.cafe", "app_prod_last_deployment"])
    }
}
