import HoistCore
import Testing
@testable import HoistLoadBalancers

/// The drain's verdict on a scripted runtime API: what Hoist asks HAProxy, in order, for a
/// given run of session counts.
struct HAProxyDrainTests {
    /// Answers `show stat` with the next of `sessions` (and `statuses`, DRAIN when none) for
    /// backend app/h001 (the last one repeats), anything else with an empty line; records
    /// every command.
    final class ScriptedAPI: HAProxyRuntimeAPI {
        let sessions: [Int]
        let statuses: [String]
        let commands = Locked<[String]>([])
        init(sessions: [Int], statuses: [String] = ["DRAIN"]) {
            self.sessions = sessions
            self.statuses = statuses
        }
        var location: String { "scripted" }
        func send(_ command: String) async throws -> String {
            let looks = commands.withLock { $0.append(command); return $0.filter { $0 == "show stat" }.count }
            guard command == "show stat" else { return "\n" }
            let scur = sessions[min(looks, sessions.count) - 1]
            let status = statuses[min(looks, statuses.count) - 1]
            return "# pxname,svname,scur,status,check_status\napp,h001,\(scur),\(status),L7OK\n"
        }
    }

    /// A reload without a server-state file puts a draining server back in rotation: the
    /// drain is asked for again and counted from there. It went on counting idle looks while
    /// the server took new requests.
    @Test func aServerBackInRotationMidDrainIsDrainedAgain() async throws {
        let api = ScriptedAPI(sessions: [0, 0, 0, 0], statuses: ["DRAIN", "UP", "DRAIN"])
        let lb = HAProxyLoadBalancer(name: "edge", backend: "app", api: api,
                                     polling: LoadBalancerPolling(clock: ManualClock(), intervalSeconds: 0.5))
        try await lb.deregister(HostSpec(name: "h001", address: "10.0.0.1"), drainTimeoutSeconds: 30)
        #expect(api.commands.current == ["set server app/h001 state drain", "show stat", "show stat", "set server app/h001 state drain",
                                         "show stat", "show stat", "set server app/h001 state maint"])
    }

    @Test func aHostIsDrainedOnlyAfterTwoLooksInARowWithoutSessions() async throws {
        let api = ScriptedAPI(sessions: [0, 1, 0, 0])
        let clock = ManualClock()
        let lb = HAProxyLoadBalancer(name: "edge", backend: "app", api: api,
                                     polling: LoadBalancerPolling(clock: clock, intervalSeconds: 0.5))
        try await lb.deregister(HostSpec(name: "h001", address: "10.0.0.1"), drainTimeoutSeconds: 30)
        // One idle look is not enough: a request on its way to the server is not counted yet.
        #expect(api.commands.current == ["set server app/h001 state drain", "show stat", "show stat", "show stat", "show stat",
                                         "set server app/h001 state maint"])
        #expect(clock.sleeps.current == [0.5, 0.5, 0.5])
    }
}
