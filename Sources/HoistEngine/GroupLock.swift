import Foundation
import HoistCore
import HoistPlanning

/// One deployment at a time per deployment group, whoever starts it (a laptop, CI, cron). The
/// lock is held on the hosts themselves, under each host's deployment root, and taken on every
/// host in order of host name, so two coordinators always contend for the same first host and
/// cannot deadlock: exactly one gets it and the other backs out.
///
/// A host that cannot be reached is skipped rather than failing the lock: a deployment to a
/// group with a host down must still be possible (that host then fails as unreachable in the
/// deployment itself). At least one host must be locked; the skipped ones are recorded in
/// `AcquiredLock.skippedHosts` for the caller to report. So is a host the deployment does not
/// target (`untargeted`, outside `--hosts`) whose lock program fails (a broken login shell, a
/// sudo that refuses): it would not stop a deployment to the other hosts were it down.
///
/// `sessions` is called for every host in every operation (including each heartbeat); pass a
/// factory that returns the deployment's cached sessions so no connection is opened twice
/// (the heartbeat's programs run beside the deployment's commands on them).
public struct GroupLock: Sendable {
    public typealias Sessions = @Sendable (HostSpec) async throws -> any HostSession

    public let groupID: String
    /// The group's hosts, sorted by name: the order in which the lock is taken.
    public let hosts: [HostSpec]
    /// Who we are: the owner written when taking the lock, and who asks when requesting a stop.
    public let owner: LockOwner
    let sessions: Sessions
    /// The first pause between attempts while waiting for a held lock; it doubles up to `maxRetryDelay`.
    public var firstRetryDelay: Duration = .milliseconds(250)
    public var maxRetryDelay: Duration = .seconds(5)
    public var commandTimeoutSeconds: Double = 30
    /// How long `hoist stop` and `hoist continue` wait for the other hosts once their request
    /// is where the deployment hears it (`HostFanout.answers`); tests make it zero.
    public var stragglerWait: Duration = .seconds(2)
    /// Hosts of the group the deployment does not target: a lock program that fails there is
    /// a skip, as an unreachable host is, not a refusal.
    public var untargeted: Set<String> = []

    public init(groupID: String, hosts: [HostSpec], owner: LockOwner, sessions: @escaping Sessions) {
        self.groupID = groupID
        self.hosts = hosts.sorted { $0.name < $1.name }
        self.owner = owner
        self.sessions = sessions
    }

    /// Takes the lock on every reachable host. Without `wait`, a lock held by another live
    /// deployment throws `GroupLockHeld` at once; with it, attempts repeat with backoff until
    /// `wait` has passed, calling `onWaiting` after each refusal with the seconds left before
    /// it gives up. A stop (Ctrl-C) ends the wait at once with `GroupLockWaitStopped`, having
    /// taken nothing. Each stale lock taken over is reported through `onStaleTakeover` as a
    /// sentence. After each refusal, `takeOver` may remove the holder's lock (its deployment is
    /// known to be over: `GoneLockHolder`) and answer true: the next attempt comes at once,
    /// with or without `wait`, rather than after the wait for a holder that will never let go.
    public func acquire(
        wait: Duration? = nil, stop: StopController? = nil, onStaleTakeover: (String) -> Void = { _ in },
        onWaiting: (GroupLockHeld, Double) -> Void = { _, _ in },
        takeOver: (GroupLockHeld) async -> Bool = { _ in false }
    ) async throws -> AcquiredLock {
        let clock = ContinuousClock()
        let deadline = wait.map { clock.now + $0 }
        var delay = firstRetryDelay
        // Every host's connection at once: the pass below goes host by host in name order,
        // and with hosts down each waited out its own handshake timeout in turn (five frozen
        // hosts: 100 s, deaf to Ctrl-C). A host that failed is then known at once. A stop
        // ends the wait for a handshake that hangs (a frozen sshd: 20 s): nothing is taken yet.
        if hosts.count > 1 {
            let sessions = self.sessions, hosts = self.hosts
            let connectAll: @Sendable () async -> Bool = {
                _ = await HostFanout.each(hosts) { host in _ = try? await sessions(host) }
                return true
            }
            if let stop {
                guard await firstToEnd(connectAll, { await stop.wait(above: .none) == .none }) else { throw GroupLockTakingStopped() }
            } else {
                _ = await connectAll()
            }
        }
        while true {
            do {
                return try await attempt(stop: stop, onStaleTakeover: onStaleTakeover)
            } catch let held as GroupLockHeld {
                if await takeOver(held) { continue }
                guard let deadline, clock.now < deadline else { throw held }
                let left = deadline - clock.now
                onWaiting(held, Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
                let pause = min(delay, deadline - clock.now)
                if let stop {
                    if await stop.sleep(for: pause) { throw GroupLockWaitStopped(held: held) }
                } else {
                    try await Task.sleep(for: pause)
                }
                delay = min(delay * 2, maxRetryDelay)
            }
        }
    }

    /// One pass: the hosts in name order until one is taken, then all the others at once
    /// (each host's lock is atomic on its own, and whoever holds the first reachable host has
    /// won the race, so taking the rest in parallel changes who wins nothing); backs out of
    /// what it took when a host is held. On a network with 30 ms between coordinator and
    /// hosts, host after host would cost a connection and a command per host in sequence.
    private func attempt(stop: StopController?, onStaleTakeover: (String) -> Void) async throws -> AcquiredLock {
        let token = Self.token()
        // One program per host layout, the same string for every host that has it.
        let owner = self.owner
        let program = SharedText<GroupLockCommands> { $0.take(owner: owner, token: token) }
        var answers: [(HostSpec, Result<LockHostAnswer, any Error>)] = []
        var rest = hosts[...]
        while let host = rest.first {
            // Nothing is taken yet: a stop ends the pass here.
            if let stop, stop.level > .none { throw GroupLockTakingStopped() }
            rest = rest.dropFirst()
            let answer = await take(host, program)
            answers.append((host, answer))
            if case .success(.unreachable) = answer { continue }
            if case .failure = answer, untargeted.contains(host.name) { continue }
            break
        }
        if case .success(.reply(let reply))? = answers.last?.1, [.taken, .ours, .tookover].contains(reply.outcome) {
            answers += await HostFanout.each(Array(rest)) { host in await take(host, program) }
        }

        var taken: [HostSpec] = []
        var orphans: [(HostSpec, [String])] = []
        var skipped: [SkippedLockHost] = []
        var refusal: (any Error)?
        for (host, answer) in answers {
            switch answer {
            case .failure(let error) where untargeted.contains(host.name):
                skipped.append(SkippedLockHost(host: host.name, reason: "\(error)"))
            case .failure(let error):
                refusal = refusal ?? error
            case .success(.unreachable(let why, let hostKey)):
                skipped.append(SkippedLockHost(host: host.name, reason: why, hostKey: hostKey))
            case .success(.reply(let reply)) where reply.outcome == .taken || reply.outcome == .ours:
                taken.append(host)
                if !reply.orphans.isEmpty { orphans.append((host, reply.orphans)) }
            case .success(.reply(let reply)) where reply.outcome == .tookover:
                taken.append(host)
                if !reply.orphans.isEmpty { orphans.append((host, reply.orphans)) }
                let stale = Self.decodeOwner(reply.ownerJSON) ?? .unknown
                onStaleTakeover("took over a stale lock on \(host.name) held by \(stale.holder) for \(stale.deploymentID) since \(lockTimeText(stale.startTime)); its last heartbeat was \(reply.heartbeatAgeSeconds) s ago")
            case .success(.reply(let reply)):
                refusal = refusal ?? GroupLockHeld(
                    groupID: groupID, host: host.name, holder: Self.decodeOwner(reply.ownerJSON) ?? .unknown,
                    heartbeatAgeSeconds: reply.heartbeatAgeSeconds)
            }
        }
        if let refusal {
            await release(on: taken.reversed())
            throw refusal
        }
        guard !taken.isEmpty else {
            throw GroupLockError(message: "no host could be reached ("
                + HostNameList.byReason(skipped.map { ($0.host, $0.reason) }) + ")")
        }
        return AcquiredLock(lock: self, lockedHosts: taken, skippedHosts: skipped,
                            orphanedRuns: orphans.map { OrphanedRuns(host: $0.0, scratches: $0.1) })
    }

    private func take(_ host: HostSpec, _ program: SharedText<GroupLockCommands>) async -> Result<LockHostAnswer, any Error> {
        do {
            return .success(try await call(host) { program($0) })
        } catch {
            return .failure(error)
        }
    }

    /// Removes our lock on `hosts` (only where owner.json still names our deployment);
    /// returns the hosts where that could not be done, with why.
    @discardableResult
    func release(on hosts: [HostSpec]) async -> [UnreleasedLock] {
        await release(deploymentID: owner.deploymentID, on: hosts)
    }

    /// Removes the lock of `deploymentID` on `hosts`, only where owner.json still names it,
    /// checked on each host in the same program. Taking over the lock of a coordinator known
    /// to be dead goes through here, so two coordinators racing for it never remove each
    /// other's fresh lock: only the dead one's.
    @discardableResult
    public func release(deploymentID: String, on hosts: [HostSpec]? = nil) async -> [UnreleasedLock] {
        let token = Self.token()
        let program = SharedText<GroupLockCommands> { $0.release(deploymentID: deploymentID, token: token) }
        let answers = await HostFanout.each(hosts ?? self.hosts) { host -> String? in
            do {
                if case .unreachable(let why, _) = try await call(host, { program($0) }) { return why }
                return nil
            } catch {
                return Self.reason(error)
            }
        }
        return answers.compactMap { host, why in why.map { UnreleasedLock(host: host.name, reason: $0) } }
    }

    /// Stops hook runs left alive by a coordinator that is gone (found while taking the lock):
    /// TERM to each run's group and descendants, KILL after `graceSeconds`, as an immediate
    /// stop does; one program per host, all hosts at once.
    public func stop(_ runs: [OrphanedRuns], graceSeconds: Int) async {
        await withTaskGroup(of: Void.self) { group in
            for run in runs where !run.scratches.isEmpty {
                let program = HookInvocation.killCommand(scratches: run.scratches, graceSeconds: graceSeconds, sudo: RemoteProgram.usesSudo(run.host))
                group.addTask { _ = try? await sessions(run.host).capture(program, timeoutSeconds: Double(graceSeconds) + 60) }
            }
        }
    }

    /// The lock on every host: free, held (fresh or stale, with the heartbeat's age on the
    /// host's clock), or unreachable.
    public func status() async -> [HostLockState] {
        let lease = owner.leaseSeconds
        return await HostFanout.each(hosts) { host in await self.state(of: host) { $0.status(defaultLease: lease) } }
            .map { host, state in HostLockState(host: host.name, state: state) }
    }

    /// The lock on the hosts, read all at once, as soon as the answers so far show what
    /// `wanted` looks for where the deployment's heartbeat reads requests (`heardThere`), or
    /// once every host answered: `hoist stop` does not wait out a frozen host's handshake.
    /// A host not in by then is `.unreachable` ("did not answer").
    public func status(until wanted: @escaping @Sendable (HostLockState.State) -> Bool) async -> [HostLockState] {
        // Nothing here is named to the user: no wait for stragglers.
        let answers = await HostFanout.answers(hosts, stragglerWait: .zero, until: { states in
            Self.heardThere(states.map { $0.map { state in
                if case .unreachable = state { return nil }
                return wanted(state)
            } ?? nil })
        }) { host in await self.state(of: host) { $0.status(defaultLease: self.owner.leaseSeconds) } }
        return answers.map { host, state in HostLockState(host: host.name, state: state ?? .unreachable(Self.noAnswer)) }
    }

    /// Why a host that was not waited for has no answer.
    static let noAnswer = "it did not answer in time, and was not waited for; it may be frozen"

    /// Whether a running deployment hears a request written where `landed` says, host by host
    /// in name order (true: written; false: the host answered without the deployment's lock;
    /// nil: no answer, or unreachable). Its heartbeat reads requests on the first two hosts
    /// it locked every beat (`AcquiredLock.startHeartbeat`), and only a host without an answer
    /// can hold its lock before the first host where the request was written: with at most
    /// one such host before it, that host is one of the two.
    public static func heardThere(_ landed: [Bool?]) -> Bool {
        var unknown = 0
        for answer in landed {
            switch answer {
            case true?: return true
            case false?: continue
            case nil:
                unknown += 1
                if unknown > 1 { return false }
            }
        }
        return false
    }

    /// Deployments whose coordinator stopped heartbeating while their lock still said
    /// `running`: they did not finish, and the caller records them as failed after restart.
    public func findUnfinished() async -> [UnfinishedDeployment] {
        var found: [UnfinishedDeployment] = []
        for state in await status() {
            guard case .held(let holder, let age, true) = state.state, holder.status == "running" else { continue }
            if let i = found.firstIndex(where: { $0.owner.deploymentID == holder.deploymentID }) {
                found[i].hosts.append(state.host)
                found[i].secondsSinceHeartbeat = min(found[i].secondsSinceHeartbeat, age)
            } else {
                found.append(UnfinishedDeployment(owner: holder, hosts: [state.host], secondsSinceHeartbeat: age))
            }
        }
        return found
    }

    /// Removes the lock on every reachable host whoever holds it; returns what each host held
    /// before (`free` where there was nothing).
    @discardableResult
    public func forceRelease() async -> [HostLockState] {
        let token = Self.token()
        return await HostFanout.each(hosts) { host in await self.state(of: host) { $0.forceRelease(token: token) } }
            .map { host, state in HostLockState(host: host.name, state: state) }
    }

    /// Asks the coordinator of `deploymentID` to stop, by writing a stop request into the lock
    /// on every reachable host it holds; its heartbeat finds it. `immediate` (or a second
    /// request) kills running hooks; otherwise they finish and nothing new starts. Throws when
    /// that deployment holds the lock nowhere. Returns the hosts that had not answered when
    /// the request was known to be heard (`heardThere`): they were not waited for.
    @discardableResult
    public func requestStop(deploymentID: String, immediate: Bool) async throws -> [String] {
        let request = "\(immediate ? "immediate" : "graceful") by \(owner.holder) pid \(owner.pid) at \(utcStamp(Date()))"
        return try await deliver(to: deploymentID, expecting: .stopped) { $0.requestStop(deploymentID: deploymentID, request: request) }
    }

    /// Asks the blue/green coordinator of `deploymentID`, waiting for `hoist continue`, to move
    /// traffic, through the lock on the hosts (so from any machine that reaches them); its
    /// heartbeat finds the request. Throws when that deployment holds the lock nowhere: it is
    /// unknown, or it has finished.
    @discardableResult
    public func requestContinue(deploymentID: String) async throws -> [String] {
        let request = "by \(owner.holder) pid \(owner.pid) at \(utcStamp(Date()))"
        return try await deliver(to: deploymentID, expecting: .continued) { $0.requestContinue(deploymentID: deploymentID, request: request) }
    }

    /// Runs a request program on every host at once (host after host, one frozen host held
    /// `hoist stop` for its whole timeout first); it must land on at least one. Returns once
    /// the deployment hears it (`heardThere`), with the hosts that had not answered then (or
    /// could not be reached): a frozen host held `hoist stop` for a handshake timeout.
    private func deliver(to deploymentID: String, expecting: GroupLockReply.Outcome,
                         _ program: @escaping @Sendable (GroupLockCommands) -> String) async throws -> [String] {
        var written = 0
        var others: [String] = []
        var unanswered: [String] = []
        let answers = await HostFanout.answers(hosts, stragglerWait: stragglerWait, until: { answers in
            Self.heardThere(answers.map { answer in
                guard case .reply(let reply)?? = answer else { return nil }
                return reply.outcome == expecting
            })
        }) { host in try? await self.call(host, program) }
        for (host, answer) in answers {
            guard case .reply(let reply)?? = answer else { unanswered.append(host.name); continue }
            if reply.outcome == expecting {
                written += 1
            } else if let holder = Self.decodeOwner(reply.ownerJSON) {
                others.append("\(host.name) is held by \(holder.deploymentID) (\(holder.holder))")
            }
        }
        guard written > 0 else {
            throw GroupLockError(message: "deployment \(deploymentID) does not hold the lock of deployment group \(groupID) on any reachable host"
                + (others.isEmpty ? "; it may have finished already, or the id is wrong." : ": " + others.joined(separator: "; ") + "."))
        }
        return unanswered
    }

    // MARK: - One host

    private func state(of host: HostSpec, _ program: (GroupLockCommands) -> String) async -> HostLockState.State {
        do {
            switch try await call(host, program) {
            case .unreachable(let why, _): return .unreachable(why)
            case .reply(let reply) where reply.outcome == .free: return .free
            case .reply(let reply):
                let holder = Self.decodeOwner(reply.ownerJSON) ?? .unknown
                let lease = holder == .unknown ? owner.leaseSeconds : holder.leaseSeconds
                return .held(holder, heartbeatAgeSeconds: reply.heartbeatAgeSeconds, stale: reply.heartbeatAgeSeconds > lease)
            }
        } catch {
            return .unreachable(Self.reason(error))
        }
    }

    /// Why a host could not be reached, without its name (the caller puts it first).
    private static func reason(_ error: any Error) -> String {
        (error as? TransportError)?.message ?? "\(error)"
    }

    /// Runs one lock program on `host`. A host that cannot be reached is an answer, not an
    /// error; a program that fails on a reachable host (no permission, full disk) is an error.
    /// `beside`: the program runs beside the session's running command (the heartbeat's, while
    /// hooks run; see `HostSession.runBeside`).
    func call(_ host: HostSpec, beside: Bool = false, _ program: (GroupLockCommands) -> String) async throws -> LockHostAnswer {
        let commands = GroupLockCommands(layout: HostLayout(root: host.deploymentRoot, groupID: groupID), become: RemoteProgram.usesSudo(host))
        let session: any HostSession
        do {
            session = try await sessions(host)
        } catch {
            return .unreachable(Self.reason(error), hostKey: (error as? TransportError)?.kind == .hostKey)
        }
        do {
            let (result, out, err) = try await session.capture(program(commands), timeoutSeconds: commandTimeoutSeconds, beside: beside)
            guard result.succeeded, let reply = GroupLockReply.parse(out) else {
                let status = result.timedOut ? "timed out" : "exited with \(result.exitStatus.map(String.init) ?? result.signal ?? "?")"
                let message = "the lock program on \(host.name) \(status)" + (err.isEmpty ? "" : ": \(err)")
                // The host's own text may name the cause (sudo's settings, a login shell that
                // fails): a guess about the folder would then only mislead.
                let hint = HostTroubleHint.suffix(for: message)
                throw GroupLockError(message: message
                    + (hint.isEmpty ? "; check that \(commands.layout.instructionsDir) is writable by the deploying user." : hint))
            }
            return .reply(reply)
        } catch let error as TransportError where error.isUnreachable {
            return .unreachable(error.message)
        }
    }

    static func decodeOwner(_ json: String?) -> LockOwner? {
        guard let json else { return nil }
        return try? JSONDecoder().decode(LockOwner.self, from: Data(json.utf8))
    }

    static func token() -> String {
        String(UInt64.random(in: .min ... .max), radix: 36)
    }
}

/// What one host answered to a lock program.
enum LockHostAnswer: Sendable {
    case reply(GroupLockReply)
    /// `hostKey`: its host key is unknown or changed, which waiting does not end.
    case unreachable(String, hostKey: Bool = false)
}

/// A time on a lock (seconds since 1970) as people read it.
func lockTimeText(_ epochSeconds: Int) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
}
