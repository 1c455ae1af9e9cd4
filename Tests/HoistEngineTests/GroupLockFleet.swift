import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// A group of "hosts" that are temp directories on this machine, run by a real /bin/sh through
/// LocalHostSession. A host named `down*` cannot be reached.
final class GroupLockFleet {
    let scratch: ScratchDirectory
    let hosts: [HostSpec]
    let groupID = "app_prod"

    init(_ names: [String] = ["web3", "web1", "web2"]) throws {
        let scratch = try ScratchDirectory("hoist-lock")
        self.scratch = scratch
        hosts = names.map { HostSpec(name: $0, address: "127.0.0.1", deploymentRoot: scratch.file($0)) }
    }

    /// A lock owner. Its lease is a day unless a test asks for less: with two minutes, a test
    /// on a loaded machine (seconds per shell command) saw its own fresh lock go stale.
    static func owner(_ id: String, user: String = "alice", machine: String = "laptop", lease: Int = 86_400) -> LockOwner {
        LockOwner(user: user, machine: machine, deploymentID: id, pid: 4242, startTime: Int(Date().timeIntervalSince1970),
                  leaseSeconds: lease, command: "hoist deploy playbooks/app.yml --message \"it's \\\"quoted\\\"\"")
    }

    func lock(_ owner: LockOwner) -> GroupLock {
        var lock = GroupLock(groupID: groupID, hosts: hosts, owner: owner) { host in
            if host.name.hasPrefix("down") {
                throw TransportError(host: host.name, kind: .refused, message: "connection refused")
            }
            return LocalHostSession(host: host)
        }
        lock.firstRetryDelay = .milliseconds(20)
        lock.maxRetryDelay = .milliseconds(100)
        return lock
    }

    func layout(_ host: String) -> HostLayout {
        HostLayout(root: scratch.file(host), groupID: groupID)
    }

    /// Writes a lock by hand, as another coordinator would have, with a heartbeat `age` seconds old.
    func plantLock(on host: String, owner: LockOwner, age: Int) throws {
        let dir = layout(host).lockDir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let json = GroupLockCommands.ownerJSONPrefix(owner) + "\(Int(Date().timeIntervalSince1970) - age)}\n"
        try json.write(toFile: dir + "/owner.json", atomically: true, encoding: .utf8)
    }

    /// The owner.json on `host`, if there is a lock.
    func ownerOnDisk(_ host: String) -> LockOwner? {
        GroupLock.decodeOwner(try? String(contentsOfFile: layout(host).lockDir + "/owner.json", encoding: .utf8))
    }

    /// Everything in a host's instructions folder: the lock and any scratch left behind.
    func instructionEntries(_ host: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: layout(host).instructionsDir)) ?? []).sorted()
    }
}

/// Fails instead of hanging when something awaited never happens.
func withinAMinute<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(60))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw GroupLockError(message: "gave up waiting after a minute")
        }
        return value
    }
}
