import HoistCore

/// One program on many hosts at once, each host's answer kept. Host after host, a fleet of a
/// thousand cost a round trip each in sequence (minutes), and a frozen host held the others
/// for its whole timeout. The connector bounds what runs at once where it matters: handshakes
/// wait for a place (`SSHConnectorOptions.maxConcurrentHandshakes`).
enum HostFanout {
    /// Runs `body` for every host at once; the results come back in the hosts' order.
    static func each<T: Sendable>(_ hosts: [HostSpec], _ body: @escaping @Sendable (HostSpec) async -> T) async -> [(HostSpec, T)] {
        await withTaskGroup(of: (Int, T).self) { group in
            for (index, host) in hosts.enumerated() {
                group.addTask { (index, await body(host)) }
            }
            var results = [(HostSpec, T)?](repeating: nil, count: hosts.count)
            for await (index, value) in group { results[index] = (hosts[index], value) }
            return results.compactMap { $0 }
        }
    }
}
