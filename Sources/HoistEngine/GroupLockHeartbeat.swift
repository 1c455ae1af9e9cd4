import HoistCore
import HoistPlanning

/// The lock as taken by this deployment: release it when the deployment ends, and keep it
/// fresh with a heartbeat while it runs.
public struct AcquiredLock: Sendable {
    public let lock: GroupLock
    /// Hosts whose lock we hold, in lock order.
    public let lockedHosts: [HostSpec]
    /// Hosts that could not be reached while taking the lock.
    public let skippedHosts: [SkippedLockHost]
    /// Hook runs of the group still alive when the lock was taken, left by a coordinator that
    /// is gone (`GroupLockCommands.take`'s sweep); the deployment stops them before it starts.
    public var orphanedRuns: [OrphanedRuns] = []

    public init(lock: GroupLock, lockedHosts: [HostSpec], skippedHosts: [SkippedLockHost], orphanedRuns: [OrphanedRuns] = []) {
        self.lock = lock
        self.lockedHosts = lockedHosts
        self.skippedHosts = skippedHosts
        self.orphanedRuns = orphanedRuns
    }

    /// Removes our lock on every host of the group (skipped ones too, in case the connection
    /// dropped after the lock was written); a host whose lock is no longer ours is left alone.
    /// `connected` says whether a host was ever connected to: a skipped host that never was
    /// ran no lock program, and is not waited for again. Returns the locked hosts where it
    /// could not be removed (the host went down meanwhile).
    @discardableResult
    public func release(connected: (String) -> Bool = { _ in true }) async -> [UnreleasedLock] {
        let locked = Set(lockedHosts.map(\.name))
        let hosts = lock.hosts.reversed().filter { locked.contains($0.name) || connected($0.name) }
        return await lock.release(on: hosts).filter { locked.contains($0.host) }
    }

    /// Keeps the lock fresh and listens for requests: every `interval` (default: a third of
    /// the lease) it beats the first locked host, where stop and continue requests are read
    /// (`hoist stop` and `hoist continue` write them to every host the deployment holds), and
    /// every third of the lease (or sooner, after the first host gave no answer) it refreshes
    /// every locked host. Its programs run beside the deployment's commands on the lock's
    /// sessions (`HostSession.runBeside`): with the deployment's session pool, the whole
    /// deployment costs each host one SSH connection, however long its hooks run. Stop
    /// requests become `stop.request`: one request is graceful, a second one (or one saying
    /// `immediate`) is immediate; requests already acted on are not acted on again. `onLost`
    /// hears, once per host, that our lock there was removed or taken over (with whoever
    /// holds it now). `onContinue` hears each `hoist continue` request found (it may hear one
    /// request more than once). `onUnrenewed` hears, once, that no host has confirmed a
    /// heartbeat for nearly a lease (the lease less one interval): by then another coordinator
    /// may take the lock over as stale, so the holder must act as if it had lost it (a laptop
    /// that slept, or lost the network, and comes back).
    public func startHeartbeat(
        stop: StopController, interval: Duration? = nil,
        onLost: @escaping @Sendable (_ host: String, _ now: LockOwner?) -> Void = { _, _ in },
        onContinue: @escaping @Sendable (String) -> Void = { _ in },
        onUnrenewed: @escaping @Sendable (_ silence: Duration) -> Void = { _ in }
    ) -> HeartbeatHandle {
        let refresh = Duration.milliseconds(lock.owner.leaseSeconds * 1000 / 3)
        let every = interval ?? refresh
        let lease = Duration.seconds(lock.owner.leaseSeconds)
        return HeartbeatHandle(lock: lock, hosts: lockedHosts, interval: every, refresh: refresh, stop: stop,
                               unrenewedAfter: max(lease - every, lease / 2), onLost: onLost, onContinue: onContinue,
                               onUnrenewed: onUnrenewed)
    }
}

/// A running heartbeat; the deployment cancels it when it ends.
public final class HeartbeatHandle: Sendable {
    private let task = Locked<Task<Void, Never>?>(nil)
    private let watchdog = Locked<Task<Void, Never>?>(nil)
    private let lost = Locked<Set<String>>([])
    /// When a host last answered a beat with its lock refreshed.
    private let renewed = Locked(ContinuousClock.now)
    /// Whether `onUnrenewed` was told: once, by the watchdog or by `checkRenewed`.
    private let unrenewedTold = Locked(false)
    private let unrenewedAfter: Duration
    private let onUnrenewed: @Sendable (Duration) -> Void

    init(lock: GroupLock, hosts: [HostSpec], interval: Duration, refresh: Duration, stop: StopController,
         unrenewedAfter: Duration, onLost: @escaping @Sendable (String, LockOwner?) -> Void,
         onContinue: @escaping @Sendable (String) -> Void, onUnrenewed: @escaping @Sendable (Duration) -> Void) {
        self.unrenewedAfter = unrenewedAfter
        self.onUnrenewed = onUnrenewed
        let lost = self.lost
        let renewed = self.renewed
        // Apart from the beats: a beat over a dead network may not return for minutes.
        watchdog.withLock {
            $0 = Task { [weak self] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: min(interval, unrenewedAfter)) } catch { return }
                    guard let self, self.checkRenewed() else { return }
                }
            }
        }
        // One program per host layout, the same string for every host that has it.
        let beat = SharedText<GroupLockCommands> { $0.heartbeat(owner: lock.owner) }
        // Each answer is acted on as it comes: a round waits for its slowest host, and one
        // frozen host held a `hoist stop` another host had already answered for 35 s.
        let stopRequestsSeen = Locked(0)
        let heard: @Sendable (HostSpec, LockHostAnswer?) -> Void = { host, answer in
            guard case .reply(let reply)? = answer else { return }
            if reply.outcome == .lost, lost.withLock({ $0.insert(host.name).inserted }) {
                onLost(host.name, GroupLock.decodeOwner(reply.ownerJSON))
            }
            for request in reply.continueRequests { onContinue("\(request) (through the lock on \(host.name))") }
            let newStop = stopRequestsSeen.withLock { seen -> Bool in
                guard reply.stopRequests.count > seen else { return false }
                seen = reply.stopRequests.count
                return true
            }
            if newStop, let level = Self.stopLevel(reply.stopRequests) {
                stop.request(level, reason: "stop requested through the lock on \(host.name): \(reply.stopRequests.last ?? "")")
            }
        }
        task.withLock {
            $0 = Task {
                let clock = ContinuousClock()
                var refreshed = clock.now
                // Whether the first host answered its last beat, and the hosts whose beat is
                // still out: a round does not wait for a slow host, nor queue a second beat
                // behind the first on its session. A round that waited for its slowest host
                // (a frozen one: 35 s) heard no `hoist stop` another host held meanwhile.
                let firstAnswered = Locked(true)
                let outstanding = Locked<[String: ContinuousClock.Instant]>([:])
                // A first host whose beat is out this long counts as not answering (a beat on a
                // busy machine can take seconds; the second host is beaten meanwhile anyway).
                let silentAfter = max(interval * 2, .seconds(10))
                await withDiscardingTaskGroup { group in
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: interval) } catch { break }
                        let firstSilent = hosts.first.flatMap { outstanding.current[$0.name] }.map { clock.now - $0 >= silentAfter } ?? false
                        let all = !firstAnswered.current || firstSilent || clock.now - refreshed >= refresh
                        if all { refreshed = clock.now }
                        // Two hosts between refreshes, so that one frozen host is not the only ear.
                        for host in all ? hosts : Array(hosts.prefix(2)) where outstanding.withLock({ out in
                            guard out[host.name] == nil else { return false }
                            out[host.name] = clock.now
                            return true
                        }) {
                            group.addTask {
                                // A beat queued beside a job starts its own timeout only when it
                                // runs. The SSH adapter ends a job on a silent host within about
                                // 35 s (`PeerWatch`); the beat does not lean on it for its time.
                                let answer = await Self.atMost(seconds: lock.commandTimeoutSeconds + 5) {
                                    // The host renewed the lock after the beat was asked for, at
                                    // some time before its answer is read: the asking is the time
                                    // that is sure. An answer read late (a coordinator frozen with
                                    // it in its socket, woken after a takeover) must not make the
                                    // lock look fresh.
                                    let asked = ContinuousClock.now
                                    let answer = try? await lock.call(host, beside: true, { beat($0) })
                                    if case .reply(let reply)? = answer, reply.outcome == .beat { renewed.withLock { $0 = max($0, asked) } }
                                    heard(host, answer)
                                    return answer
                                } ?? nil
                                if host.name == hosts.first?.name {
                                    if case .reply? = answer { firstAnswered.withLock { $0 = true } } else { firstAnswered.withLock { $0 = false } }
                                }
                                outstanding.withLock { $0[host.name] = nil }
                            }
                        }
                    }
                    group.cancelAll()
                }
            }
        }
    }

    /// False, having told `onUnrenewed` (once), when no host has confirmed the lock for
    /// nearly a lease. The deployment asks before it starts anything (`StopController.setGate`):
    /// the watchdog's sleep may end after a host's next event has started.
    @discardableResult
    public func checkRenewed() -> Bool {
        let silence = ContinuousClock.now - renewed.current
        guard silence >= unrenewedAfter else { return true }
        if unrenewedTold.withLock({ told in defer { told = true }; return !told }) { onUnrenewed(silence) }
        return false
    }

    /// Hosts whose lock was taken from us (force-released or taken over as stale).
    public var lostHosts: [String] { lost.current.sorted() }

    public func cancel() {
        task.current?.cancel()
        watchdog.current?.cancel()
    }

    /// Cancels the heartbeat and waits until its last command has returned.
    public func finish() async {
        let running = task.current
        watchdog.current?.cancel()
        running?.cancel()
        await running?.value
    }

    /// `body`'s value, or nil once `seconds` have passed first (`firstToEnd`: a stalled
    /// session's command may not end at all, so the caller is never held by it; the timer
    /// goes once the answer is in, so a thousand hosts' beats leave no sleeping tasks behind).
    static func atMost<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async -> T) async -> T? {
        await firstToEnd({ await body() }, {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            return nil
        })
    }

    static func stopLevel(_ requests: [String]) -> StopLevel? {
        if requests.isEmpty { return nil }
        return requests.count > 1 || requests.contains(where: { $0.hasPrefix("immediate") }) ? .immediate : .graceful
    }
}
