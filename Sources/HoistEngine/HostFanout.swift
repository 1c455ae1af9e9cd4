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

    /// Runs `body` for every host at once and returns what came, in the hosts' order (nil: not
    /// in yet), `stragglerWait` after `enough` first held for it, or once every host answered.
    /// A host still out is not waited for (its task goes on by itself); the short wait lets
    /// hosts that answer, only later than the first, answer, so that those named as not
    /// answering are the silent ones.
    static func answers<T: Sendable>(_ hosts: [HostSpec], stragglerWait: Duration, until enough: ([T?]) -> Bool,
                                     _ body: @escaping @Sendable (HostSpec) async -> T) async -> [(HostSpec, T?)] {
        var results = [T?](repeating: nil, count: hosts.count)
        guard !hosts.isEmpty else { return [] }
        // nil: the wait for stragglers is over.
        let (answers, answered) = AsyncStream.makeStream(of: (Int, T)?.self)
        for (index, host) in hosts.enumerated() {
            Task { answered.yield((index, await body(host))) }
        }
        var count = 0
        var stragglers: Task<Void, Never>?
        defer { stragglers?.cancel() }
        for await answer in answers {
            guard let (index, value) = answer else { break }
            results[index] = value
            count += 1
            if count == hosts.count { break }
            if stragglers == nil, enough(results) {
                guard stragglerWait > .zero else { break }
                let wait = stragglerWait
                stragglers = Task { if (try? await Task.sleep(for: wait)) != nil { answered.yield(nil) } }
            }
        }
        return Array(zip(hosts, results))
    }
}
