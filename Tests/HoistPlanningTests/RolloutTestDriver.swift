import HoistCore
import HoistPlanning

/// Builds `count` hosts named h1, h2, … (inventory order), Old revision, healthy unless listed.
func fleet(_ count: Int, unhealthy: Set<Int> = []) -> [RolloutHost] {
    (0..<count).map { offset in
        let number = offset + 1
        return RolloutHost(
            name: "h\(number)", revision: .old, instance: unhealthy.contains(number) ? .unhealthy : .healthy)
    }
}

/// Drives a planner through a scripted run: hosts finish first-started-first-finished, each
/// failing if listed in `fails`; bakes end at once. Returns every action in order.
func runScripted(
    _ planner: inout RolloutPlanner, failing fails: Set<String>
) -> (actions: [RolloutAction], verdict: DeploymentVerdict?) {
    var log: [RolloutAction] = []
    var inFlight: [String] = []
    var pending = planner.start()
    for _ in 0..<10_000 {
        log += pending
        var next: [RolloutAction] = []
        for action in pending {
            switch action {
            case .startHost(let name): inFlight.append(name)
            case .bake: next += planner.bakeFinished()
            case .finished(let verdict): return (log, verdict)
            }
        }
        if next.isEmpty {
            guard !inFlight.isEmpty else { return (log, nil) }
            let host = inFlight.removeFirst()
            next = planner.hostFinished(host, succeeded: !fails.contains(host))
        }
        pending = next
    }
    return (log, nil)
}

/// The hosts a run started, in order.
func started(_ actions: [RolloutAction]) -> [String] {
    actions.compactMap { if case .startHost(let name) = $0 { return name } else { return nil } }
}

/// A small seeded generator (SplitMix64), so randomised runs are repeatable.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
