import Foundation
import HoistConfig
import HoistCore
import HoistEngine
import HoistLoadBalancers

/// What a deployment needs for load balancing: the lifecycle events to run and the traffic
/// control that carries out BlockTraffic and AllowTraffic. A playbook without
/// `load_balancers` deploys with the plain in-place events and no traffic control.
struct TrafficSetup: Sendable {
    var events: [LifecycleEvent]
    var traffic: LoadBalancerTraffic?

    /// Builds the playbook's balancers. Hosts a balancer is reached through (HAProxy's
    /// `via_host`, nginx's `host`) are looked up in the whole inventory and connected with
    /// the deployment's own connector, one session per host, opened on first use.
    init(playbook: Playbook, inventory: Inventory, connector: any HostConnector) throws {
        guard !playbook.loadBalancers.isEmpty else {
            self.events = LifecycleEvent.inPlace
            self.traffic = nil
            return
        }
        let sessions = BalancerSessions(inventory: inventory.hosts, connector: connector)
        let members: [LoadBalancerTraffic.Member]
        do {
            members = try playbook.loadBalancers.map { spec in
                LoadBalancerTraffic.Member(
                    balancer: try LoadBalancerFactory.make(spec: spec) { name in try await sessions.session(for: name) },
                    drainTimeoutSeconds: spec.drainTimeoutSeconds, healthTimeoutSeconds: spec.healthTimeoutSeconds)
            }
        } catch {
            // Nothing has touched a host yet: this is invalid input (exit 2).
            printToStderr("hoist: \(playbook.file): \(error)")
            throw InvalidInput(diagnostics: [])
        }
        self.traffic = LoadBalancerTraffic(members: members)
        // Blue/green runs its traffic events in a phase of their own (BlueGreenRun).
        self.events = playbook.blueGreen == nil ? LifecycleEvent.inPlaceWithTraffic : LifecycleEvent.inPlace
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

/// What a blue/green deployment job does: deploy, or move traffic back.
enum BlueGreenMode: Sendable {
    case deploy
    /// `--blue-green-rollback`: back to the fleet that served before the last deployment.
    case rollbackToPrevious
    /// The automatic rollback of a blue/green deployment that failed: traffic stays on, or
    /// returns to, the fleet still recorded live.
    case rollbackToLive
}

/// Runs a deployment in place, or blue/green when the playbook says so.
func runWithTraffic(_ runner: DeploymentRunner, playbook: Playbook, traffic: TrafficSetup,
                    continueLatch: ContinueLatch, mode: BlueGreenMode) async -> DeploymentRunner.Result {
    guard let spec = playbook.blueGreen else { return await runner.run() }
    let blueGreen = BlueGreenRun(runner: runner, spec: spec, traffic: traffic.traffic, continueLatch: continueLatch)
    switch mode {
    case .deploy: return await blueGreen.deploy()
    case .rollbackToPrevious: return await blueGreen.rollback(toLive: false)
    case .rollbackToLive: return await blueGreen.rollback(toLive: true)
    }
}
