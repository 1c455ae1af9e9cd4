import Foundation
import HoistCore

/// Traffic control over the playbook's load balancers: BlockTraffic takes a host out of
/// every balancer (draining first), AllowTraffic puts it back in every one and waits until
/// each reports it healthy. Depends only on HoistCore's `LoadBalancer` port, so the engine
/// stays free of the drivers.
public struct LoadBalancerTraffic: TrafficControl {
    /// A balancer and the timeouts its playbook entry sets.
    public struct Member: Sendable {
        public var balancer: any LoadBalancer
        public var drainTimeoutSeconds: Double
        public var healthTimeoutSeconds: Double
        public init(balancer: any LoadBalancer, drainTimeoutSeconds: Double, healthTimeoutSeconds: Double) {
            self.balancer = balancer
            self.drainTimeoutSeconds = drainTimeoutSeconds
            self.healthTimeoutSeconds = healthTimeoutSeconds
        }
    }

    public var members: [Member]

    public init(members: [Member]) { self.members = members }

    public func block(_ host: HostSpec) async throws -> [DrainCutShort] {
        var cutShort: [DrainCutShort] = []
        for member in members {
            try await Self.naming(member.balancer, action: "taking \(host.name) out of rotation") {
                if let left = try await member.balancer.deregister(host, drainTimeoutSeconds: member.drainTimeoutSeconds) {
                    cutShort.append(left)
                }
            }
        }
        return cutShort
    }

    /// Registers in every balancer first, then waits for health, so the waits overlap. A host
    /// that does not turn healthy (or whose wait is stopped) is taken out of every balancer
    /// again before the error goes on: left registered, it came back into rotation by itself
    /// as soon as its check passed, while the deployment reported it out of service.
    public func allow(_ host: HostSpec) async throws {
        do {
            for member in members {
                try await Self.naming(member.balancer, action: "putting \(host.name) into rotation") {
                    try await member.balancer.register(host, healthTimeoutSeconds: member.healthTimeoutSeconds)
                }
            }
            for member in members {
                try await Self.naming(member.balancer, action: "waiting for \(host.name) to be healthy") {
                    try await member.balancer.waitUntilHealthy(host, timeoutSeconds: member.healthTimeoutSeconds)
                }
            }
        } catch {
            for member in members { try? await member.balancer.deregister(host, drainTimeoutSeconds: 0) }
            throw error
        }
    }

    /// Each balancer is asked for the host's state: a balancer down, or a server missing from
    /// its backend, is found before any host is touched.
    public func unreachable(_ host: HostSpec) async -> String? {
        await problems { member in
            do { _ = try await member.balancer.state(of: host) } catch { return "\(error)" }
            return nil
        }
    }

    public func putBack(_ host: HostSpec) async -> String? {
        await problems { member in
            do { try await member.balancer.register(host) } catch { return "\(error)" }
            return nil
        }
    }

    /// Every balancer's answer, joined; nil when all say healthy.
    public func healthProblem(_ host: HostSpec) async -> String? {
        await problems { member in await member.balancer.healthProblem(host, timeoutSeconds: member.healthTimeoutSeconds) }
    }

    /// What each balancer in turn says is wrong, joined; nil when none says anything.
    private func problems(_ ask: (Member) async -> String?) async -> String? {
        var problems: [String] = []
        for member in members {
            if let problem = await ask(member) { problems.append(problem) }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// `LoadBalancerError` names its balancer already; anything else is wrapped so the
    /// message still says which balancer failed.
    static func naming(_ balancer: any LoadBalancer, action: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as LoadBalancerError {
            throw error
        } catch {
            throw LoadBalancerError(balancer: balancer.name, kind: .command, message: "\(action): \(error)")
        }
    }
}
