import Foundation
import HoistConfig
import HoistCore
import HoistEngine
import HoistLoadBalancers

/// The playbook's load balancers as the engine's traffic port, or nil without any. Hosts a
/// balancer is reached through (HAProxy's `via_host`, nginx's `host`) are looked up in the
/// whole inventory and connected with the deployment's own connector, one session per host,
/// opened on first use. A balancer that cannot be built is invalid input: nothing has touched
/// a host yet. Every check that needs no host runs here too, for every host in `checking`
/// (e.g. HAProxy server names), so it is refused before the lock is taken.
func makeTraffic(playbook: Playbook, inventory: Inventory, connector: any HostConnector,
                 checking hosts: [HostSpec] = []) throws -> LoadBalancerTraffic? {
    guard !playbook.loadBalancers.isEmpty else { return nil }
    let sessions = BalancerSessions(inventory: inventory.hosts, connector: connector)
    do {
        let members = try playbook.loadBalancers.map { spec in
            LoadBalancerTraffic.Member(
                balancer: try LoadBalancerFactory.make(spec: spec) { name in try await sessions.session(for: name) },
                drainTimeoutSeconds: spec.drainTimeoutSeconds, healthTimeoutSeconds: spec.healthTimeoutSeconds)
        }
        for member in members {
            for host in hosts { try member.balancer.check(host) }
        }
        return LoadBalancerTraffic(members: members)
    } catch {
        printToStderr("hoist: \(playbook.file): \(error)")
        throw InvalidInput(diagnostics: [])
    }
}

/// Sessions to the hosts balancers are reached through, shared by every host's deployment
/// so a balancer host gets one SSH connection, not one per deployed host.
actor BalancerSessions {
    let inventory: [HostSpec]
    let connector: any HostConnector
    var open: [String: Task<any HostSession, any Error>] = [:]

    init(inventory: [HostSpec], connector: any HostConnector) {
        self.inventory = inventory
        self.connector = connector
    }

    func session(for name: String) async throws -> any HostSession {
        if let task = open[name] { return try await task.value }
        guard let host = inventory.first(where: { $0.name == name }) else {
            throw LoadBalancerError(balancer: name, kind: .configuration,
                                    message: "host \(name) is not in the inventory; name an inventory host in the playbook's load_balancers")
        }
        let connector = self.connector
        let task = Task { try await connector.connect(host) }
        open[name] = task
        return try await task.value
    }
}
