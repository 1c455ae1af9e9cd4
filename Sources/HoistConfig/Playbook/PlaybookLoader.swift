import HoistCore

/// Reads playbook files and, as a separate step, the hosts of their inventory with the
/// playbook's `ssh:` overrides applied.
public enum PlaybookLoader {
    /// Reads and parses a playbook; does not read its inventory.
    public static func load(path: String, environment: ConfigEnvironment = .process) -> Result<Playbook, DiagnosticsError> {
        guard let text = environment.readFile(environment.absolute(path)) else {
            return .failure(DiagnosticsError([Diagnostic(file: path, message: "cannot read the playbook file",
                                                         hint: "check that the path exists and is readable")]))
        }
        return PlaybookParser.parse(text: text, file: path, baseDirectory: environment.folder(of: path),
                                    homeDirectory: environment.homeDirectory, environment: environment.variables)
    }

    /// Loads the playbook's inventory and applies its `ssh:` overrides, and checks that the
    /// inventory hosts the playbook names (haproxy `via`, nginx `host`, jump hops) exist.
    public static func inventory(for playbook: Playbook, environment: ConfigEnvironment = .process) -> Result<Inventory, DiagnosticsError> {
        let result = InventoryLoader.load(path: playbook.inventoryPath, environment: environment)
        guard case .success(var inventory) = result else { return result }
        var problems: [Diagnostic] = []
        let names = Set(inventory.hosts.map(\.name))
        for (index, lb) in playbook.loadBalancers.enumerated() {
            let named: (key: String, host: String?)
            switch lb.driver {
            case .haproxy(let h): named = ("via", h.viaHost)
            case .nginx(let n): named = ("host", n.host)
            case .command: named = ("", nil)
            }
            if let host = named.host, !names.contains(host) {
                problems.append(Diagnostic(
                    file: playbook.file, keyPath: "load_balancers[\(index)].\(named.key)",
                    message: "'\(host)' is not a host of the inventory \(playbook.inventoryPath)",
                    hint: didYouMean(host, in: Array(names)).map { "did you mean '\($0)'?" }))
            }
        }
        var jumps: [JumpHost]?
        if let hops = playbook.ssh.jump {
            jumps = []
            for hop in hops {
                if let host = inventory.host(named: hop) {
                    jumps! += host.jumps + [JumpHost(address: host.address, port: host.port, user: host.user)]
                } else if let jump = HostResolver.parseHop(hop) {
                    if let problem = HostResolver.hopProblem(jump) {
                        problems.append(Diagnostic(
                            file: playbook.file, keyPath: "ssh.jump", message: "jump host '\(hop)' \(problem)",
                            hint: "name a host of the inventory, or user@host:port with an IP address or a DNS name"))
                    }
                    jumps!.append(jump)
                } else {
                    problems.append(Diagnostic(
                        file: playbook.file, keyPath: "ssh.jump",
                        message: "'\(hop)' is neither a host of the inventory nor user@host:port"))
                }
            }
        }
        if !problems.isEmpty { return .failure(DiagnosticsError(problems)) }
        inventory.hosts = inventory.hosts.map { host in
            var host = host
            let ssh = playbook.ssh
            if let user = ssh.user { host.user = user }
            if let files = ssh.identityFiles { host.identityFiles = files }
            if let knownHosts = ssh.knownHostsFile { host.knownHostsFile = knownHosts }
            if let checking = ssh.hostKeyChecking { host.hostKeyChecking = checking }
            if let jumps { host.jumps = jumps }
            return host
        }
        return .success(inventory)
    }
}
