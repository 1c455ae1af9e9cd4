@testable import HoistCLI
import Testing

/// The commands that open a session per host start again once without glibc's per-thread
/// malloc cache, and the second start gives the user's environment back.
@Suite("Per-thread malloc cache")
struct PerThreadMallocCacheTests {
    typealias Step = PerThreadMallocCache.Step

    @Test func aDeploymentStartsAgainWithTheCacheOff() {
        #expect(PerThreadMallocCache.step(arguments: ["hoist", "deploy", "app.yml"], tunables: nil, saved: nil)
            == Step.execute(tunables: "glibc.malloc.tcache_count=0", saved: "-"))
        #expect(PerThreadMallocCache.step(arguments: ["hoist", "exec", "app.yml", "--", "uptime"], tunables: "glibc.malloc.arena_max=2", saved: nil)
            == Step.execute(tunables: "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0", saved: "glibc.malloc.arena_max=2"))
    }

    @Test func theSecondStartPutsTheUsersSettingBack() {
        #expect(PerThreadMallocCache.step(arguments: ["hoist", "deploy"], tunables: "glibc.malloc.tcache_count=0", saved: "-")
            == Step.restore(nil))
        #expect(PerThreadMallocCache.step(arguments: ["hoist", "deploy"], tunables: "x=1:glibc.malloc.tcache_count=0", saved: "x=1")
            == Step.restore("x=1"))
    }

    @Test func otherCommandsAndTheUsersOwnCacheSizeAreLeftAlone() {
        #expect(PerThreadMallocCache.step(arguments: ["hoist", "validate", "rev"], tunables: nil, saved: nil) == Step.none)
        #expect(PerThreadMallocCache.step(arguments: ["hoist"], tunables: nil, saved: nil) == Step.none)
        #expect(PerThreadMallocCache.step(arguments: ["hoist", "deploy"], tunables: "glibc.malloc.tcache_count=3", saved: nil) == Step.none)
    }
}
