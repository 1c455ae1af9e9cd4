import Foundation
import HoistCore
import HoistPlanning

/// The deployment coordinator: runs one `DeploymentPlan` through its ports, from taking the
/// group's lock to the verdict, and rolls back automatically when the plan says so.
///
/// - The lock is taken on every host of the group (whatever `--hosts` selected) and held in
///   one scope that releases it on every path, across a failure and its automatic rollback,
///   so no other deployment can start in between.
/// - Deployments of the group still marked running when the lock is ours lost their
///   coordinator: they are recorded Failed (FAILED_AFTER_RESTART).
/// - Everything a person must know arrives as events on the observer (`DeploymentEvent`,
///   including `.notice`); nothing here prints.
public struct Deployment: Sendable {
    public var request: DeploymentRequest
    public var ports: DeploymentPorts
    /// Stop requests: the CLI's signal handlers, and `hoist stop` through the lock.
    public var stop: StopController

    public init(request: DeploymentRequest, ports: DeploymentPorts, stop: StopController = StopController()) {
        self.request = request
        self.ports = ports
        self.stop = stop
    }

    /// Runs the deployment (and its automatic rollback). Throws only when it could not
    /// start; a deployment that ran returns its report, whatever its verdict.
    public func run() async throws(DeploymentError) -> DeploymentReport {
        let observer = ports.observer(request.id.rawValue)
        if let traffic = ports.traffic, let first = request.plan.hosts.first, let why = await traffic.unreachable(first) {
            throw .trafficUnreachable(why)
        }
        // One connection per host carries the lock (take, heartbeat, release) and the
        // deployment's commands: each sshd connection costs the host a handshake. The
        // heartbeat's programs run beside running hooks (`HostSession.runBeside`).
        let lockSessions = SessionPool(connector: ports.connector, failureMemory: request.connectRetryAfter)
        let owner = LockOwner(
            user: request.lock.user, machine: request.lock.machine, deploymentID: request.id.rawValue, pid: request.lock.pid,
            startTime: Int(Date().timeIntervalSince1970), leaseSeconds: request.lock.leaseSeconds, command: request.lock.command,
            processStart: ProcessIdentity.start(of: request.lock.pid))
        var lock = GroupLock(groupID: request.plan.groupID, hosts: request.plan.lockHosts, owner: owner,
                             sessions: { try await lockSessions.connect($0) })
        lock.untargeted = Set(request.plan.lockHosts.map(\.name)).subtracting(request.plan.hosts.map(\.name))
        let acquired: AcquiredLock
        do {
            acquired = try await acquire(lock, observer: observer)
        } catch {
            await lockSessions.closeAll()
            throw error
        }
        for skipped in acquired.skippedHosts {
            observer.handle(.notice(.lockHostSkipped(host: skipped.host, reason: skipped.reason, hostKey: skipped.hostKey)))
        }
        // `hoist continue` from any machine arrives through the lock, as `hoist stop` does.
        let continued = LockContinueSignals(also: ports.continueSignals)
        // A lock lost, or not renewed for nearly its lease, may be another deployment's now:
        // this one stops at once (its own hooks too) and touches the hosts no more.
        let heartbeat = acquired.startHeartbeat(stop: stop, interval: request.lock.heartbeat, onLost: { [stop] host, now in
            observer.handle(.notice(.lockLost(host: host, now: now)))
            let why = "it lost the deployment group lock on \(host)"
                + (now.map { " to \($0.deploymentID) (\($0.holder))" } ?? " (released with --force, or taken over by a deployment that has ended since)")
            stop.request(.immediate, reason: why, cause: .lockLost(why))
        }, onContinue: { _ in continued.signal() }, onUnrenewed: { [stop, owner] silence in
            let seconds = Int(silence.components.seconds)
            observer.handle(.notice(.lockUnrenewed(seconds: seconds, leaseSeconds: owner.leaseSeconds)))
            let why = "no host confirmed its lock for \(seconds) s (lease \(owner.leaseSeconds) s): another deployment may hold it now"
            stop.request(.immediate, reason: why, cause: .lockLost(why))
        })
        stop.setGate { [heartbeat] in heartbeat.checkRenewed() }
        // Under the heartbeat: a grace longer than the lease must not let the lock go stale.
        for runs in acquired.orphanedRuns {
            observer.handle(.notice(.orphanedRunsStopped(host: runs.host.name, runs: runs.scratches.count, deploymentIDs: runs.deploymentIDs,
                                                         graceSeconds: request.killGraceSeconds)))
        }
        await lock.stop(acquired.orphanedRuns, graceSeconds: request.killGraceSeconds)
        // The lock's scope: whatever happens inside, the heartbeat stops and the lock goes.
        let outcome: Result<DeploymentReport, DeploymentError>
        do throws(DeploymentError) {
            outcome = .success(try await whileLocked(observer: observer, continueSignals: continued, sessions: lockSessions))
        } catch {
            outcome = .failure(error)
        }
        await heartbeat.finish()
        stop.setGate(nil)
        let unreleased = await acquired.release(connected: lockSessions.hasConnected)
        if !unreleased.isEmpty {
            observer.handle(.notice(.lockNotReleased(unreleased, leaseSeconds: owner.leaseSeconds,
                                                      release: request.commands.lockRelease(playbook: request.playbookPath))))
        }
        await lockSessions.closeAll()
        var report = try outcome.get()
        report.lostLockHosts = heartbeat.lostHosts
        return report
    }

    /// Takes the lock. A lock whose deployment is known to be over (`GoneLockHolder`: its
    /// coordinator process on this machine is gone, or the history says it ended) is taken
    /// over at once rather than after its lease, by removing only that deployment's lock, so
    /// a second coordinator racing for it cannot lose its own.
    func acquire(_ lock: GroupLock, observer: any DeploymentObserver) async throws(DeploymentError) -> AcquiredLock {
        // The wait is announced once, and again only when another deployment holds the lock.
        var announced: String?
        // Each holder proven gone is taken over once: a removal that failed must not spin.
        var takenOver: Set<String> = []
        do {
            return try await lock.acquire(
                wait: request.lock.wait, stop: stop,
                onStaleTakeover: { observer.handle(.notice(.staleLockTakenOver($0))) },
                onWaiting: { held, left in
                    guard announced != held.holder.deploymentID else { return }
                    announced = held.holder.deploymentID
                    observer.handle(.notice(.waitingForLock(held, until: Date().addingTimeInterval(left))))
                },
                takeOver: { held in
                    let id = held.holder.deploymentID
                    guard !takenOver.contains(id),
                          let gone = GoneLockHolder.reason(held.holder, heartbeatAgeSeconds: held.heartbeatAgeSeconds,
                                                                    thisMachine: request.lock.machine, history: ports.history) else { return false }
                    takenOver.insert(id)
                    observer.handle(.notice(.goneHolderLockTakenOver(deploymentID: id, reason: gone)))
                    await lock.release(deploymentID: id)
                    return true
                })
        } catch let held as GroupLockHeld {
            throw .lockHeld(held)
        } catch is GroupLockTakingStopped {
            throw .stoppedTakingLock
        } catch let stopped as GroupLockWaitStopped {
            throw .stoppedWaitingForLock(stopped.held)
        } catch let error as GroupLockError {
            throw .lockFailed(error)
        } catch {
            throw .lockFailed(GroupLockError(message: "\(error)"))
        }
    }

    /// Everything done while the lock is held.
    func whileLocked(observer: any DeploymentObserver, continueSignals: any ContinueSignals,
                     sessions: SessionPool) async throws(DeploymentError) -> DeploymentReport {
        await recoverAbandoned(observer: observer, sessions: sessions)
        var report = try await execute(request, observer: observer, continueSignals: continueSignals, sessions: sessions)
        let plan = request.plan
        let couldNotStart = report.verdict.errorCode == .healthConstraintsInvalid || report.verdict.errorCode == .noInstances
        // A deployment whose lock is gone must not touch the hosts again, not even to roll back.
        var lockLost = false
        if stop.level > .none, case .lockLost = stop.cause { lockLost = true }
        // Nor once a stop gave up waiting for the history: the store is out of reach.
        if plan.rollback.wants(report.verdict.status, errorCode: report.verdict.errorCode), request.creator != .rollback, !couldNotStart,
           !lockLost, !report.recordGivenUp {
            // The triggers hear the rollback start (DeploymentRollback).
            report.rollback = await rollBack(report, observer: ObserverFanout([observer] + (report.signals.map { [$0] } ?? [])),
                                             failedConnections: sessions)
            // The rollback lost the lock (taken over, or released with --force): the hosts are
            // the taker's now, and advice to redeploy or roll back would undo its work.
            if stop.level > .none, case .lockLost = stop.cause { lockLost = true }
        }
        // Said only once an automatic rollback has run: it puts back hosts the deployment
        // left out of service, and the advice is for those it did not.
        report.attention = HostAttention.after(report, blueGreen: plan.blueGreen != nil)
        if !report.attention.isEmpty {
            let redeploy = "`\(request.commands.redeploy(request.id.rawValue, onlyFailed: true))` to finish this revision on them"
            let steps: [String]
            if lockLost {
                // These hosts are the deployment's that took the lock over now: redeploying or
                // rolling back from here would undo its work.
                steps = ["the deployment that took the group's lock over decides these hosts now: once it has ended "
                         + "(`\(request.commands.list(group: plan.deploymentGroup))`), check them before you deploy again"]
            } else if plan.blueGreen == nil {
                steps = [redeploy, "`\(request.commands.rollback(playbook: request.playbookPath))` to put back the last successful revision"]
            } else {
                // A blue/green group's hosts out of service run the revision that served; moving
                // traffic back puts them in rotation again (a host a rollback left out, once it answers).
                steps = ["`\(request.commands.blueGreenRollback(playbook: request.playbookPath))` to move traffic back to the fleet "
                         + "that served before, these hosts included once they answer", redeploy]
            }
            observer.handle(.notice(.hostsNeedAttention(report.attention, nextSteps: steps)))
        }
        // Outstanding trigger deliveries, each trigger at most its timeout.
        await report.signals?.drain()
        return report
    }

    /// Deployments of this group still marked running while we hold the whole group's lock
    /// lost their coordinator (killed, crashed, machine lost) or could not record their end
    /// (a shared store out of reach as they ended): a live one would hold the lock. One whose
    /// hosts all ran to an end, as each host's own record says, is recorded as its rollout
    /// would have ended it (`HostRecordsReconciliation`): a success marked Failed hid the last
    /// good revision from `hoist rollback`. Any other is Failed (FAILED_AFTER_RESTART).
    func recoverAbandoned(observer: any DeploymentObserver, sessions: SessionPool) async {
        guard let unfinished = try? ports.history.unfinished(group: request.plan.deploymentGroup) else { return }
        for record in unfinished where record.application == request.plan.application && record.id != request.id {
            let recovery = [request.commands.rollback(playbook: request.playbookPath), request.commands.redeploy(record.id.rawValue)]
            if let end = await recordEndFromHosts(record, sessions: sessions) {
                if end.everyHostSucceeded {
                    observer.handle(.notice(.abandonedDeploymentRecordedFromHosts(id: record.id.rawValue, createdBy: record.createdBy)))
                } else {
                    // A success some hosts failed is finished on them; a failure is recovered from.
                    let next = end.isFailure ? recovery : [request.commands.redeploy(record.id.rawValue, onlyFailed: true)]
                    observer.handle(.notice(.abandonedDeploymentJudgedFromHosts(
                        id: record.id.rawValue, createdBy: record.createdBy, end: end, config: record.deploymentConfigName, recovery: next)))
                }
                continue
            }
            let reason = "Failed: its coordinator (\(record.createdBy)) stopped before the deployment finished; found by a later command on the group"
            if (try? ports.history.markFailedAfterRestart(record.id, reason: reason, at: ports.history.now())) == true {
                observer.handle(.notice(.abandonedDeploymentMarkedFailed(id: record.id.rawValue, createdBy: record.createdBy, recovery: recovery)))
            }
        }
    }

    /// The end `record`'s hosts give it, in their own records, once recorded; nil when they
    /// settle nothing or it could not be recorded. A deployment that could not record its
    /// hosts either (a full disk under the history) is judged by the group's hosts that hold
    /// a record of it: as many as it had. The hosts are asked all at once
    /// (`HostRecordsReader`), judged by `HostRecordsReconciliation` under the configuration
    /// the record names (a custom one: the playbook's, if it still has that name).
    func recordEndFromHosts(_ record: DeploymentRecord, sessions: SessionPool) async -> HostRecordsReconciliation.End? {
        let history = ports.history
        guard let recorded = try? history.hosts(of: record.id) else { return nil }
        let names = Set(recorded.map(\.host))
        // Its recorded hosts; none recorded, the group's: those holding a record of it are its.
        let plan = request.plan
        let asked = recorded.isEmpty ? plan.lockHosts : plan.lockHosts.filter { names.contains($0.name) }
        let readings = await HostRecordsReader(connector: sessions, groupID: plan.groupID).read(record.id.rawValue, on: asked)
        let reconciliation = HostRecordsReconciliation(record, playbookConfig: plan.playbookConfig ?? plan.config, rows: recorded,
                                                       readings: readings, now: history.now())
        guard reconciliation.recordsEnd else { return nil }
        return reconciliation.apply(to: history).end
    }

    /// One deployment under the lock: its record, its phases, its verdict.
    func execute(_ request: DeploymentRequest, observer: any DeploymentObserver, continueSignals: any ContinueSignals,
                 sessions: SessionPool, triggersAfter: ActiveSignals? = nil) async throws(DeploymentError) -> DeploymentReport {
        let plan = request.plan
        let history = ports.history
        // A plan that only reroutes is recorded as what its target fleet runs, before it starts.
        let back = try await rerouteBack(plan, id: request.id, sessions: sessions)
        let request = back.map { request.rerouting(back: $0, history: history) } ?? request
        do {
            try history.createDeployment(DeploymentRecord(
                id: request.id, application: plan.application, deploymentGroup: plan.deploymentGroup,
                playbookPath: request.playbookPath, creator: request.creator, createdBy: request.createdBy,
                revisionPath: request.revision.displayName, revisionSHA256: request.revision.sha256,
                deploymentConfigName: plan.config.name, fileExistsBehavior: request.revision.fileExistsBehavior,
                rollbackOf: request.rollbackOf, deploymentType: plan.blueGreen == nil ? .inPlace : .blueGreen,
                description: request.description, createTime: history.now(), hostCount: plan.hosts.count,
                revisionCommit: request.revision.commit, origin: request.origin,
                coordinator: DeploymentCoordinator(machine: request.lock.machine, pid: request.lock.pid,
                                                   processStart: ProcessIdentity.start(of: request.lock.pid))))
        } catch {
            throw .historyUnavailable("\(error)")
        }
        let recorder = HistoryRecorder(store: history, id: request.id, hosts: plan.hosts)
        // Triggers and alarms: an alarm already firing stops the deployment before any host.
        // An automatic rollback is not watched: an alarm still firing must not stop it.
        let signals = await ports.signals.start(
            id: request.id, application: plan.application, deploymentGroup: plan.deploymentGroup, hosts: plan.hosts,
            watched: request.creator != .rollback, after: triggersAfter, reporter: observer, stop: stop,
            record: { delivery in
                var delivery = delivery
                delivery.eventTime = history.onStoreClock(delivery.eventTime)
                delivery.endTime = history.onStoreClock(delivery.endTime)
                do { try history.recordDelivery(delivery) } catch {
                    observer.handle(.notice(.historyIncomplete(deploymentID: request.id.rawValue, failures: ["delivery: \(error)"],
                                                               repair: request.commands.show(request.id.rawValue, refresh: true))))
                }
            })
        let recorded = ObserverFanout([recorder, observer, signals])
        let context = DeploymentContext(
            id: request.id.rawValue, application: plan.application, deploymentGroup: plan.deploymentGroup,
            groupID: plan.groupID, creator: request.creator, createdBy: request.createdBy, revision: request.revision,
            events: plan.rolloutEvents, ignoreApplicationStopFailures: plan.ignoreApplicationStopFailures,
            maxRevisions: plan.maxRevisions, killGraceSeconds: request.killGraceSeconds, traffic: ports.traffic,
            parseHooks: request.parseHooks)
        let runner = DeploymentRunner(
            context: context, hosts: plan.hosts, config: plan.config, concurrencyCap: plan.concurrencyCap, health: plan.health,
            connector: sessions, sideConnector: ports.connector, observer: recorded, stop: stop)
        let stopNotice = Task { [stop] in
            let level = await stop.wait(above: .none)
            if level > .none, !Task.isCancelled {
                observer.handle(.notice(.stopping(deploymentID: request.id.rawValue, reason: stop.reason ?? "stop requested")))
            }
        }
        let phases = PhaseRun(plan: plan, runner: runner, traffic: ports.traffic, clock: ports.clock, continueSignals: continueSignals,
                              commands: request.commands, back: back)
        let result = await phases.run()
        stopNotice.cancel()

        recorded.handle(.deploymentFinished(result.run.verdict))
        await signals.stopMonitoring()
        let (failures, givenUp) = await waitForRecord(recorder, id: request.id, status: result.run.verdict.status, observer: observer)
        if !failures.isEmpty {
            observer.handle(.notice(.historyIncomplete(deploymentID: request.id.rawValue, failures: failures,
                                                       repair: request.commands.show(request.id.rawValue, refresh: true))))
        }
        var report = DeploymentReport(id: request.id.rawValue, verdict: result.run.verdict, hosts: result.run.hosts,
                                      historyFailures: failures)
        report.events = result.events
        if !result.leftOut.isEmpty {
            // Said on every output: only `--json` and `hoist show` carried it in the verdict.
            observer.handle(.notice(.hostsLeftOutOfRotation(result.leftOut,
                retry: request.commands.blueGreenRollback(playbook: request.playbookPath))))
        }
        report.signals = signals
        report.recordGivenUp = givenUp
        return report
    }

    /// Where a blue/green plan that installs nothing sends traffic, read from the hosts (nil
    /// for any other plan). A `--blue-green-rollback` with nothing to go back to ends here,
    /// before anything is recorded or moved.
    func rerouteBack(_ plan: DeploymentPlan, id: DeploymentID, sessions: SessionPool) async throws(DeploymentError) -> RerouteBack? {
        guard plan.rerouteOnlyTarget != nil else { return nil }
        let reader = FleetRecordReader(connector: sessions, plan: plan, deploymentID: id.rawValue)
        do {
            guard var back = try RerouteBack.target(of: plan, records: await reader.fleets()) else { return nil }
            try back.settle(installed: await reader.installed(on: back.hosts))
            return back
        } catch {
            throw .nothingToRollBack("\(error)")
        }
    }

    /// Deploys the group's last successful revision to the hosts the failed deployment
    /// touched, as a new deployment (creator rollback) under the same lock.
    func rollBack(_ failed: DeploymentReport, observer: any DeploymentObserver, failedConnections: SessionPool? = nil) async -> RollbackReport {
        let plan = request.plan
        let touched = failed.hosts.values.filter { outcome in
            outcome.events.contains { $0.1.status != .skipped && !$0.1.ranNoScripts } || outcome.status == .failed
        }.map(\.host).sorted()
        func impossible(_ why: String) -> RollbackReport {
            observer.handle(.notice(.rollbackImpossible(why)))
            return RollbackReport(id: nil, status: nil, historyFailures: [], note: why)
        }
        // Blue/green rolls back by rerouting to the live fleet, which still runs the old
        // revision: it needs no earlier revision and reinstalls nothing.
        let blueGreen = plan.blueGreen != nil
        guard blueGreen || !touched.isEmpty else { return impossible("no host was touched; nothing to roll back") }
        let good = (try? ports.history.lastSucceeded(group: plan.deploymentGroup)).flatMap { $0 }.flatMap { $0.application == plan.application ? $0 : nil }
        guard blueGreen || good != nil else {
            return impossible("no earlier successful deployment of \(plan.deploymentGroup) to roll back to")
        }
        var revision = request.revision
        if let good {
            do {
                revision = try await ports.bundles.revision(of: good)
            } catch where !blueGreen {
                return impossible("the revision of \(good.id) (\(good.revisionPath)) cannot be deployed again: \(error)")
            } catch {}
        }
        let (config, note) = blueGreen ? (plan.config, nil) : plan.rollback.config(forHosts: touched)
        var rollback = request
        rollback.id = DeploymentID.random()
        rollback.plan = plan.forRollback(hosts: touched, config: config)
        rollback.revision = revision
        rollback.creator = .rollback
        rollback.rollbackOf = request.id
        rollback.description = nil
        observer.handle(.notice(.rollbackStarting(failed: request.id.rawValue, to: good?.id.rawValue ?? "the live fleet",
                                                  revision: blueGreen ? "by rerouting to the fleet that served before" : good?.revisionPath ?? "",
                                                  hosts: blueGreen ? plan.hosts.map(\.name) : touched, configNote: note)))
        // DeploymentRollback was the failed deployment's last notice.
        failed.signals?.closeTriggers()
        // A rollback after a stop is a new deployment: the stop that ended the first does
        // not stop it (a new Ctrl-C does).
        stop.reset()
        // Connections of its own: the failed deployment may have left some dead.
        // A host the deployment could not connect to a moment ago is not waited for again.
        let sessions = SessionPool(connector: ports.connector, failureMemory: request.connectRetryAfter, rememberingFailuresOf: failedConnections)
        let ran: Result<DeploymentReport, DeploymentError>
        do throws(DeploymentError) {
            ran = .success(try await execute(rollback, observer: ports.observer(rollback.id.rawValue),
                                             continueSignals: NoContinueSignals(), sessions: sessions, triggersAfter: failed.signals))
        } catch {
            ran = .failure(error)
        }
        await sessions.closeAll()
        do {
            let report = try ran.get()
            await report.signals?.drain()
            observer.handle(.notice(.rollbackFinished(id: report.id, status: report.verdict.status)))
            return RollbackReport(id: report.id, status: report.verdict.status, historyFailures: report.historyFailures,
                                  note: note ?? "", events: report.events)
        } catch {
            return impossible("the rollback could not run: \(error)")
        }
    }
}

/// One deployment to run: the plan, the revision and who asks.
public struct DeploymentRequest: Sendable {
    public var id: DeploymentID
    public var plan: DeploymentPlan
    public var revision: DeployableRevision
    /// The playbook, as recorded and named in advice (`hoist rollback PLAYBOOK`).
    public var playbookPath: String
    public var creator: DeploymentCreator
    /// `user@machine`.
    public var createdBy: String
    public var rollbackOf: DeploymentID?
    /// A person's note on why (`--description`), recorded and shown by `hoist show`.
    public var description: String?
    /// Where the deployment was started from (terminal, CI, cron), for the audit trail.
    public var origin: DeploymentOrigin?
    /// How the commands its notices suggest name its history.
    public var commands: SuggestedCommands
    public var lock: LockSettings
    public var killGraceSeconds: Int
    /// How long a host that could not be connected to is not tried again (`SessionPool`).
    public var connectRetryAfter: Duration = .seconds(60)
    /// Reads an AppSpec found on a host (the last successful revision's) into its hooks.
    public var parseHooks: @Sendable (_ text: String, _ fileName: String) -> Result<HookTable, HookParseFailure>

    public init(id: DeploymentID = .random(), plan: DeploymentPlan, revision: DeployableRevision, playbookPath: String,
                creator: DeploymentCreator = .user, createdBy: String, rollbackOf: DeploymentID? = nil, description: String? = nil,
                origin: DeploymentOrigin? = nil, lock: LockSettings,
                killGraceSeconds: Int = 5, commands: SuggestedCommands = SuggestedCommands(),
                parseHooks: @escaping @Sendable (String, String) -> Result<HookTable, HookParseFailure>) {
        self.id = id
        self.plan = plan
        self.revision = revision
        self.playbookPath = playbookPath
        self.creator = creator
        self.createdBy = createdBy
        self.rollbackOf = rollbackOf
        self.description = description
        self.origin = origin
        self.lock = lock
        self.killGraceSeconds = killGraceSeconds
        self.commands = commands
        self.parseHooks = parseHooks
    }
}

extension DeploymentRequest {
    /// This request as a reroute back to `back`'s fleet: a deployment of the revision that
    /// fleet's hosts last installed (the playbook's is not installed anywhere by it), with
    /// that deployment's recorded path, digest, commit and file-exists behaviour when the
    /// history has it. A `--blue-green-rollback` becomes a rollback (creator rollback) of the
    /// deployment whose traffic it undoes, when the history has that deployment.
    func rerouting(back: RerouteBack, history: any HistoryStore) -> DeploymentRequest {
        func recorded(_ id: String?) -> DeploymentRecord? {
            id.flatMap(DeploymentID.init).flatMap { try? history.deployment($0) }
        }
        var copy = self
        if let installed = back.revision {
            let record = recorded(installed.deploymentID)
            // Nothing is uploaded or installed: the bundle stays, the names say what runs.
            copy.revision.displayName = record?.revisionPath ?? installed.revision
            copy.revision.sha256 = record?.revisionSHA256 ?? installed.revisionSHA256
            copy.revision.commit = record?.revisionCommit
            if let record { copy.revision.fileExistsBehavior = record.fileExistsBehavior }
        }
        if back.isRollback {
            copy.creator = .rollback
            copy.rollbackOf = recorded(back.undoes)?.id ?? copy.rollbackOf
        }
        return copy
    }
}

/// Continue requests found in the lock by the heartbeat, and any other source of them.
final class LockContinueSignals: ContinueSignals {
    private let requested = Locked(false)
    private let also: any ContinueSignals
    init(also: any ContinueSignals) { self.also = also }
    func signal() { requested.withLock { $0 = true } }
    func take(_ deploymentID: String) -> Bool {
        requested.withLock { seen in defer { seen = false }; return seen } || also.take(deploymentID)
    }
}

/// For a deployment that takes `hoist continue` only through the lock (the CLI's).
public struct NoContinueSignals: ContinueSignals {
    public init() {}
    public func take(_ deploymentID: String) -> Bool { false }
}

