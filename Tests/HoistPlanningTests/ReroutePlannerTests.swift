import HoistCore
import HoistPlanning
import Testing

/// The batched reroute: batch shapes for the predefined configurations, and thousands of
/// seeded random reroutes (fleet sizes, configurations, completion orders, failures, stops)
/// checking at every step that the hosts in rotation never drop below what the
/// configuration requires. The checks keep their own record of who serves.
@Suite struct ReroutePlannerTests {
    static func names(_ prefix: String, _ count: Int) -> [String] { (0..<count).map { "\(prefix)\($0)" } }

    @Test func halfAtATimeMovesTwoBatchesOfMatchingSize() {
        let planner = ReroutePlanner(target: ["g1", "g2", "g3", "g4"], leaving: ["b1", "b2", "b3", "b4"], config: .halfAtATime)
        #expect(planner.minimumHealthy == 2)
        #expect(planner.steps == [
            .init(allow: ["g1", "g2"], block: ["b1", "b2"]),
            .init(allow: ["g3", "g4"], block: ["b3", "b4"]),
        ])
    }

    @Test func oneAtATimeMovesOneHostOfEachFleetPerStep() {
        let planner = ReroutePlanner(target: Self.names("g", 3), leaving: Self.names("b", 3), config: .oneAtATime)
        #expect(planner.steps.map(\.allow.count) == [1, 1, 1])
        #expect(planner.steps.map(\.block.count) == [1, 1, 1])
    }

    @Test func allAtOnceIsOneStep() {
        let planner = ReroutePlanner(target: Self.names("g", 5), leaving: Self.names("b", 3), config: .allAtOnce)
        #expect(planner.steps == [.init(allow: Self.names("g", 5), block: Self.names("b", 3))])
    }

    @Test func unequalFleetsBlockInProportion() {
        // Two originals for four replacements (one at a time): an original goes after every second.
        let planner = ReroutePlanner(target: Self.names("g", 4), leaving: Self.names("b", 2), config: .oneAtATime)
        #expect(planner.steps.map(\.block.count) == [0, 1, 0, 1])
    }

    @Test func noTargetHostsBlocksNothing() {
        var planner = ReroutePlanner(target: [], leaving: ["b1"], config: .allAtOnce)
        let actions = planner.start()
        guard case .finished(let outcome)? = actions.last else { Issue.record("\(actions)"); return }
        #expect(outcome.status == .succeeded)
        #expect(outcome.blocked.isEmpty)
    }

    @Test func aFailedAllowBlocksNothingMore() {
        var planner = ReroutePlanner(target: ["g1", "g2"], leaving: ["b1", "b2"], config: .oneAtATime)
        #expect(planner.start() == [.stepStarted(index: 0, count: 2), .allow("g1")])
        #expect(planner.allowFinished("g1", succeeded: true) == [.block("b1")])
        #expect(planner.blockFinished("b1", succeeded: true) == [.stepStarted(index: 1, count: 2), .allow("g2")])
        let end = planner.allowFinished("g2", succeeded: false)
        guard case .finished(let outcome)? = end.first, end.count == 1 else { Issue.record("\(end)"); return }
        #expect(outcome.status == .failed)
        #expect(outcome.allowed == ["g1"] && outcome.blocked == ["b1"])
        #expect(outcome.message.contains("g2"))
    }

    /// A reroute back leaves out a target host whose allow fails and goes on: the leaving
    /// fleet (the one rolled back) is still taken out.
    @Test func aReRouteBackLeavesOutAHostWhoseAllowFails() {
        var planner = ReroutePlanner(target: Self.names("g", 4), leaving: Self.names("b", 4), config: .halfAtATime, leavesOutFailedAllows: true)
        #expect(planner.start() == [.stepStarted(index: 0, count: 2), .allow("g0"), .allow("g1")])
        #expect(planner.allowFinished("g0", succeeded: false) == [])
        #expect(planner.allowFinished("g1", succeeded: true) == [.block("b0"), .block("b1")])
        _ = planner.blockFinished("b0", succeeded: true)
        #expect(planner.blockFinished("b1", succeeded: true) == [.stepStarted(index: 1, count: 2), .allow("g2"), .allow("g3")])
        _ = planner.allowFinished("g2", succeeded: true)
        _ = planner.allowFinished("g3", succeeded: true)
        _ = planner.blockFinished("b2", succeeded: true)
        let end = planner.blockFinished("b3", succeeded: true)
        guard case .finished(let outcome)? = end.first, end.count == 1 else { Issue.record("\(end)"); return }
        #expect(outcome.status == .succeeded)
        #expect(outcome.allowed == ["g1", "g2", "g3"] && outcome.leftOut == ["g0"] && outcome.blocked == Self.names("b", 4))
        #expect(outcome.message.hasSuffix("left out of rotation, their allow-traffic events failed: g0."), "\(outcome.message)")
    }

    /// Once fewer target hosts than the configuration's minimum can take traffic, a reroute
    /// back fails like any other, and blocks nothing more.
    @Test func aReRouteBackFailsBelowTheMinimum() {
        var planner = ReroutePlanner(target: Self.names("g", 4), leaving: Self.names("b", 4), config: .halfAtATime, leavesOutFailedAllows: true)
        _ = planner.start()
        _ = planner.allowFinished("g0", succeeded: false)
        #expect(planner.allowFinished("g1", succeeded: false) == [.block("b0"), .block("b1")],
                "two of four can still take the traffic: HalfAtATime's minimum")
        _ = planner.blockFinished("b0", succeeded: true)
        #expect(planner.blockFinished("b1", succeeded: true) == [.stepStarted(index: 1, count: 2), .allow("g2"), .allow("g3")])
        #expect(planner.allowFinished("g2", succeeded: false) == [])
        let end = planner.allowFinished("g3", succeeded: true)
        guard case .finished(let outcome)? = end.first, end.count == 1 else { Issue.record("\(end)"); return }
        #expect(outcome.status == .failed)
        #expect(outcome.allowed == ["g3"] && outcome.blocked == ["b0", "b1"], "nothing blocked after the failure")
        #expect(outcome.message.contains("g0: its allow-traffic events failed, left out") && outcome.message.contains("g2: its allow-traffic events failed"),
                "\(outcome.message)")
    }

    // MARK: Randomised

    struct Run {
        var target: [String]
        var leaving: [String]
        var config: DeploymentConfig
        var failureChance: Double
        var stopAtStep: Int?
        var leavesOutFailedAllows: Bool
    }

    static func randomRun(_ rng: inout SeededGenerator) -> Run {
        let targetCount = Int.random(in: 0...16, using: &rng)
        let leavingCount = Int.random(in: 0...16, using: &rng)
        let config: DeploymentConfig
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: config = .oneAtATime
        case 1: config = .halfAtATime
        case 2: config = .allAtOnce
        case 3: config = DeploymentConfig(name: "Count", minimumHealthyHosts: .init(.hostCount, Int.random(in: 0...max(0, targetCount - 1), using: &rng)))
        default: config = DeploymentConfig(name: "Percent", minimumHealthyHosts: .init(.fleetPercent, Int.random(in: 0...99, using: &rng)))
        }
        return Run(target: names("g", targetCount), leaving: names("b", leavingCount), config: config,
                   failureChance: [0.0, 0.0, 0.05, 0.2, 0.5].randomElement(using: &rng)!,
                   stopAtStep: Int.random(in: 0..<6, using: &rng) == 0 ? Int.random(in: 0...20, using: &rng) : nil,
                   leavesOutFailedAllows: Bool.random(using: &rng))
    }

    @Test func neverFewerHostsInRotationThanRequired() {
        var rng = SeededGenerator(seed: 0x7EA_15)
        for iteration in 0..<3000 {
            let run = Self.randomRun(&rng)
            var planner = ReroutePlanner(target: run.target, leaving: run.leaving, config: run.config,
                                         leavesOutFailedAllows: run.leavesOutFailedAllows)
            let label = "run \(iteration): \(run.target.count) target, \(run.leaving.count) leaving, \(run.config.name) \(run.config.minimumHealthyHosts.value)"
                + (run.leavesOutFailedAllows ? ", back" : "")
            // What must hold: never fewer in rotation than the minimum the configuration
            // sets (capped by what served at the start, and by the target fleet once every
            // leaving host may go), and never fewer than the smaller fleet; a reroute back
            // may have fewer by the target hosts whose allow failed.
            let required = min(run.leaving.count, max(planner.minimumHealthy, min(run.leaving.count, run.target.count)))
            var failedAllows = 0
            var serving = Set(run.leaving)
            var pendingAllows: Set<String> = [], pendingBlocks: Set<String> = []
            var acted: Set<String> = []
            var stepAllows: Set<String> = [], stepAllowFailed = false
            var outcome: ReroutePlanner.Outcome?
            var step = 0

            func apply(_ actions: [ReroutePlanner.Action]) {
                for action in actions {
                    #expect(outcome == nil, "\(label): an action after the verdict")
                    switch action {
                    case .stepStarted:
                        stepAllows = []
                        stepAllowFailed = false
                    case .allow(let host):
                        #expect(run.target.contains(host) && acted.insert(host).inserted, "\(label): allow \(host)")
                        pendingAllows.insert(host)
                        stepAllows.insert(host)
                        #expect(stepAllows.count <= planner.batchSize, "\(label): more than a batch at once")
                    case .block(let host):
                        #expect(run.leaving.contains(host) && acted.insert(host).inserted, "\(label): block \(host)")
                        #expect(pendingAllows.isEmpty && (!stepAllowFailed || run.leavesOutFailedAllows),
                                "\(label): \(host) blocked before its step's allows all succeeded")
                        pendingBlocks.insert(host)
                        // Out of rotation from the moment it starts draining.
                        serving.remove(host)
                    case .finished(let result):
                        outcome = result
                    }
                    #expect(serving.count >= required - failedAllows, "\(label): \(serving.count) in rotation, \(required) required, \(failedAllows) allows failed")
                }
            }

            apply(planner.start())
            while outcome == nil {
                step += 1
                if step == run.stopAtStep { apply(planner.stopRequested()); continue }
                let candidates = Array(pendingAllows) + Array(pendingBlocks)
                guard let host = candidates.randomElement(using: &rng) else {
                    Issue.record("\(label): no host in flight and no verdict")
                    break
                }
                let ok = Double.random(in: 0..<1, using: &rng) >= run.failureChance
                if pendingAllows.remove(host) != nil {
                    if ok { serving.insert(host) } else { stepAllowFailed = true; failedAllows += 1 }
                    apply(planner.allowFinished(host, succeeded: ok))
                } else {
                    pendingBlocks.remove(host)
                    apply(planner.blockFinished(host, succeeded: ok))
                }
            }
            guard let outcome else { continue }
            #expect(pendingAllows.isEmpty && pendingBlocks.isEmpty, "\(label): a verdict with hosts in flight")
            #expect(Set(outcome.allowed).isSubset(of: serving), "\(label)")
            if outcome.status == .succeeded {
                #expect(Set(outcome.allowed + outcome.leftOut) == Set(run.target), "\(label): every target host in rotation or left out")
                #expect(run.leavesOutFailedAllows || outcome.leftOut.isEmpty, "\(label): only a reroute back leaves a host out")
                #expect(run.target.isEmpty || outcome.allowed.count >= max(1, planner.minimumHealthy), "\(label): the minimum takes the traffic")
                #expect(run.target.isEmpty || Set(outcome.blocked) == Set(run.leaving), "\(label): every leaving host out")
            }
        }
    }
}
