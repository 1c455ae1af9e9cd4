import Foundation
import HoistCore
import HoistLoadBalancers
import HoistSSH
import HoistTestSupport
import Testing

/// The HAProxy driver's remote transport through a real SSH session: the fleet's admin socket
/// is reached from a fleet host (its path is visible there; only /srv, /var/lib, /opt, /tmp
/// and the like are private per host). The load-balancer tests cover the same program through
/// a local shell; this is the path a playbook's `via:` takes. Read-only, so the traffic tests
/// that drive the same HAProxy are not disturbed.
@Suite struct HAProxyOverSSHTests {
    @Test func readsServerStateThroughAnSSHHost() async throws {
        let socket = try #require(try TestPaths.fleetHAProxyEnv()["HAPROXY_SOCKET"])
        let via = try await DeployHostPool.shared.acquire(1)
        do {
            try await check(socket: socket, via: via[0])
        } catch {
            await DeployHostPool.shared.release(via)
            throw error
        }
        await DeployHostPool.shared.release(via)
    }

    func check(socket: String, via: HostSpec) async throws {
        let session = try await SSHConnector().connect(via)
        let api = HAProxyRemoteSocketAPI(hostName: via.name, socketPath: socket, sessionFor: { _ in session })
        let balancer = HAProxyLoadBalancer(name: "fleet", backend: "app", api: api)

        let table = try await api.send("show servers state app")
        let target = try #require(try Fleet.load().first { $0.jumps.isEmpty && $0.tags.contains(Tag("role", "web")) })
        #expect(table.contains(" \(target.name) "), "the backend lists \(target.name): \(table)")
        let state = try await balancer.state(of: target)
        #expect(state.server == "app/\(target.name)")
        #expect(state.admin != .unknown)

        let missing = HostSpec(name: "h999", address: "10.0.0.1")
        await #expect(throws: LoadBalancerError.self) { try await balancer.state(of: missing) }
        await session.close()
    }
}
