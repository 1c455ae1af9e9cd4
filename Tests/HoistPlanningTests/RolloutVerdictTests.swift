import HoistCore
import HoistPlanning
import Testing

@Suite struct RolloutVerdictTests {
    struct Script: Sendable, CustomTestStringConvertible {
        var config: DeploymentConfig
        var hosts: Int
        var failing: Set<Int>
        var status: DeploymentStatus
        /// Per host in deployment order: S succeeded, F failed, K skipped.
        var outcomes: String
        var testDescription: String {
            "\(config.name), \(hosts) hosts, failing \(failing.sorted()) -> \(status.rawValue) \(outcomes)"
        }
    }

    static let hostCount9 = DeploymentConfig(name: "Nine", minimumHealthyHosts: .init(.hostCount, 9))

    /// Hosts finish in the order they started (see `runScripted`).
    @Test(arguments: [
        Script(config: .halfAtATime, hosts: 4, failing: [1], status: .succeeded, outcomes: "FSSS"),
        Script(config: .halfAtATime, hosts: 4, failing: [4], status: .succeeded, outcomes: "SSSF"),
        Script(config: .halfAtATime, hosts: 4, failing: [1, 2], status: .failed, outcomes: "FFKK"),
        // The last two may both fail: two of four succeeded, which is the minimum.
        Script(config: .halfAtATime, hosts: 4, failing: [3, 4], status: .succeeded, outcomes: "SSFF"),
        Script(config: .halfAtATime, hosts: 4, failing: [1, 3, 4], status: .failed, outcomes: "FSFK"),
        Script(config: .halfAtATime, hosts: 4, failing: [2, 3, 4], status: .failed, outcomes: "SFFK"),
        Script(config: .halfAtATime, hosts: 9, failing: [1, 2, 3, 4], status: .failed, outcomes: "FFFFKKKKK"),
        Script(config: .halfAtATime, hosts: 9, failing: [6, 7, 8, 9], status: .succeeded, outcomes: "SSSSSFFFF"),
        Script(config: .allAtOnce, hosts: 4, failing: [1, 2, 3, 4], status: .failed, outcomes: "FFFF"),
        Script(config: .allAtOnce, hosts: 4, failing: [1, 2, 3], status: .succeeded, outcomes: "FFFS"),
        Script(config: .allAtOnce, hosts: 1, failing: [1], status: .failed, outcomes: "F"),
        Script(config: .oneAtATime, hosts: 5, failing: [], status: .succeeded, outcomes: "SSSSS"),
        Script(config: .oneAtATime, hosts: 5, failing: [5], status: .succeeded, outcomes: "SSSSF"),
        Script(config: .oneAtATime, hosts: 5, failing: [1], status: .failed, outcomes: "FKKKK"),
        Script(config: .oneAtATime, hosts: 5, failing: [3], status: .failed, outcomes: "SSFKK"),
        Script(config: .oneAtATime, hosts: 2, failing: [2], status: .succeeded, outcomes: "SF"),
        Script(config: .oneAtATime, hosts: 1, failing: [1], status: .failed, outcomes: "F"),
        Script(config: .oneAtATime, hosts: 1, failing: [], status: .succeeded, outcomes: "S"),
        Script(config: hostCount9, hosts: 10, failing: [10], status: .succeeded, outcomes: "SSSSSSSSSF"),
        Script(config: hostCount9, hosts: 10, failing: [1], status: .failed, outcomes: "FKKKKKKKKK"),
    ])
    func scriptedFailures(_ script: Script) {
        var planner = RolloutPlanner(hosts: fleet(script.hosts), config: script.config)
        let run = runScripted(&planner, failing: Set(script.failing.map { "h\($0)" }))
        guard let verdict = run.verdict else {
            Issue.record("the deployment did not finish")
            return
        }
        #expect(verdict.status == script.status)
        let letters: [InstanceStatus: Character] = [.succeeded: "S", .failed: "F", .skipped: "K"]
        #expect(String(verdict.hosts.map { letters[$0.status] ?? "?" }) == script.outcomes)
        #expect(verdict.hosts.map(\.name) == fleet(script.hosts).map(\.name))
        if script.status == .failed {
            #expect(verdict.errorCode == .healthConstraints)
            #expect(verdict.message == "The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.")
        } else {
            #expect(verdict.errorCode == nil)
        }
        #expect(planner.verdict == verdict)
    }

    @Test func successMessageGivesTheCounts() {
        var planner = RolloutPlanner(hosts: fleet(4), config: .halfAtATime)
        let verdict = runScripted(&planner, failing: ["h1"]).verdict
        #expect(verdict?.message == "The deployment succeeded: 3 of 4 hosts succeeded (at least 2 needed).")
    }

    /// A manual stop lets the hosts in flight finish and records them, then skips the rest.
    @Test func manualStopWaitsForHostsInFlight() {
        var planner = RolloutPlanner(hosts: fleet(4), config: .halfAtATime)
        #expect(planner.start() == [.startHost("h1"), .startHost("h2")])
        #expect(planner.stopRequested().isEmpty)
        #expect(planner.hostFinished("h1", succeeded: true).isEmpty)
        let actions = planner.hostFinished("h2", succeeded: false)
        let expected = DeploymentVerdict(
            status: .stopped, errorCode: .manualStop,
            message: "The deployment was stopped on request; 2 hosts were skipped and may need another deployment.",
            hosts: [
                .init(name: "h1", status: .succeeded), .init(name: "h2", status: .failed),
                .init(name: "h3", status: .skipped), .init(name: "h4", status: .skipped),
            ])
        #expect(actions == [.finished(expected)])
        #expect(planner.stopRequested().isEmpty)
    }

    /// An alarm stops like a person does, with CodeDeploy's ALARM_ACTIVE and the alarm named.
    @Test func alarmStopIsStoppedWithAlarmActive() {
        var planner = RolloutPlanner(hosts: fleet(3), config: .oneAtATime)
        #expect(planner.start() == [.startHost("h1")])
        #expect(planner.hostFinished("h1", succeeded: true) == [.startHost("h2")])
        #expect(planner.stopRequested(.alarm("alarm check 'api' (HTTP 500) is in ALARM")).isEmpty)
        #expect(planner.stopRequested().isEmpty, "a later Ctrl-C does not change why it stopped")
        guard case .finished(let verdict) = planner.hostFinished("h2", succeeded: true).first else {
            Issue.record("expected a verdict")
            return
        }
        #expect(verdict.status == .stopped)
        #expect(verdict.errorCode == .alarmActive)
        #expect(verdict.message == "The deployment was stopped because alarm check 'api' (HTTP 500) is in ALARM; 1 host was skipped and may need another deployment.")
        #expect(verdict.hosts.map(\.status) == [.succeeded, .succeeded, .skipped])
    }

    @Test func stopBeforeStartSkipsEveryHost() {
        var planner = RolloutPlanner(hosts: fleet(2), config: .allAtOnce)
        guard case .finished(let verdict) = planner.stopRequested().first else {
            Issue.record("expected a verdict")
            return
        }
        #expect(verdict.status == .stopped)
        #expect(verdict.count(.skipped) == 2)
        #expect(planner.start().isEmpty)
    }

    /// Once the health rule has failed the deployment, a later stop changes nothing.
    @Test func stopAfterAHealthFailureStaysFailed() {
        var planner = RolloutPlanner(hosts: fleet(4), config: .halfAtATime)
        _ = planner.start()
        #expect(planner.hostFinished("h1", succeeded: false).isEmpty)
        #expect(planner.hostFinished("h2", succeeded: false).count == 1)
        #expect(planner.stopRequested().isEmpty)
        #expect(planner.verdict?.status == .failed)
    }

    /// Failures don't stop the deployment while the hosts in flight could still restore
    /// enough health to deploy every remaining host; the one that makes it impossible does.
    /// (The window never lets a failure strand hosts in flight: at most
    /// `healthy − minimum` hosts are ever out, so the stop comes with nothing in flight.)
    @Test func failureStopsOnlyWhenTheMinimumIsOutOfReach() {
        let config = DeploymentConfig(name: "Custom", minimumHealthyHosts: .init(.hostCount, 3))
        var planner = RolloutPlanner(hosts: fleet(6), config: config)
        #expect(planner.start() == [.startHost("h1"), .startHost("h2"), .startHost("h3")])
        #expect(planner.hostFinished("h1", succeeded: false).isEmpty)
        #expect(planner.hostFinished("h2", succeeded: false).isEmpty)
        // Three healthy hosts not started (h4–h6) and h3 in flight: h3 could still succeed.
        #expect(planner.verdict == nil)
        let actions = planner.hostFinished("h3", succeeded: false)
        guard case .finished(let verdict)? = actions.first else {
            Issue.record("expected a verdict, got \(actions)")
            return
        }
        #expect(verdict.status == .failed)
        #expect(verdict.hosts.map(\.status) == [.failed, .failed, .failed, .skipped, .skipped, .skipped])
    }

    @Test func reportsForHostsNotInFlightAreIgnored() {
        var planner = RolloutPlanner(hosts: fleet(3), config: .oneAtATime)
        #expect(planner.hostFinished("h1", succeeded: true).isEmpty)
        #expect(planner.start() == [.startHost("h1")])
        #expect(planner.hostFinished("h2", succeeded: true).isEmpty)
        #expect(planner.hostFinished("nope", succeeded: false).isEmpty)
        #expect(planner.bakeFinished().isEmpty)
        #expect(planner.hostFinished("h1", succeeded: true) == [.startHost("h2")])
        #expect(planner.hostFinished("h1", succeeded: false).isEmpty)
        #expect(planner.inFlightHosts == ["h2"])
    }

    /// A stop after every host had started says so, not "0 hosts were skipped and may need
    /// another deployment".
    @Test func aStopAfterEveryHostStartedSaysNoneWasSkipped() {
        var planner = RolloutPlanner(hosts: [RolloutHost(name: "h1")], config: .allAtOnce)
        #expect(planner.start() == [.startHost("h1")])
        _ = planner.stopRequested()
        guard case .finished(let verdict)? = planner.hostFinished("h1", succeeded: true).last else {
            Issue.record("no verdict")
            return
        }
        #expect(verdict.message == "The deployment was stopped on request; every host had started, none was skipped.")
    }
}
