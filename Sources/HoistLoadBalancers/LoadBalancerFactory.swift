import HoistCore

/// Turns a playbook's `load_balancers` entry into its driver.
public enum LoadBalancerFactory {
    /// `sessionFor` opens (or returns a cached) session to an inventory host; it is used for
    /// HAProxy's `via_host` and nginx's `host`. Throws a `.configuration` error when the
    /// spec cannot work (HAProxy without exactly one of socket path and TCP address).
    public static func make(
        spec: LoadBalancerSpec, polling: LoadBalancerPolling = LoadBalancerPolling(),
        sessionFor: @escaping @Sendable (String) async throws -> any HostSession
    ) throws -> any LoadBalancer {
        switch spec.driver {
        case .haproxy(let settings):
            return HAProxyLoadBalancer(
                name: spec.name, backend: settings.backend, serverTemplate: settings.serverTemplate,
                api: try haproxyAPI(settings, balancer: spec.name, sessionFor: sessionFor), polling: polling)
        case .nginx(let settings):
            return NginxLoadBalancer(name: spec.name, settings: settings, polling: polling, sessionFor: sessionFor)
        case .command(let commands):
            return CommandLoadBalancer(name: spec.name, commands: commands, polling: polling)
        }
    }

    static func haproxyAPI(
        _ settings: LoadBalancerSpec.HAProxy, balancer: String,
        sessionFor: @escaping @Sendable (String) async throws -> any HostSession
    ) throws -> any HAProxyRuntimeAPI {
        switch (settings.socketPath, settings.tcpAddress, settings.viaHost) {
        case (let path?, nil, nil):
            return HAProxyUnixSocketAPI(path: path)
        case (let path?, nil, let host?):
            return HAProxyRemoteSocketAPI(hostName: host, socketPath: path, sessionFor: sessionFor)
        case (nil, let address?, nil):
            guard let api = HAProxyTCPAPI(address: address) else {
                throw LoadBalancerError(balancer: "\(balancer) (HAProxy)", kind: .configuration,
                                        message: "tcp address \(address.debugDescription) is not host:port")
            }
            return api
        case (nil, _?, _?):
            throw LoadBalancerError(balancer: "\(balancer) (HAProxy)", kind: .configuration,
                                    message: "via_host works only with a socket path; a TCP runtime API is reached directly")
        default:
            throw LoadBalancerError(balancer: "\(balancer) (HAProxy)", kind: .configuration,
                                    message: "give exactly one of socket (the admin socket path) and tcp (host:port of the runtime API)")
        }
    }
}
