import Foundation
import HoistCore
import HoistTestSupport

/// Hands out the local fleet's hosts to the deploy tests so that tests running in parallel
/// never share a host: a test takes the hosts it needs, waiting (first come, first served)
/// until that many are free, and gives them back when it ends. The fleet's last directly
/// reachable host is never handed out: the SSH transport tests stop its sshd.
actor DeployHostPool {
    static let shared = DeployHostPool()

    struct TooFewHosts: Error, CustomStringConvertible {
        var wanted: Int
        var available: Int
        var description: String {
            "a deploy test needs \(wanted) fleet hosts but the pool has \(available); bring the fleet up with more hosts (HOIST_TEST_HOSTS)"
        }
    }

    private var all: [HostSpec]?
    private var free: [HostSpec] = []
    private var waiting: [(count: Int, continuation: CheckedContinuation<[HostSpec], Never>)] = []

    /// `count` hosts in fleet order, once that many are free.
    func acquire(_ count: Int) async throws -> [HostSpec] {
        let all = try loadAll()
        guard count <= all.count else { throw TooFewHosts(wanted: count, available: all.count) }
        if waiting.isEmpty, free.count >= count { return take(count) }
        return await withCheckedContinuation { waiting.append((count, $0)) }
    }

    /// Every host of the pool, once no other test holds one: for tests that must see the
    /// whole fleet answering (other tests stop the sshd of hosts they hold).
    func acquireAll() async throws -> [HostSpec] {
        try await acquire(try loadAll().count)
    }

    func release(_ hosts: [HostSpec]) {
        free.append(contentsOf: hosts)
        let order = Dictionary(uniqueKeysWithValues: (all ?? []).enumerated().map { ($1.name, $0) })
        free.sort { order[$0.name, default: 0] < order[$1.name, default: 0] }
        while let first = waiting.first, free.count >= first.count {
            waiting.removeFirst()
            first.continuation.resume(returning: take(first.count))
        }
    }

    private func take(_ count: Int) -> [HostSpec] {
        let taken = Array(free.prefix(count))
        free.removeFirst(count)
        return taken
    }

    private func loadAll() throws -> [HostSpec] {
        if let all { return all }
        let direct = try Fleet.load().filter { $0.jumps.isEmpty }
        let pool = Array(direct.dropLast())
        all = pool
        free = pool
        return pool
    }
}
