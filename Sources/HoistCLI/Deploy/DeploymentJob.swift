import ArgumentParser
import Foundation
import HoistConfig
import HoistCore
import HoistEngine
import HoistHistory
import HoistPlanning

/// How a command prints a deployment.
struct OutputOptions: Sendable {
    var json = false
    var verbose = false
}

/// One deployment as a command starts it (deploy, rollback, redeploy): loads the playbook and
/// revision, takes the group's lock on the hosts, recovers deployments whose coordinator died,
/// runs the rollout, records history, and rolls back automatically when asked.
struct DeploymentJob: Sendable {
    var playbookPath: String
    var revisionPath: String?
    var configName: String?
    var fileExistsBehavior: String?
    var ignoreApplicationStopFailures = false
    var onlyHosts: [String]?
    var output = OutputOptions()
    var db: String?
    var lockWait: String?
    /// nil: the playbook's auto_rollback decides.
    var autoRollback: Bool?
    /// Blue/green: move traffic back to the fleet that served before.
    var blueGreenRollback = false
    var creator: DeploymentCreator = .user
    var rollbackOf: DeploymentID?
    /// A revision recorded in history: its bundle digest, used to find the cached copy when
    /// the original path is gone.
    var expectedSHA256: String?

    func runAsCommand() async throws {
        let code: Int32
        do {
            code = try await execute()
        } catch is InvalidInput {
            throw ExitCode(HoistExitCode.invalidInput)
        } catch let held as GroupLockHeld {
            printToStderr("hoist: \(held)")
            throw ExitCode(HoistExitCode.lockHeld)
        } catch let error as GroupLockError {
            printToStderr("hoist: could not lock the deployment group: \(error)")
            throw ExitCode(HoistExitCode.couldNotStart)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Runs the deployment and returns the exit code.
    func execute() async throws -> Int32 {
        let target = try loadTarget(path: playbookPath)
        guard let playbook = target.playbook else {
            printToStderr("hoist: \(playbookPath) is an inventory; deployments need a playbook (a deployment group): see playbooks/")
            throw InvalidInput(diagnostics: [])
        }
        let hosts = try narrowHosts(target.hosts, toNames: onlyHosts)
        guard let requested = revisionPath ?? playbook.revisionPath else {
            printToStderr("hoist: no revision: pass --revision PATH or set `revision` in \(playbookPath)")
            throw InvalidInput(diagnostics: [])
        }
        let path = resolveRevisionPath(requested)
        let revision = try loadRevision(path: path)
        let config = try configName.map(parseConfigFlag) ?? playbook.deploymentConfig
        let flagBehavior = try fileExistsBehavior.map(parseFileExistsFlag)
        let behavior = revision.appSpec.effectiveFileExistsBehavior(deployment: flagBehavior ?? playbook.fileExistsBehavior)
        let bundle = try prepareBundle(revision)
        if let expectedSHA256, bundle.sha256 != expectedSHA256 {
            printToStderr("hoist: \(path) no longer matches the recorded revision (sha256 \(expectedSHA256.prefix(12)), now \(bundle.sha256.prefix(12)))")
            throw InvalidInput(diagnostics: [])
        }

        let dbPath = HistoryLocation.resolve(flag: db, playbook: playbook.historyPath, environment: ProcessInfo.processInfo.environment)
        let store = try SQLiteHistoryStore(path: dbPath)
        let id = DeploymentID.random()
        let createdBy = currentCreator()
        let groupID = HostLayout.groupID(application: playbook.application, group: playbook.deploymentGroup)
        // A session runs one command at a time, so the lock (whose heartbeat must go on while
        // hooks run) has connections of its own; stopping a hook opens another.
        let connector = makeConnector(for: target)
        let pool = SessionPool(connector: connector)
        let lockPool = SessionPool(connector: connector)
        // Load balancers are checked before anything touches a host (a bad one is invalid input).
        let trafficSetup = try TrafficSetup(playbook: playbook, inventory: target.inventory, connector: connector)

        // One deployment at a time per group, whoever starts it: the lock lives on the hosts.
        let owner = LockOwner(
            user: createdBy.split(separator: "@").first.map(String.init) ?? createdBy,
            machine: ProcessInfo.processInfo.hostName, deploymentID: id.rawValue, pid: getpid(),
            startTime: Int(Date().timeIntervalSince1970),
            leaseSeconds: ProcessInfo.processInfo.environment["HOIST_LOCK_LEASE"].flatMap(Int.init) ?? LockOwner.defaultLeaseSeconds,
            command: CommandLine.arguments.joined(separator: " "))
        let lock = GroupLock(groupID: groupID, hosts: hosts, owner: owner, sessions: { try await lockPool.connect($0) })
        let wait = try lockWait.map(parseDuration)
        let acquired = try await acquireLock(lock, wait: wait)
        for skipped in acquired.skippedHosts {
            printToStderr("hoist: \(skipped.host): not locked (\(skipped.reason)); it will fail as unreachable if it stays down")
        }
        recoverUnfinished(store: store, group: playbook.deploymentGroup, application: playbook.application)

        try store.createDeployment(DeploymentRecord(
            id: id, application: playbook.application, deploymentGroup: playbook.deploymentGroup,
            playbookPath: playbook.file, creator: creator, createdBy: createdBy, revisionPath: requested,
            revisionSHA256: bundle.sha256, deploymentConfigName: config.name, fileExistsBehavior: behavior,
            rollbackOf: rollbackOf, createTime: Date(), hostCount: hosts.count))
        let context = DeploymentContext(
            id: id.rawValue, application: playbook.application, deploymentGroup: playbook.deploymentGroup,
            creator: creator, createdBy: createdBy,
            revision: deployableRevision(revision, bundle: bundle, fileExistsBehavior: behavior, displayName: requested),
            events: trafficSetup.events,
            ignoreApplicationStopFailures: ignoreApplicationStopFailures || playbook.ignoreApplicationStopFailures,
            maxRevisions: playbook.maxRevisions, traffic: trafficSetup.traffic, parseHooks: hostAppSpecHooks)

        let recorder = HistoryRecorder(store: store, id: id, hosts: hosts)
        let reporter = makeReporter(json: output.json, verbose: output.verbose, deploymentID: id.rawValue)
        let stop = StopController()
        let watcher = SignalWatcher(stop: stop)
        // Frequent enough that `hoist stop` from elsewhere is seen within seconds.
        let beat = ProcessInfo.processInfo.environment["HOIST_LOCK_HEARTBEAT"].flatMap(Double.init) ?? 5
        let heartbeat = acquired.startHeartbeat(stop: stop, interval: .milliseconds(Int64(beat * 1000)), onLost: { host in
            printToStderr("hoist: warning: lost the group lock on \(host)")
        })
        let stopNotice = Task {
            let level = await stop.wait(above: .none)
            if level > .none, !Task.isCancelled {
                printToStderr("hoist: stopping \(id) (\(stop.reason ?? "stop requested")): no new hosts or lifecycle events will start")
            }
        }
        defer { stopNotice.cancel() }
        let health = priorHealth(store: store, application: playbook.application, group: playbook.deploymentGroup)
        let runner = DeploymentRunner(
            context: context, hosts: hosts, config: config, health: health,
            connector: pool, sideConnector: connector, observer: ObserverFanout([recorder, reporter]), stop: stop)
        let result = await runWithTraffic(runner, playbook: playbook, traffic: trafficSetup, reporter: reporter, rollback: blueGreenRollback)
        await heartbeat.finish()
        recorder.flush()
        for failure in recorder.failures.prefix(3) { printToStderr("hoist: history: \(failure)") }
        await acquired.release()
        await pool.closeAll()
        await lockPool.closeAll()
        withExtendedLifetime(watcher) {}

        let code = exitCode(for: result.verdict)
        let wantsRollback: Bool = {
            switch result.verdict.status {
            case .failed: return autoRollback ?? playbook.autoRollback.onFailure
            case .stopped: return autoRollback ?? playbook.autoRollback.onStop
            default: return false
            }
        }()
        if wantsRollback, creator != .rollback, code != HoistExitCode.couldNotStart {
            let touched = result.hosts.values.filter { outcome in
                outcome.events.contains { $0.1.status != .skipped } || outcome.status == .failed
            }.map(\.host)
            await rollBack(failed: id, store: store, playbook: playbook, hosts: touched)
        }
        return code
    }

    /// Takes the group's lock. A lock held by a coordinator on this machine whose process is
    /// gone (killed with SIGKILL, crashed) is taken over at once rather than after its lease.
    func acquireLock(_ lock: GroupLock, wait: Duration?) async throws -> AcquiredLock {
        func attempt() async throws -> AcquiredLock {
            try await lock.acquire(
                wait: wait,
                onStaleTakeover: { printToStderr("hoist: \($0)") },
                onWaiting: { held in printToStderr("hoist: waiting for the lock: \(held.holder.holder) is deploying \(held.holder.deploymentID)") })
        }
        do {
            return try await attempt()
        } catch let held as GroupLockHeld where held.holder.machine == ProcessInfo.processInfo.hostName
            && held.holder.pid > 0 && kill(held.holder.pid, 0) != 0 && errno == ESRCH {
            printToStderr("hoist: the lock of \(held.holder.deploymentID) was held by process \(held.holder.pid) on this machine, which is gone; taking it over")
            await lock.forceRelease()
            return try await attempt()
        }
    }

    /// A recorded revision is taken from the bundle cache by its digest, so a rollback deploys
    /// exactly the bytes that succeeded even when the original path changed or is gone.
    func resolveRevisionPath(_ path: String) -> String {
        if let sha = expectedSHA256 {
            for name in ["\(sha).tar", "\(sha).tar.gz", "\(sha).bundle"] {
                let cached = cacheDirectory().appendingPathComponent("bundles/\(name)").path
                guard FileManager.default.fileExists(atPath: cached) else { continue }
                return cached
            }
        }
        return path
    }

    /// Deployments of this group still marked running while we hold the lock lost their
    /// coordinator (killed, crashed, machine lost): they failed, as the agent's
    /// FAILED_AFTER_RESTART.
    func recoverUnfinished(store: any HistoryStore, group: String, application: String) {
        guard let unfinished = try? store.unfinished(group: group) else { return }
        for record in unfinished where record.application == application {
            let reason = "Failed: its coordinator (\(record.createdBy)) stopped before the deployment finished; found by a later command on the group"
            if (try? store.markFailedAfterRestart(record.id, reason: reason)) == true {
                printToStderr("hoist: deployment \(record.id) by \(record.createdBy) did not finish; marked Failed (FAILED_AFTER_RESTART). `hoist rollback \(playbookPath)` or `hoist redeploy \(record.id)` to recover.")
            }
        }
    }

    /// Revision health from the group's history, so hosts that failed or never got a
    /// revision go first and hosts already current go last (§6.1). Hosts are all counted as
    /// healthy: otherwise a group whose last deployment failed could never be redeployed or
    /// rolled back (the minimum could not be met), which is the moment people need it most.
    func priorHealth(store: any HistoryStore, application: String, group: String) -> [String: HostHealth] {
        guard let last = try? store.listDeployments(DeploymentFilter(application: application, deploymentGroup: group, limit: 10)) else { return [:] }
        var health: [String: HostHealth] = [:]
        for record in last.reversed() where record.status.isFinal {
            for host in (try? store.hosts(of: record.id)) ?? [] {
                switch host.status {
                case .succeeded: health[host.host] = HostHealth(revision: .current, instance: .healthy)
                case .failed: health[host.host] = HostHealth(revision: .unknown, instance: .healthy)
                default: continue
                }
            }
        }
        return health
    }

    /// Deploys the group's last successful revision to the hosts the failed deployment
    /// touched: a new deployment, creator rollback, linked to the failed one.
    func rollBack(failed: DeploymentID, store: any HistoryStore, playbook: Playbook, hosts: [String]) async {
        guard let good = try? store.lastSucceeded(group: playbook.deploymentGroup), good.application == playbook.application else {
            printToStderr("hoist: no earlier successful deployment of \(playbook.deploymentGroup) to roll back to")
            return
        }
        guard !hosts.isEmpty else { return }
        printToStderr("hoist: rolling back \(failed) to \(good.id) (\(good.revisionPath)) on \(hosts.joined(separator: ", "))")
        var job = DeploymentJob(playbookPath: playbookPath, revisionPath: good.revisionPath, fileExistsBehavior: good.fileExistsBehavior.rawValue,
                                ignoreApplicationStopFailures: true, onlyHosts: hosts, output: output, db: db, lockWait: "10m",
                                autoRollback: false, creator: .rollback, rollbackOf: failed, expectedSHA256: good.revisionSHA256)
        job.configName = nil
        do {
            let code = try await job.execute()
            printToStderr("hoist: rollback \(code == 0 ? "succeeded" : "ended with exit code \(code)")")
        } catch {
            printToStderr("hoist: rollback could not run: \(error)")
        }
    }
}

/// `90`, `90s`, `10m`, `1h`.
func parseDuration(_ text: String) throws -> Duration {
    let t = text.trimmingCharacters(in: .whitespaces).lowercased()
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, factor) in units where t.hasSuffix(suffix) {
        if let n = Double(t.dropLast(suffix.count)), n >= 0 { return .milliseconds(Int64(n * factor * 1000)) }
    }
    if let n = Double(t), n >= 0 { return .milliseconds(Int64(n * 1000)) }
    printToStderr("hoist: \(text): not a duration; write e.g. 90s, 10m or 1h")
    throw InvalidInput(diagnostics: [])
}
