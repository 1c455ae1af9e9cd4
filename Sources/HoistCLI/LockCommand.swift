import ArgumentParser
import Foundation
import HoistCore
import HoistEngine
import HoistHistory
import HoistPlanning

/// `hoist lock status|release`: who holds a deployment group's lock on its hosts.
struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock", abstract: "Show or release a deployment group's lock.",
        subcommands: [LockStatus.self, LockRelease.self])
}

struct LockStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show who holds the group's lock on each host.")
    @Argument(help: "The playbook (deployment group).", completion: Completions.playbook) var playbook: String
    @Option(name: .long, help: "History file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`).") var db: String?

    mutating func run() async throws {
        let (lock, pool, history) = try groupLock(playbook, deploymentID: "none")
        let states = await lock.status()
        await pool.closeAll()
        let gone = GoneHolders(db: db, playbookHistory: history)
        for state in states {
            guard let why = gone.reason(state) else { Console.shared.out(state.description); continue }
            Console.shared.out("\(state.description); but \(why): the lock was left behind, `hoist lock release \(playbook)` removes it")
        }
    }
}

/// Which held locks belong to deployments known to be over (`GoneLockHolder`), with the
/// history the command names when it can be opened (without one, only a coordinator process
/// on this machine that is gone proves anything). The history is opened only when a lock is
/// held, and each holder is asked about once, however many hosts it holds.
final class GoneHolders {
    private let open: () -> (any HistoryStore)?
    private lazy var history: (any HistoryStore)? = open()
    private var known: [String: String?] = [:]

    /// `playbookHistory` is the playbook's `history:` (nil: none), as every history command
    /// reads it; never the playbook itself.
    /// A history file that does not exist is not made: it could say nothing anyway.
    init(db: String?, playbookHistory: String?) {
        open = {
            let location = HistoryStoreChoice.location(db: db, playbook: playbookHistory, environment: ProcessInfo.processInfo.environment)
            if case .file(let path) = HistoryAddress(location), !FileManager.default.fileExists(atPath: path) { return nil }
            return try? HistoryStoreChoice.open(db: db, playbook: playbookHistory)
        }
    }

    init(history: any HistoryStore) {
        open = { history }
    }

    func reason(_ state: HostLockState) -> String? {
        guard case .held(let owner, let age, _) = state.state else { return nil }
        if let answer = known[owner.deploymentID] { return answer }
        let answer = GoneLockHolder.reason(owner, heartbeatAgeSeconds: age, thisMachine: ProcessInfo.processInfo.hostName, history: history)
        known[owner.deploymentID] = answer
        return answer
    }
}

struct LockRelease: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Remove a stale lock (with --force: any lock, even one a running deployment holds).")
    @Argument(help: "The playbook (deployment group).", completion: Completions.playbook) var playbook: String
    @Flag(name: .long, help: "Remove the lock whoever holds it.") var force = false
    @Option(name: .long, help: "History file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`).") var db: String?

    mutating func run() async throws {
        let (lock, pool, history) = try groupLock(playbook, deploymentID: "none")
        defer { Task { await pool.closeAll() } }
        let states = await lock.status()
        // A fresh heartbeat of a deployment known to be over (its lock left behind) is no
        // running deployment.
        let gone = GoneHolders(db: db, playbookHistory: history)
        let fresh = states.filter { state in
            guard case .held(_, _, let stale) = state.state, !stale else { return false }
            return gone.reason(state) == nil
        }
        if !fresh.isEmpty && !force {
            for state in fresh { printToStderr("hoist: \(state)") }
            printToStderr("hoist: the lock is held by a running deployment (its heartbeat is fresh); `hoist stop --playbook \(shellQuote(playbook))` stops it, --force removes the lock anyway")
            throw ExitCode(HoistExitCode.lockHeld)
        }
        guard !force else {
            for state in await lock.forceRelease() { Console.shared.out("released: \(state)") }
            return
        }
        // Each stale or gone holder's own lock, checked against owner.json on each host in the
        // same program: a deployment that took the lock since the status was read keeps it (a
        // release of everything there stopped a live deployment that had just started).
        // Each holder with the hosts it was found on, in the order first seen: a release goes
        // only there, so every host gets one program in all, not one per holder.
        var holders: [(id: String, states: [HostLockState])] = []
        for state in states {
            guard case .held(let owner, _, _) = state.state else { continue }
            if let index = holders.firstIndex(where: { $0.id == owner.deploymentID }) {
                holders[index].states.append(state)
            } else {
                holders.append((owner.deploymentID, [state]))
            }
        }
        for holder in holders {
            let names = Set(holder.states.map(\.host))
            let unreleased = Set(await lock.release(deploymentID: holder.id, on: lock.hosts.filter { names.contains($0.name) }).map(\.host))
            for state in holder.states {
                if unreleased.contains(state.host) {
                    printToStderr("hoist: not released on \(state.host): it could not be reached")
                } else {
                    Console.shared.out("released: \(state)")
                }
            }
        }
    }
}

/// `hoist stop ID`: stops a deployment running elsewhere (another terminal, cron) through its
/// lock record on the hosts; it ends Stopped as if Ctrl-C had been pressed there. With
/// `--playbook`, the lock on the group's hosts names the deployment, so no history is needed
/// (a cron job's history may live on another machine).
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a running deployment, wherever it was started.")
    @Argument(help: "The deployment id (d-XXXXXXXXX). With --playbook, default: the deployment holding the group's lock.",
              completion: Completions.deploymentID)
    var id: String?
    @Option(name: .long, help: "The deployment's playbook: its lock on the hosts names the deployment, without the history.",
            completion: Completions.playbook)
    var playbook: String?
    @Flag(name: .long, help: "Kill running hooks, unpacking and Install, and stop uploads too (as a second Ctrl-C).") var immediate = false
    @Option(name: .long, help: "History file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`).") var db: String?

    mutating func run() async throws {
        var playbookPath = playbook
        // An automatic rollback runs under the lock of the deployment it rolls back.
        var lockedAs: String?
        var gone: GoneHolders?
        if playbookPath == nil {
            guard let id else { throw invalid("name the deployment (hoist stop ID), or its playbook (hoist stop --playbook PLAYBOOK)") }
            let store = try openHistory(db: db, playbook: nil)
            gone = GoneHolders(history: store)
            guard let deploymentID = DeploymentID(id), let record = try store.deployment(deploymentID) else {
                throw invalid("\(id): no such deployment in the history; `\(SuggestedCommands.naming(db: db, playbook: nil).list())` shows them, and `hoist stop --playbook PLAYBOOK` finds it through the lock on the hosts")
            }
            // Nothing to stop is the command not doing what it was asked (1), as with
            // `--playbook` and no deployment running; an id that names nothing is bad input (2).
            guard !record.status.isFinal else {
                printToStderr("hoist: \(id) has already ended (\(record.status.rawValue)); there is nothing to stop")
                throw ExitCode(1)
            }
            playbookPath = record.playbookPath
            if record.creator == .rollback { lockedAs = record.rollbackOf?.rawValue }
        }
        let (lock, pool, history) = try groupLock(playbookPath!, deploymentID: id ?? "none")
        defer { Task { await pool.closeAll() } }
        // Read until the deployment is seen where its heartbeat would hear a request: a
        // frozen host is not waited for (it held `hoist stop` for a handshake timeout).
        let named = [id, lockedAs].compactMap { $0 }
        let states = await lock.status(until: { state in
            guard case .held(let owner, _, let stale) = state else { return false }
            return named.isEmpty ? !stale : named.contains(owner.deploymentID)
        })
        let holders = gone ?? GoneHolders(db: db, playbookHistory: history)
        let target: String
        if let id { target = id } else { target = try lockHolder(states, gone: holders) }
        // A deployment whose coordinator is known to be gone has no one to hear the request.
        for state in states {
            guard case .held(let owner, _, _) = state.state, owner.deploymentID == target, let why = holders.reason(state) else { continue }
            printToStderr("hoist: nothing runs \(target) any more: \(why). The next deployment of the group takes its lock over "
                + "and stops any hook it left running; `hoist lock release \(playbookPath!)` removes the lock now")
            throw ExitCode(1)
        }
        var asked = target
        let unanswered: [String]
        do {
            do {
                unanswered = try await lock.requestStop(deploymentID: target, immediate: immediate)
            } catch let error as GroupLockError {
                guard let lockedAs else { throw error }
                unanswered = try await lock.requestStop(deploymentID: lockedAs, immediate: immediate)
                asked = "\(target) (it runs under the lock of \(lockedAs), which it rolls back)"
            }
        } catch let error as GroupLockError {
            printToStderr("hoist: \(error)")
            throw ExitCode(1)
        }
        Console.shared.out("asked \(asked) to stop\(immediate ? " now" : ""); its coordinator sees it at its next heartbeat")
        // Not a failure: the request is where the coordinator's heartbeat reads it.
        if !unanswered.isEmpty {
            printToStderr("hoist: the request is not on \(HostNameList.text(unanswered)): "
                + "\(unanswered.count == 1 ? "it" : "they") did not answer (frozen, down or slow) and \(unanswered.count == 1 ? "was" : "were") not waited for; "
                + "the deployment hears the request through the hosts that have it")
        }
    }

    /// The one running deployment holding the group's lock (a fresh heartbeat), from `states`.
    private func lockHolder(_ states: [HostLockState], gone: GoneHolders) throws -> String {
        var holders: [String] = []
        var over: [String] = []
        for state in states {
            guard case .held(let owner, _, let stale) = state.state, !stale else { continue }
            if let why = gone.reason(state) {
                if !over.contains(why) { over.append(why) }
            } else if !holders.contains(owner.deploymentID) {
                holders.append(owner.deploymentID)
            }
        }
        guard holders.count == 1 else {
            printToStderr(holders.isEmpty && !over.isEmpty
                ? "hoist: no running deployment holds the lock of \(playbook ?? "the group")'s deployment group: \(over.joined(separator: "; ")), "
                    + "and its lock was left behind; `hoist lock release \(playbook ?? "PLAYBOOK")` removes it"
                : holders.isEmpty
                ? "hoist: no running deployment holds the lock of \(playbook ?? "the group")'s deployment group; `hoist lock status \(playbook ?? "PLAYBOOK")` shows it"
                : "hoist: several deployments hold the lock (\(holders.joined(separator: ", "))); name one: hoist stop ID --playbook \(playbook ?? "")")
            throw ExitCode(1)
        }
        return holders[0]
    }
}

/// The group's lock on the playbook's hosts, the pool its sessions come from, and the
/// playbook's own `history:` (nil: none), which the commands' history defaults to.
func groupLock(_ playbookPath: String, deploymentID: String) throws -> (GroupLock, SessionPool, history: String?) {
    let target = try loadTargetOrExit(playbookPath)
    guard let playbook = target.playbook else { throw invalid("\(playbookPath) is an inventory; locks belong to playbooks") }
    let pool = SessionPool(connector: makeConnector(for: target))
    let owner = LockOwner(user: currentUser(), machine: ProcessInfo.processInfo.hostName, deploymentID: deploymentID,
                          pid: getpid(), startTime: Int(Date().timeIntervalSince1970), command: "hoist lock")
    let lock = GroupLock(groupID: HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup),
                         hosts: target.hosts, owner: owner, sessions: { try await pool.connect($0) })
    return (lock, pool, playbook.historyPath)
}
