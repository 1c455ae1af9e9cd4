/// Inventory entries that reach the same SSH endpoint (the same address and port through the
/// same jump hosts): one deployment would run twice at once on that machine, each run
/// removing the other's files (in a probe, one of the two failed in 4 of 5 runs, with a
/// different error each time, and the deployment still succeeded).
public enum SameMachineHosts {
    /// Each endpoint reached by more than one entry, with their names in inventory order.
    public static func find(_ hosts: [HostSpec]) -> [(endpoint: String, names: [String])] {
        var order: [String] = []
        var names: [String: [String]] = [:]
        for host in hosts {
            let via = host.jumps.map { " via \($0)" }.joined()
            let endpoint = "\(host.address):\(host.port)\(via)"
            if names[endpoint] == nil { order.append(endpoint) }
            names[endpoint, default: []].append(host.name)
        }
        return order.compactMap { endpoint in
            let list = names[endpoint] ?? []
            return list.count > 1 ? (endpoint, list) : nil
        }
    }
}
