import HoistCore
import HoistPlanning
import Testing

/// Thousands of seeded random deployments (fleet sizes, health, configurations, zones,
/// completion orders, failures, stops), checking after every step what must always hold.
/// The checks keep their own record of the run and don't trust the planner's counters.
@Suite struct RolloutRandomizedTests {
    struct Run {
        var hosts: [RolloutHost]
        var config: DeploymentConfig
        var failureChance: Double
        var stopAtStep: Int?
    }

    static func randomRun(_ rng: inout SeededGenerator) -> Run {
        let count = Int.random(in: 0...24, using: &rng)
        let unhealthyChance = [0.0, 0.0, 0.15, 0.4].randomElement(using: &rng)!
        let zoneCount = Int.random(in: 1...4, using: &rng)
        let hosts = (0..<count).map { index in
            RolloutHost(
                name: "host-\(index)", revision: RevisionHealth.allCases.randomElement(using: &rng)!,
                instance: Double.random(in: 0..<1, using: &rng) < unhealthyChance ? .unhealthy : .healthy,
                zone: "zone-\(Int.random(in: 0..<zoneCount, using: &rng))")
        }
        var config: DeploymentConfig
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: config = .oneAtATime
        case 1: config = .halfAtATime
        case 2: config = .allAtOnce
        case 3:
            config = DeploymentConfig(
                name: "Count", minimumHealthyHosts: .init(.hostCount, Int.random(in: 0...max(count, 1), using: &rng)))
        default:
            config = DeploymentConfig(
                name: "Percent", minimumHealthyHosts: .init(.fleetPercent, Int.random(in: 0...99, using: &rng)))
        }
        if Int.random(in: 0..<4, using: &rng) == 0 {
            config.zonal = ZonalConfig(
                zoneTag: "zone",
                minimumHealthyHostsPerZone: Bool.random(using: &rng)
                    ? .init(.fleetPercent, [0, 0, 20, 50].randomElement(using: &rng)!)
                    : .init(.hostCount, Int.random(in: 0...2, using: &rng)),
                monitorDurationSeconds: Int.random(in: 0...2, using: &rng),
                firstZoneMonitorDurationSeconds: Bool.random(using: &rng) ? Int.random(in: 0...3, using: &rng) : nil)
        }
        let failureChance = [0.0, 0.1, 0.3, 0.6, 1.0].randomElement(using: &rng)!
        let stopAtStep = Int.random(in: 0..<8, using: &rng) == 0 ? Int.random(in: 0...30, using: &rng) : nil
        return Run(hosts: hosts, config: config, failureChance: failureChance, stopAtStep: stopAtStep)
    }

    /// A short description of a run for failure messages.
    static func describe(_ run: Run) -> String {
        let rule = run.config.minimumHealthyHosts
        var text = "\(run.config.name) \(rule.kind.rawValue) \(rule.value)"
        if let zonal = run.config.zonal {
            let perZone = zonal.minimumHealthyHostsPerZone
            text += " zonal(\(perZone.kind.rawValue) \(perZone.value), bake \(zonal.monitorDurationSeconds)"
                + "/\(zonal.firstZoneMonitorDurationSeconds.map(String.init) ?? "-"))"
        }
        let hosts = run.hosts.map {
            "\($0.name):\($0.health.instance == .healthy ? "H" : "U")\($0.health.revision.rawValue.prefix(1))"
                + (run.config.zonal == nil ? "" : ":\($0.zone ?? "-")")
        }
        return text + " failure \(run.failureChance) stop@\(run.stopAtStep.map(String.init) ?? "-") [\(hosts.joined(separator: " "))]"
    }

    @Test(arguments: 0..<8)
    func invariantsHold(batch: UInt64) {
        var rng = SeededGenerator(seed: 0x5EED_0000 + batch)
        var seen: [String: Int] = [:]
        for _ in 0..<500 {
            let run = Self.randomRun(&rng)
            seen[check(run, &rng), default: 0] += 1
        }
        // The runs reach every kind of ending, so the checks above are not vacuous.
        for ending in ["Succeeded", "Failed", "Stopped", "refused"] {
            #expect(seen[ending, default: 0] >= 5, "\(ending): \(seen)")
        }
    }

    /// Plays one run to its verdict with random completion order and results; returns how it
    /// ended ("refused" or the verdict's status).
    @discardableResult
    func check(_ run: Run, _ rng: inout SeededGenerator) -> String {
        var planner = RolloutPlanner(hosts: run.hosts, config: run.config)
        let context = Self.describe(run)
        let healthyAtStart = Set(run.hosts.filter { $0.health.instance == .healthy }.map(\.name))
        let minimum = planner.minimumHealthy
        let order = planner.orderedHosts.map(\.name)
        #expect(order.sorted() == run.hosts.map(\.name).sorted(), "\(context)")

        var startedHosts: [String] = []
        var inFlight: [String] = []
        var results: [String: Bool] = [:]
        var baking = false
        var stopSent = false
        var verdict: DeploymentVerdict?

        func apply(_ actions: [RolloutAction]) {
            for action in actions {
                #expect(verdict == nil, "an action after the verdict: \(action) in \(context)")
                switch action {
                case .startHost(let name):
                    #expect(!startedHosts.contains(name), "\(name) started twice in \(context)")
                    #expect(!baking, "a host started during a bake in \(context)")
                    #expect(!stopSent, "a host started after a stop in \(context)")
                    startedHosts.append(name)
                    inFlight.append(name)
                case .bake(let seconds):
                    #expect(seconds > 0 && inFlight.isEmpty, "\(context)")
                    baking = true
                case .finished(let final):
                    verdict = final
                }
            }
            // The invariants at this moment.
            #expect(inFlight.count <= planner.maxConcurrency, "\(context)")
            let healthyNow = order.filter { name in
                results[name] == true || (!startedHosts.contains(name) && healthyAtStart.contains(name))
            }.count
            #expect(planner.refusal != nil || healthyNow >= minimum, "healthy \(healthyNow) < minimum \(minimum) in \(context)")
            #expect(planner.healthyHostCount == healthyNow, "\(context)")
            #expect(Set(planner.inFlightHosts) == Set(inFlight), "\(context)")
            for name in inFlight { #expect(planner.status(of: name) == .inProgress, "\(context)") }
            #expect(planner.status == (verdict?.status ?? (baking ? .baking : .inProgress)), "\(context)")
            // Hosts start in deployment order.
            #expect(startedHosts == Array(order.prefix(startedHosts.count)), "\(context)")
            if run.config.zonal != nil {
                let zoneOf = Dictionary(uniqueKeysWithValues: run.hosts.map { ($0.name, $0.zone) })
                #expect(Set(inFlight.map { zoneOf[$0] }).count <= 1, "two zones at once in \(context)")
            }
        }

        apply(planner.start())
        var step = 0
        while verdict == nil {
            step += 1
            if step > 10_000 {
                Issue.record("no verdict after 10000 steps: \(context)")
                return "stuck"
            }
            if let stopAt = run.stopAtStep, step == stopAt, !stopSent {
                stopSent = true
                apply(planner.stopRequested())
            } else if baking {
                baking = false
                apply(planner.bakeFinished())
            } else if !inFlight.isEmpty {
                let host = inFlight.remove(at: Int.random(in: 0..<inFlight.count, using: &rng))
                let succeeded = Double.random(in: 0..<1, using: &rng) >= run.failureChance
                results[host] = succeeded
                apply(planner.hostFinished(host, succeeded: succeeded))
            } else {
                Issue.record("stuck: nothing in flight, no bake, no verdict: \(context)")
                return "stuck"
            }
        }
        guard let verdict else { return "stuck" }

        // Every host exactly once, with the status its run gave it.
        #expect(verdict.hosts.map(\.name) == order, "\(context)")
        for outcome in verdict.hosts {
            let expected: InstanceStatus = switch results[outcome.name] {
            case true?: .succeeded
            case false?: .failed
            case nil: .skipped
            }
            #expect(outcome.status == expected, "\(outcome.name) in \(context)")
        }
        #expect(inFlight.isEmpty, "verdict with hosts in flight: \(context)")

        let succeeded = verdict.count(.succeeded)
        let failed = verdict.count(.failed)
        switch verdict.status {
        case .stopped:
            #expect(stopSent, "Stopped without a stop: \(context)")
            #expect(verdict.errorCode == .manualStop)
        case .succeeded:
            #expect(succeeded >= max(minimum, 1) && verdict.count(.skipped) == 0, "\(context)")
        case .failed:
            #expect(verdict.errorCode != nil)
        default:
            Issue.record("unexpected status \(verdict.status)")
        }
        if planner.refusal != nil {
            #expect(verdict.status == .failed && startedHosts.isEmpty, "\(context)")
            #expect(run.hosts.isEmpty || healthyAtStart.count <= minimum || run.config.zonal != nil, "\(context)")
            return "refused"
        }
        #expect(run.hosts.isEmpty == false && healthyAtStart.count > minimum, "\(context)")
        guard verdict.status != .stopped else { return verdict.status.rawValue }
        if run.config.isOneAtATime {
            // All succeed, or only the last host fails in a fleet of two or more.
            let lastOnlyFailed = failed == 1 && results[order.last!] == false && order.count >= 2
            #expect((verdict.status == .succeeded) == (failed == 0 || lastOnlyFailed), "\(context)")
        } else if run.config.zonal == nil {
            #expect((verdict.status == .succeeded) == (succeeded >= max(minimum, 1)), "\(context)")
        }
        return verdict.status.rawValue
    }
}
