import Testing
import HoistCore
@testable import HoistPlanning

/// The one plan `hoist plan` prints and `hoist deploy` executes.
@Suite struct DeploymentPlanTests {
    func hosts(_ count: Int) -> [HostSpec] {
        (1...count).map { HostSpec(name: "web\($0)", address: "10.0.0.\($0)") }
    }

    func playbook(config: DeploymentConfig = .allAtOnce, concurrency: Int? = nil, blueGreen: BlueGreenSpec? = nil,
                  autoRollback: AutoRollback = AutoRollback()) -> Playbook {
        Playbook(file: "p.yml", application: "shop", deploymentGroup: "prod", inventoryPath: "inv.yml",
                 deploymentConfig: config, autoRollback: autoRollback, blueGreen: blueGreen,
                 ssh: SSHOverrides(concurrency: concurrency))
    }

    /// Failure 1: `ssh.concurrency` is part of the rollout deploy runs, not only of the text.
    @Test func sshConcurrencyCapsTheRollout() {
        let plan = DeploymentPlan.plan(.init(playbook: playbook(concurrency: 3), groupHosts: hosts(10)))
        let rollout = plan.rollout(of: plan.hosts)
        #expect(rollout.maxConcurrency == 3)
        #expect(rollout.limits.isCapped)
        var planner = rollout
        #expect(planner.start().count == 3)
    }

    @Test func aCapAboveTheWindowChangesNothing() {
        let plan = DeploymentPlan.plan(.init(playbook: playbook(config: .halfAtATime, concurrency: 50), groupHosts: hosts(10)))
        #expect(plan.rollout(of: plan.hosts).maxConcurrency == 5)
        #expect(!plan.rollout(of: plan.hosts).limits.isCapped)
    }

    /// Failure 4: the lock covers every host of the group whatever `--hosts` selects.
    @Test func theLockCoversTheWholeGroup() {
        let plan = DeploymentPlan.plan(.init(playbook: playbook(), groupHosts: hosts(4), onlyHosts: ["web3"]))
        #expect(plan.hosts.map(\.name) == ["web3"])
        #expect(plan.lockHosts.map(\.name) == ["web1", "web2", "web3", "web4"])
    }

    /// Failure 5: a rollback's configuration can always run on the hosts it has.
    @Test func rollbackConfigFallsBackWhenTheDeploymentsCannotRun() {
        let policy = RollbackPolicy(onFailure: true, onStop: false, config: .halfAtATime)
        let one = policy.config(forHosts: ["web1"])
        #expect(one.config == .oneAtATime)
        #expect(one.note?.contains("HalfAtATime cannot run on the 1 host to roll back") == true)
        let four = policy.config(forHosts: ["web1", "web2", "web3", "web4"])
        #expect(four.config == .halfAtATime)
        #expect(four.note == nil)
    }

    /// `hoist rollback` and `hoist redeploy` without `--config` run where they are asked to;
    /// with `--config`, or for a plain deployment, the configuration is the one asked for.
    @Test func aRollbackOrRedeployWithoutAConfigRunsOnTheHostsItHas() {
        let half = playbook(config: .halfAtATime)
        for purpose in [DeploymentPlan.Request.PuttingBack.rollback, .redeploy] {
            let plan = DeploymentPlan.plan(.init(playbook: half, groupHosts: hosts(4), onlyHosts: ["web3"], puttingBack: purpose))
            #expect(plan.config == .oneAtATime)
            #expect(plan.configNote?.contains("HalfAtATime cannot run on the 1 host to \(purpose.rawValue)") == true)
        }
        let asked = DeploymentPlan.plan(.init(playbook: half, groupHosts: hosts(4), onlyHosts: ["web3"], config: .halfAtATime,
                                              puttingBack: .redeploy))
        #expect(asked.config == .halfAtATime && asked.configNote == nil)
        let deploy = DeploymentPlan.plan(.init(playbook: half, groupHosts: hosts(4), onlyHosts: ["web3"]))
        #expect(deploy.config == .halfAtATime && deploy.configNote == nil)
    }

    @Test func autoRollbackFlagOverridesThePlaybook() {
        let on = DeploymentPlan.plan(.init(playbook: playbook(autoRollback: AutoRollback(onFailure: false, onStop: false)),
                                           groupHosts: hosts(2), autoRollback: true))
        #expect(on.rollback.wants(.failed) && on.rollback.wants(.stopped))
        let playbookSays = DeploymentPlan.plan(.init(playbook: playbook(autoRollback: AutoRollback(onFailure: true)), groupHosts: hosts(2)))
        #expect(playbookSays.rollback.wants(.failed) && !playbookSays.rollback.wants(.stopped))
        #expect(!playbookSays.rollback.wants(.succeeded))
    }

    /// Blue/green is a list of phases, in the order traffic safety needs.
    @Test func blueGreenIsAListOfPhases() {
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"], readyWaitSeconds: 60,
                                 originalFleetAction: .terminate, terminationWaitSeconds: 5)
        #expect(DeploymentPhase.blueGreen(spec, traffic: true) == [
            .allAtOnce(fleet: .replacement, events: [.blockTraffic], earlierScripts: false, required: true),
            .rollout(fleet: .replacement, events: LifecycleEvent.inPlace),
            .waitForContinue(seconds: 60),
            .reroute(to: .replacement, earlierScripts: false, checkHealth: false),
            .pause(seconds: 5),
            .allAtOnce(fleet: .original, events: [.applicationStop], earlierScripts: false, required: false),
        ])
        // Rollbacks reroute, after a health check, and reinstall nothing.
        #expect(DeploymentPhase.blueGreenRollback() == [.reroute(to: .servedBefore, earlierScripts: true, checkHealth: true)])
        #expect(DeploymentPhase.blueGreenReturn() == [.reroute(to: .original, earlierScripts: true, checkHealth: true)])
    }

    @Test func fleetsResolveFromTheLiveFleet() {
        let tagged = ["blue", "blue", "green", "green"].enumerated().map { index, color in
            HostSpec(name: "h\(index)", address: "10.0.0.\(index)", tags: [HoistCore.Tag("color", color)])
        }
        let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"])
        let plan = DeploymentPlan.plan(.init(playbook: playbook(blueGreen: spec), groupHosts: tagged))
        #expect(plan.hosts(of: .replacement, live: nil).map(\.name) == ["h2", "h3"])
        #expect(plan.hosts(of: .original, live: "green").map(\.name) == ["h2", "h3"])
        #expect(plan.hosts(of: .replacement, live: "green").map(\.name) == ["h0", "h1"])
    }

    /// `--blue-green-rollback` goes to the fleet that served before the last deployment:
    /// the live one when that deployment failed before traffic moved (the record still names
    /// it), the other one when it moved traffic, or when hosts have no record.
    @Test func theFleetThatServedBeforeResolvesAgainstTheLiveFleet() {
        #expect(FleetRole.servedBefore.resolved(live: "blue", servedBefore: "blue") == .original)
        #expect(FleetRole.servedBefore.resolved(live: "green", servedBefore: "blue") == .replacement)
        #expect(FleetRole.servedBefore.resolved(live: "blue", servedBefore: nil) == .replacement)
        #expect(FleetRole.original.resolved(live: "blue", servedBefore: "green") == .original)
        #expect(DeploymentPhase.blueGreenRollback().map { $0.resolved(live: "blue", servedBefore: "blue") }
            == DeploymentPhase.blueGreenReturn())
        // Only the rollback names the fleet that served before; a deployment's phases do not.
        func namesServedBefore(_ phase: DeploymentPhase) -> Bool {
            phase.resolved(live: "blue", servedBefore: "blue") != phase.resolved(live: "blue", servedBefore: "green")
        }
        let rollbackNeedsIt = DeploymentPhase.blueGreenRollback().allSatisfy(namesServedBefore)
        let deploymentNeedsIt = DeploymentPhase.blueGreen(BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"]), traffic: true)
            .contains(where: namesServedBefore)
        #expect(rollbackNeedsIt)
        #expect(!deploymentNeedsIt)
    }

    @Test func inPlaceRunsTrafficEventsOnlyWithBalancers() {
        #expect(DeploymentPhase.inPlace(traffic: false) == [.rollout(fleet: .all, events: LifecycleEvent.inPlace)])
        #expect(DeploymentPhase.inPlace(traffic: true) == [.rollout(fleet: .all, events: LifecycleEvent.inPlaceWithTraffic)])
    }
}

/// The words of every remote program, as strings.
@Suite struct RemoteProgramTests {
    @Test func becomeRuleAndSudoWrapping() {
        let root = HostSpec(name: "a", address: "a", user: "root", become: true)
        let deployer = HostSpec(name: "b", address: "b", user: "deploy", become: true)
        let plain = HostSpec(name: "c", address: "c", user: "deploy", become: false)
        #expect(!RemoteProgram.usesSudo(root))
        #expect(RemoteProgram.usesSudo(deployer))
        #expect(!RemoteProgram.usesSudo(plain))
        #expect(RemoteProgram.wrap("echo 'hi' $(x)", for: deployer) == #"sudo -n sh -c 'echo '\''hi'\'' $(x)'"#)
        #expect(RemoteProgram.wrap("echo hi", for: plain) == "echo hi")
    }

    @Test func atomicWriteGoesThroughATemporaryName() {
        #expect(RemoteProgram.atomicWrite("/var/lib/it's", value: "v$1") ==
            #"printf '%s\n' 'v$1' >'/var/lib/it'\''s.tmp' && mv -f '/var/lib/it'\''s.tmp' '/var/lib/it'\''s'"#)
    }

    @Test func replyMarkerLines() {
        let out = "noise from a login shell\n\u{1e}taken 0\n\u{1e}owner {\"a\":1}\n\u{1e}bare\nlast line"
        let replies = RemoteProgram.replies(out.split(separator: "\n"), separator: " ")
        #expect(replies.map(\.key) == ["taken", "owner", "bare"])
        #expect(replies.map(\.value) == ["0", "{\"a\":1}", ""])
        #expect(RemoteProgram.markerVariable == "m='\u{1e}'")
    }

    /// An upload is hashed by the host as it is written; only a bundle reused from an earlier
    /// deployment folder is hashed again before it is unpacked.
    @Test func onlyAReusedBundleIsHashedAgain() {
        let commands = HostCommands(layout: HostLayout(root: "/var/lib/hoist", groupID: "a_b"), deploymentID: "d-1", become: false)
        #expect(!commands.unpack(sha256: "abc", stagedUpload: nil, reuseFrom: nil, maxRevisions: 5).contains("sha256sum"))
        #expect(!commands.unpack(sha256: "abc", stagedUpload: "/s/b.tar", reuseFrom: nil, maxRevisions: 5).contains("sha256sum"))
        #expect(commands.unpack(sha256: "abc", stagedUpload: nil, reuseFrom: "/var/lib/hoist/a_b/d-0", maxRevisions: 5).contains("sha256sum"))
    }

    @Test func theLiveFleetRecordIsAnAtomicWrite() {
        let commands = HostCommands(layout: HostLayout(root: "/var/lib/hoist", groupID: "a_b"), deploymentID: "d-1", become: true)
        #expect(commands.writeLiveFleet("green") == RemoteProgram.wrap(
            "mkdir -p /var/lib/hoist/deployment-instructions && "
                + RemoteProgram.atomicWrite("/var/lib/hoist/deployment-instructions/a_b_live_fleet", value: "green"), sudo: true))
        #expect(commands.writeServedBeforeFleet("blue") == RemoteProgram.wrap(
            "mkdir -p /var/lib/hoist/deployment-instructions && "
                + RemoteProgram.atomicWrite("/var/lib/hoist/deployment-instructions/a_b_served_before", shellWord: "blue d-1"), sudo: true))
        #expect(commands.readFleetRecords == RemoteProgram.wrap("""
            m='\u{1e}'
            l=; IFS= read -r l 2>/dev/null </var/lib/hoist/deployment-instructions/a_b_live_fleet
            s=; d=; { IFS= read -r s; IFS= read -r d; } 2>/dev/null </var/lib/hoist/deployment-instructions/a_b_served_before
            printf '%slive=%s\\n%sservedbefore=%s\\n%sservedbeforedeployment=%s\\n' "$m" "$l" "$m" "$s" "$m" "$d"
            """, sudo: true))
    }

    /// Both records in one reply; a login shell's lines, even one that looks like a fleet
    /// name, are not records, and an empty record is none.
    @Test func theFleetRecordsReplyTakesOnlyReplyLines() {
        let reply = BlueGreenRecords.parse("green\nlive=blue\n\u{1e}live=green\n\u{1e}servedbefore=\n")
        #expect(reply == BlueGreenRecords(live: "green", servedBefore: nil))
        #expect(BlueGreenRecords.parse("\u{1e}live=blue\n\u{1e}servedbefore=green\n") == BlueGreenRecords(live: "blue", servedBefore: "green"))
        #expect(BlueGreenRecords.parse("\u{1e}live=blue\n\u{1e}servedbefore=green\n\u{1e}servedbeforedeployment=d-ABCDEFGH1\n")
            == BlueGreenRecords(live: "blue", servedBefore: "green", servedBeforeDeployment: "d-ABCDEFGH1"))
    }
}

extension RemoteProgramTests {
    @Test func hostRecordsReplySplitsAtMarkers() {
        let out = "motd\n\u{1e}this\n{\"a\":1,\n\"b\":2}\n\u{1e}latest\n{\"c\":3}"
        let reply = HostRecordsReply.parse(out)
        #expect(reply.this == "{\"a\":1,\n\"b\":2}")
        #expect(reply.latest == "{\"c\":3}")
        #expect(HostRecordsReply.parse("\u{1e}this\n\u{1e}latest\n") == HostRecordsReply(this: "", latest: ""))
    }
}
