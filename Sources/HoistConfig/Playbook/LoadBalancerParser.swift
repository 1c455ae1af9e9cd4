import HoistCore
import Yams

/// `load_balancers:` — each `{name, type: haproxy|nginx|command, drain_timeout,
/// health_timeout, ...}` with the keys of its type.
extension PlaybookParser {
    enum BalancerType: String, CaseIterable { case haproxy, nginx, command }

    static let commonBalancerKeys = ["name", "type", "drain_timeout", "health_timeout"]
    static let balancerKeys: [BalancerType: [String]] = [
        .haproxy: ["socket", "address", "via", "backend", "server"],
        .nginx: ["host", "upstream_file", "upstream", "server", "test_command", "reload_command", "health_path", "pid_file"],
        .command: ["register", "deregister", "health"],
    ]

    func loadBalancers(_ node: Node, _ path: String) -> [LoadBalancerSpec] {
        if YAMLNodeReader.isNull(node) { return [] }
        if case .mapping = node { return loadBalancer(node, path).map { [$0] } ?? [] }
        guard let items = reader.sequence(node, path, what: "a list of load balancers") else { return [] }
        return items.enumerated().compactMap { loadBalancer($1, "\(path)[\($0)]") }
    }

    func loadBalancer(_ node: Node, _ path: String) -> LoadBalancerSpec? {
        guard let entries = reader.mapping(node, path) else { return nil }
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }
        func text(_ key: String, required: Bool = false) -> String? {
            guard let v = value(key) else {
                if required { reader.error(node, join(path, key), "this load balancer needs '\(key)'") }
                return nil
            }
            return reader.string(v, join(path, key))
        }
        guard let typeNode = value("type") else {
            reader.error(node, join(path, "type"), "a load balancer needs 'type'", hint: "one of haproxy, nginx, command")
            return nil
        }
        guard let type = reader.choice(typeNode, join(path, "type"), BalancerType.self, caseInsensitive: true) else { return nil }
        reader.rejectUnknownKeys(entries, allowed: Self.commonBalancerKeys + Self.balancerKeys[type]!, path)
        let name = text("name") ?? type.rawValue
        let drain = value("drain_timeout").flatMap { reader.seconds($0, join(path, "drain_timeout")) } ?? 30
        let health = value("health_timeout").flatMap { reader.seconds($0, join(path, "health_timeout")) } ?? 300

        let driver: LoadBalancerSpec.Driver
        switch type {
        case .haproxy:
            let via = text("via")
            let socket = text("socket").map { via == nil ? paths.resolve($0) : $0 }
            let address = text("address")
            if (value("socket") == nil) == (value("address") == nil) {
                reader.error(node, path, "an haproxy load balancer needs exactly one of 'socket' (admin socket path) or 'address' (host:port of a TCP runtime API)")
            }
            guard let backend = text("backend", required: true) else { return nil }
            driver = .haproxy(.init(socketPath: socket, tcpAddress: address, viaHost: via, backend: backend,
                                    serverTemplate: text("server") ?? "{host}"))
        case .nginx:
            let host = text("host")
            guard let file = text("upstream_file", required: true), let upstream = text("upstream", required: true) else { return nil }
            var nginx = LoadBalancerSpec.Nginx(host: host, upstreamFile: host == nil ? paths.resolve(file) : file, upstream: upstream)
            if let server = text("server") { nginx.serverTemplate = server }
            if let test = text("test_command") { nginx.testCommand = test }
            if let reload = text("reload_command") { nginx.reloadCommand = reload }
            nginx.healthPath = text("health_path")
            nginx.pidFile = text("pid_file").map { host == nil ? paths.resolve($0) : $0 }
            driver = .nginx(nginx)
        case .command:
            guard let register = text("register", required: true), let deregister = text("deregister", required: true) else {
                return nil
            }
            driver = .command(.init(register: register, deregister: deregister, health: text("health")))
        }
        return LoadBalancerSpec(name: name, driver: driver, drainTimeoutSeconds: drain, healthTimeoutSeconds: health)
    }
}
