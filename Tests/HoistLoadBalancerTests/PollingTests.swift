import HoistCore
import Testing
@testable import HoistLoadBalancers

/// A clock that only moves when the code under test sleeps on it.
final class ManualClock: PollingClock {
    let time = Locked<Double>(0)
    let sleeps = Locked<[Double]>([])
    func now() -> Double { time.current }
    func sleep(seconds: Double) async throws {
        sleeps.withLock { $0.append(seconds) }
        time.withLock { $0 += seconds }
    }
}

struct PollingTests {
    @Test func pollingGivesUpAtTheDeadlineAfterALastLook() async throws {
        let clock = ManualClock()
        let polling = LoadBalancerPolling(clock: clock, intervalSeconds: 0.4)
        let looks = Locked(0)
        let result: Bool? = try await polling.until(timeoutSeconds: 1) {
            looks.withLock { $0 += 1 }
            return nil
        }
        #expect(result == nil)
        #expect(clock.sleeps.current == [0.4, 0.4, 0.19999999999999996])
        #expect(looks.current == 4)
    }

    @Test func pollingStopsAtTheFirstAnswer() async throws {
        let clock = ManualClock()
        let polling = LoadBalancerPolling(clock: clock, intervalSeconds: 0.5)
        let looks = Locked(0)
        let result = try await polling.until(timeoutSeconds: 10) { () -> Int? in
            let count = looks.withLock { $0 += 1; return $0 }
            return count == 3 ? count : nil
        }
        #expect(result == 3)
        #expect(clock.sleeps.current == [0.5, 0.5])
    }

    @Test func aMissingRuntimeAPIIsAConfigurationError() {
        let spec = LoadBalancerSpec(name: "main", driver: .haproxy(.init(backend: "app")))
        let error = #expect(throws: LoadBalancerError.self) {
            _ = try LoadBalancerFactory.make(spec: spec, sessionFor: { _ in fatalError("no session expected") })
        }
        #expect(error?.kind == .configuration)
        #expect(error?.description == "load balancer main (HAProxy): give exactly one of socket (the admin socket path) and tcp (host:port of the runtime API)")
    }
}
