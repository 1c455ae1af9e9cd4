import Foundation
import HoistCore
import HoistPlanning

/// How one host's deployment ended.
public struct HostOutcome: Sendable {
    public var host: String
    public var status: InstanceStatus
    public var errorCode: LifecycleErrorCode?
    public var message: String?
    public var events: [(LifecycleEvent, EventOutcome)]
    public var succeeded: Bool { status == .succeeded }

    /// Failed only because a stop skipped its remaining events: none of its events failed.
    public var cutShortByStop: Bool {
        status == .failed && !events.contains { $0.1.status == .failed }
            && events.contains { $0.1.skippedByStop }
    }

    /// Whether `event` ran and succeeded on this host.
    public func succeeded(_ event: LifecycleEvent) -> Bool {
        events.contains { $0.0 == event && $0.1.status == .succeeded }
    }
}

/// Runs the lifecycle of one revision on one host through one session, exactly in
/// CodeDeploy's order, with its rules for which revision's scripts run. Every remote program
/// comes from HoistPlanning; this type only sequences them and reports what happened.
public struct HostDeployment: Sendable {
    /// Why an event a stop kept from starting is Skipped.
    static let stoppedMessage = "the deployment was stopped"

    public var host: HostSpec
    public var session: any HostSession
    public var context: DeploymentContext
    public var observer: any DeploymentObserver
    public var stop: StopController
    /// For a second connection when a running hook must be killed (see `HookRunner`).
    public var connector: (any HostConnector)?
    /// The probe and upload done ahead of this host's turn, if the runner started them.
    var staged: StagedBundle?

    public init(host: HostSpec, session: any HostSession, context: DeploymentContext,
                observer: any DeploymentObserver, stop: StopController, connector: (any HostConnector)? = nil) {
        self.host = host
        self.session = session
        self.context = context
        self.observer = observer
        self.stop = stop
        self.connector = connector
    }

    var layout: HostLayout { HostLayout(root: host.deploymentRoot, groupID: context.groupID) }
    var commands: HostCommands {
        HostCommands(layout: layout, deploymentID: context.id, become: RemoteProgram.usesSudo(host), sshUser: host.user,
                     groupOwner: HostCommands.groupOwner(application: context.application, group: context.deploymentGroup))
    }

    /// Outcome of one step before it is reported.
    struct StepResult {
        var status: LifecycleEventStatus
        var errorCode: LifecycleErrorCode?
        var message: String?
        var scriptName: String?
        var cause: EventOutcome.Cause?
        static let ok = StepResult(status: .succeeded)
        static func skipped(_ why: String) -> StepResult { StepResult(status: .skipped, message: why) }
        static func failed(_ code: LifecycleErrorCode, _ message: String, script: String? = nil) -> StepResult {
            StepResult(status: .failed, errorCode: code, message: message + HostTroubleHint.suffix(for: message), scriptName: script)
        }
    }

    // A thousand hosts each hold `run`'s async frame for the whole deployment, and Swift lays
    // out in it every temporary that is passed by address (each event reported, each outcome)
    // of every function inlined into it: 4.6 KB a host. The steps below are kept out of line,
    // so a host holds only the frames of the step it is in (docs/performance.md).
    @inline(never)
    public func run() async -> HostOutcome {
        let probeStart = Date()
        let probe: HostProbeResult
        do {
            probe = try await probeOrStaged()
        } catch {
            return probeFailed(error, since: probeStart)
        }
        if let refusal = await spaceRefusal(probe) {
            return await refuse(refusal, since: probeStart)
        }
        // Consumed: this frame must not keep the AppSpec texts `runEvents` drops.
        let outcome = await runEvents(probe: consume probe)
        await writeHostRecord(outcome)
        return outcome
    }

    @inline(never)
    private func probeOrStaged() async throws -> HostProbeResult {
        if let found = await staged?.probe { return found }
        return try await runProbe()
    }

    /// The probe's failure goes to every event without a step (`StepResult.failed` adds the
    /// hint for the others).
    @inline(never)
    private func probeFailed(_ error: any Error, since start: Date) -> HostOutcome {
        let (code, described) = Self.describe(error)
        let message = described + HostTroubleHint.suffix(for: described)
        return finish(notRun(message, since: start), error: (code, message))
    }

    /// The lifecycle events in order, each reported as it starts and ends; after a failure
    /// (or a stop) the rest are Skipped.
    @inline(never)
    private func runEvents(probe: consuming HostProbeResult) async -> HostOutcome {
        let (probe, previousHooks, recentHooks) = earlierHooks(consume probe)
        var finished: [(LifecycleEvent, EventOutcome)] = []
        var hostError: (LifecycleErrorCode, String)?
        var failedAlready = false
        for event in context.events {
            if failedAlready || stop.level >= .graceful {
                finished.append(failedAlready ? skipped(event, why: "an earlier lifecycle event failed")
                                              : skipped(event, why: Self.stoppedMessage, cause: .stopped))
                continue
            }
            let start = reportStarted(event, probe: probe)
            let step = await runEvent(event, probe: probe, previousHooks: source(of: event) == .mostRecent ? recentHooks : previousHooks)
            finished.append(reportFinished(event, step, since: start))
            if step.status == .failed, !tolerated(event, step) {
                failedAlready = true
                hostError = (step.errorCode ?? .unknownError, "\(event.rawValue): \(step.message ?? "failed")")
            }
        }
        if hostError == nil, stop.level >= .graceful, finished.contains(where: { $0.1.skippedByStop }) {
            hostError = (.unknownError, "the deployment was stopped before this host finished")
        }
        return finish(finished, error: hostError)
    }

    /// The hooks of the earlier revisions the probe sent the AppSpecs of, and the probe
    /// without those texts: parsed, a thousand hosts need not hold them for the rest of the
    /// deployment.
    @inline(never)
    private func earlierHooks(_ probe: consuming HostProbeResult)
        -> (HostProbeResult, previous: Result<HookTable, HookParseFailure>?, recent: Result<HookTable, HookParseFailure>?) {
        let previous = probe.lastAppSpecText.map { context.parseHooks($0, probe.lastAppSpecName ?? "appspec.yml") }
        // Events sourced from the most recent revision read its own AppSpec (§2.2), which the
        // probe sends only when that revision is not the last successful one.
        var recent = previous
        if probe.mostRecentDir != probe.lastSuccessfulDir {
            recent = probe.recentAppSpecText.map { context.parseHooks($0, probe.recentAppSpecName ?? "appspec.yml") }
        }
        probe.lastAppSpecText = nil
        probe.recentAppSpecText = nil
        return (probe, previous, recent)
    }

    /// An event not run, reported like any event, so the history lists every event as
    /// CodeDeploy does and agrees with the host's own record.
    @inline(never)
    private func skipped(_ event: LifecycleEvent, why: String, cause: EventOutcome.Cause? = nil) -> (LifecycleEvent, EventOutcome) {
        let outcome = EventOutcome(status: .skipped, message: why, start: Date(), end: Date(), cause: cause)
        observer.handle(.eventFinished(host: host.name, event: event, outcome: outcome))
        return (event, outcome)
    }

    @inline(never)
    private func reportStarted(_ event: LifecycleEvent, probe: HostProbeResult) -> Date {
        let start = Date()
        observer.handle(.eventStarted(host: host.name, event: event, time: start, scriptsFrom: scriptsSource(event, probe: probe)))
        return start
    }

    @inline(never)
    private func reportFinished(_ event: LifecycleEvent, _ step: StepResult, since start: Date) -> (LifecycleEvent, EventOutcome) {
        let outcome = EventOutcome(status: step.status, errorCode: step.errorCode, message: step.message,
                                   scriptName: step.scriptName, start: start, end: Date(), cause: step.cause)
        observer.handle(.eventFinished(host: host.name, event: event, outcome: outcome))
        return (event, outcome)
    }

    /// A failure of the earlier revision's stop events that `--ignore-application-stop-failures`
    /// lets the deployment go on after (not an unreachable host).
    private func tolerated(_ event: LifecycleEvent, _ step: StepResult) -> Bool {
        context.ignoreApplicationStopFailures
            && [.applicationStop, .beforeBlockTraffic, .afterBlockTraffic].contains(event)
            && step.errorCode != .hostUnreachable
    }

    /// Every event Skipped for a reason found before the first one (the probe failed, no room).
    func notRun(_ message: String, since start: Date) -> [(LifecycleEvent, EventOutcome)] {
        let now = Date()
        return context.events.map { ($0, EventOutcome(status: .skipped, message: "not run: \(message)", start: start, end: now)) }
    }

    @inline(never)
    func finish(_ events: [(LifecycleEvent, EventOutcome)], error: (LifecycleErrorCode, String)?) -> HostOutcome {
        let status: InstanceStatus = error == nil ? .succeeded : .failed
        observer.handle(.hostFinished(host: host.name, status: status, errorCode: error?.0, message: error?.1, time: Date()))
        return HostOutcome(host: host.name, status: status, errorCode: error?.0, message: error?.1, events: events)
    }

    /// Which revision an event's scripts come from (CodeDeploy §2.2).
    func source(of event: LifecycleEvent) -> ScriptSource {
        switch event {
        case .applicationStop: return .lastSuccessful
        case .beforeBlockTraffic, .afterBlockTraffic: return context.isBlueGreenRollback ? .mostRecent : .lastSuccessful
        case .beforeAllowTraffic, .afterAllowTraffic: return context.isBlueGreenRollback ? .lastSuccessful : .current
        default: return .current
        }
    }

    func scriptsSource(_ event: LifecycleEvent, probe: HostProbeResult) -> EventScripts? {
        guard !event.isReserved else { return nil }
        let source = source(of: event)
        let folder: String?
        switch source {
        case .current: folder = layout.archiveDir(context.id)
        case .lastSuccessful: folder = probe.lastSuccessfulDir.map { $0 + "/deployment-archive" }
        case .mostRecent: folder = probe.mostRecentDir.map { $0 + "/deployment-archive" }
        }
        return folder.map { EventScripts(source: source, folder: $0) }
    }

    /// `previousHooks`: the hooks of the revision the event's scripts come from when that is an
    /// earlier one (the last successful or the most recent, `source(of:)`).
    func runEvent(_ event: LifecycleEvent, probe: HostProbeResult, previousHooks: Result<HookTable, HookParseFailure>?) async -> StepResult {
        switch event {
        case .downloadBundle: return await downloadBundle(probe: probe)
        case .install: return await install()
        case .blockTraffic, .allowTraffic: return await traffic(event)
        default: break
        }
        switch source(of: event) {
        case .current:
            return await runHooks(event, hooks: context.revision.hooks[event] ?? [], root: layout.archiveDir(context.id), probe: probe)
        case .lastSuccessful, .mostRecent:
            let fromLast = source(of: event) == .lastSuccessful
            let dir = fromLast ? probe.lastSuccessfulDir : probe.mostRecentDir
            guard let dir else {
                return StepResult(status: .succeeded, message: EventOutcome.noScripts
                                  + ": first deployment of this group on this host, no earlier revision to run \(event.rawValue) from",
                                  cause: .noScripts)
            }
            let root = dir + "/deployment-archive"
            guard let previousHooks else {
                return .failed(.unknownError,
                    "The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path \"appspec.yml\". The revision was unpacked to directory \"\(root)\", and the AppSpec file was expected but not found at path \"\(root)/appspec.yml\". "
                    + "The host's pointer \(fromLast ? layout.lastSuccessfulPointer : layout.mostRecentPointer) names a revision that is gone; deploy with --ignore-application-stop-failures to go on, or remove the pointer.")
            }
            switch previousHooks {
            case .success(let hooks):
                return await runHooks(event, hooks: hooks[event] ?? [], root: root, probe: probe)
            case .failure(let failure):
                return .failed(.unknownError, "the AppSpec of the \(fromLast ? "last successful" : "most recent") revision (\(root)) cannot be read: \(failure.message); deploy with --ignore-application-stop-failures to go on")
            }
        }
    }

    /// `probe`: what the host said before the first event (its perl hook runner, if it has
    /// perl; its last successful revision, for the hooks' environment).
    func runHooks(_ event: LifecycleEvent, hooks: [HookScript], root: String, probe: HostProbeResult) async -> StepResult {
        if hooks.isEmpty { return StepResult(status: .succeeded, message: EventOutcome.noScripts, cause: .noScripts) }
        let runner = HookRunner(session: session, observer: observer, stop: stop, connector: connector)
        for (index, script) in hooks.enumerated() {
            let hook = HookInvocation(
                event: event, location: script.location, revisionRoot: root, timeoutSeconds: script.timeout,
                runAs: script.runas, sudo: script.sudo, become: RemoteProgram.usesSudo(host),
                environment: environment(event, previous: probe.lastSuccessfulDir), logFile: layout.logFile(context.id),
                killGraceSeconds: context.killGraceSeconds, firstInEvent: index == 0,
                traverse: [layout.root, layout.groupDir, String(root.prefix(upTo: root.lastIndex(of: "/") ?? root.endIndex))],
                runnerFile: probe.hookRunner)
            let outcome = await runner.run(hook)
            if !outcome.succeeded {
                return .failed(outcome.errorCode, outcome.message ?? "failed", script: script.location)
            }
        }
        return .ok
    }

    /// CodeDeploy's variables, plus Hoist's under their own prefix: the git commit of the
    /// revision when it was a work tree, and the host's last successful revision's folder
    /// (its `deployment-archive` holds what it installed), both only when there is one.
    func environment(_ event: LifecycleEvent, previous: String?) -> [(String, String)] {
        var variables = [
            ("LIFECYCLE_EVENT", event.rawValue),
            ("DEPLOYMENT_ID", context.id),
            ("APPLICATION_NAME", context.application),
            ("DEPLOYMENT_GROUP_NAME", context.deploymentGroup),
            ("DEPLOYMENT_GROUP_ID", context.groupID),
            ("HOIST_REVISION_SHA256", context.revision.sha256),
            ("HOIST_REVISION", context.revision.displayName),
            ("HOIST_DEPLOYMENT_CREATOR", context.creator.rawValue),
            ("HOIST_CREATED_BY", context.createdBy),
            ("HOIST_DEPLOYMENT_DIR", layout.deploymentDir(context.id)),
            ("HOIST_HOST", host.name),
        ]
        if let commit = context.revision.commit { variables.append(("HOIST_REVISION_COMMIT", commit)) }
        if let previous, previous != layout.deploymentDir(context.id) { variables.append(("HOIST_PREVIOUS_DEPLOYMENT_DIR", previous)) }
        return variables
    }

    /// Another deployment's folder on the host that holds this bundle, to unpack from instead
    /// of uploading.
    func reusableBundle(_ probe: HostProbeResult) -> String? {
        probe.bundles[context.revision.sha256].flatMap { $0 == layout.deploymentDir(context.id) ? nil : $0 }
    }

    /// Uploads the bundle to `commands.uploadTarget`: as its changes from a bundle the host
    /// holds (`deltaBase`) when there is a delta worth sending, else whole. A delta the host
    /// could not apply (its held bundle changed, no perl after all) puts nothing in place, and
    /// the bundle then goes whole. Returns what was sent, for DownloadBundle's message.
    func sendBundle(reportingProgress: Bool, probe: HostProbeResult) async throws -> String {
        let revision = context.revision
        var note = ""
        if let (delta, base) = await deltaBase(probe) {
            do {
                let sent = try await session.upload(
                    localPath: delta.path, through: BundleDeltaApplier.command(base: HostLayout.bundleFile(in: base)),
                    remotePath: commands.uploadTarget, mode: 0o600, sha256: revision.sha256,
                    progress: progress(total: delta.size, reporting: reportingProgress))
                let readBack = delta.baseReadFrom.map { ", which the coordinator read from \($0) (its cache did not hold it)" } ?? ""
                return "uploaded \(sent.bytes) bytes: the changes from the bundle in \(base)\(readBack) (the whole bundle is \(revision.sizeBytes) bytes)"
            } catch is WholeUploadsOnly {
            } catch {
                if Task.isCancelled { throw error }
                // The delta's path is the coordinator's business; what went wrong on the host is not.
                let described = Self.describe(error).1
                let reason = described.range(of: " failed: ").map { String(described[$0.upperBound...]) } ?? described
                note = " (the changes from the bundle in \(base) could not be applied: \(reason))"
            }
        }
        _ = try await session.upload(localPath: revision.bundlePath, remotePath: commands.uploadTarget, mode: 0o600,
                                     sha256: revision.sha256, progress: progress(total: revision.sizeBytes, reporting: reportingProgress))
        return "uploaded \(revision.sizeBytes) bytes" + note
    }

    /// The delta to send and the deployment folder of the bundle it starts from: the last
    /// successful deployment's bundle, else the most recent one's. Only where the probe found
    /// perl (the host's side is perl: `BundleDeltaApplier`) and no sudo stands between the
    /// upload, which runs as the SSH user, and the held bundle.
    func deltaBase(_ probe: HostProbeResult) async -> (BundleDelta, String)? {
        guard probe.hookRunner != nil, !commands.become else { return nil }
        // Often the same folder twice: the revision's deltas are made once each, so asking again costs nothing.
        for dir in [probe.lastSuccessfulDir, probe.mostRecentDir].compactMap({ $0 }) {
            guard let held = probe.bundles.first(where: { $0.value == dir })?.key else { continue }
            let remote = HostLayout.bundleFile(in: dir)
            let source = HeldBundleSource(host: host.name) { [session] localPath, maxBytes in
                _ = try await session.download(remotePath: remote, to: localPath, maxBytes: maxBytes)
            }
            if let delta = await context.revision.delta(held, source) { return (delta, dir) }
        }
        return nil
    }

    private func progress(total: Int64, reporting: Bool) -> (@Sendable (Int64) -> Void)? {
        guard reporting else { return nil }
        let name = host.name
        let observer = self.observer
        return { @Sendable sent in observer.handle(.uploadProgress(host: name, bytesSent: sent, totalBytes: total)) }
    }

    /// Runs one of this host's steps that is not a hook (the upload, unpacking, Install).
    /// The first stop lets it finish, as it lets a running hook finish; a stop at once (the
    /// second Ctrl-C, `hoist stop --immediate`) cancels it, as it kills running hooks: the
    /// upload stops between writes and a remote command's process group is killed, so a
    /// large revision or a slow link never holds the stop for minutes. Nil when it was
    /// stopped. A step that had already ended when the stop came (its reply on its way) keeps
    /// its result when `stands` says it did its work: a finished Install is not reported as
    /// stopped.
    func unlessStoppedAtOnce<T: Sendable>(stands: @escaping @Sendable (T) -> Bool = { _ in true },
                                          _ step: @escaping @Sendable () async throws -> T) async throws -> T? {
        let stop = self.stop
        return try await withThrowingTaskGroup(of: T?.self) { race in
            race.addTask { try await step() }
            race.addTask { _ = await stop.wait(above: .graceful); return nil }
            defer { race.cancelAll() }
            if case .some(.some(let finished)) = try await race.next() { return finished }
            race.cancelAll()
            // What a cancelled step returns or throws is the stop's doing, unless it succeeded.
            guard case .some(.some(let late)) = try? await race.next(), stands(late) else { return nil }
            return late
        }
    }

    /// Why a step `unlessStoppedAtOnce` cancelled did not finish.
    static func stoppedAtOnce(_ step: String) -> StepResult {
        .failed(.unknownError, "\(step) was stopped: the deployment was stopped immediately")
    }

    func downloadBundle(probe: HostProbeResult) async -> StepResult {
        do {
            if let reuse = reusableBundle(probe), let unpacked = try await unpackHeld(from: reuse) {
                return unpacked
            }
            guard let sent = try await uploadBundle(probe: probe) else { return Self.stoppedAtOnce("the upload") }
            return try await unpackUploaded(sent: sent)
        } catch {
            let (code, message) = Self.describe(error)
            return .failed(code, message)
        }
    }

    /// Unpacks the bundle another deployment's folder on the host holds; nil when that folder
    /// went away after the probe saw it (the bundle is then sent after all).
    @inline(never)
    private func unpackHeld(from reuse: String) async throws -> StepResult? {
        let program = commands.unpack(sha256: context.revision.sha256, stagedUpload: nil, reuseFrom: reuse, maxRevisions: context.maxRevisions)
        guard let (result, _, err) = try await unpackUnlessStoppedAtOnce(program) else { return Self.stoppedAtOnce("unpacking the bundle") }
        if result.succeeded {
            return StepResult(status: .succeeded, message: "bundle already on the host (\(reuse)); nothing uploaded")
        }
        guard result.exitStatus == HostCommands.reusedBundleGone else { return unpackFailed(result, err) }
        return nil
    }

    /// What went to the host (for DownloadBundle's message); nil when stopped at once.
    @inline(never)
    private func uploadBundle(probe: HostProbeResult) async throws -> String? {
        if let ahead = await staged?.uploaded.value { return ahead + " ahead of this host's turn" }
        return try await unlessStoppedAtOnce({ try await self.sendBundle(reportingProgress: true, probe: probe) })
    }

    @inline(never)
    private func unpackUploaded(sent: String) async throws -> StepResult {
        let program = commands.unpack(sha256: context.revision.sha256, stagedUpload: commands.become ? commands.uploadTarget : nil,
                                      reuseFrom: nil, maxRevisions: context.maxRevisions)
        guard let (result, _, err) = try await unpackUnlessStoppedAtOnce(program) else { return Self.stoppedAtOnce("unpacking the bundle") }
        guard result.succeeded else { return unpackFailed(result, err) }
        return StepResult(status: .succeeded, message: sent)
    }

    /// Runs an unpack program (`HostCommands.unpack`) unless stopped at once.
    private func unpackUnlessStoppedAtOnce(_ program: String) async throws -> (CommandResult, stdout: String, stderr: String)? {
        let session = self.session
        return try await unlessStoppedAtOnce(stands: { $0.0.succeeded }) { try await session.capture(program, timeoutSeconds: 3600) }
    }

    private func unpackFailed(_ result: CommandResult, _ err: String) -> StepResult {
        .failed(.unknownError, "unpacking the bundle failed (exit \(result.exitStatus.map(String.init) ?? "none")): \(ErrorExcerpt.of(err))")
    }

    func install() async -> StepResult {
        let program = context.revision.renderInstall(layout.archiveDir(context.id), layout.cleanupFile)
        do {
            let lines = Locked<[String]>([])
            let name = host.name
            let observer = self.observer
            let session = self.session, command = commands.install
            let run = try await unlessStoppedAtOnce(stands: { $0.succeeded }) {
                try await session.run(command, input: Array(program.utf8), timeoutSeconds: 3600, killGraceSeconds: 5) { line in
                    lines.withLock { $0.append(line.text) }
                    observer.handle(.output(host: name, event: .install, line: line, time: Date()))
                }
            }
            guard let result = run else { return Self.stoppedAtOnce("Install") }
            if result.succeeded { return .ok }
            let text = lines.current.joined(separator: "\n")
            return .failed(.unknownError, text.isEmpty ? "Install failed with exit code \(result.exitStatus.map(String.init) ?? "none")" : text)
        } catch {
            let (code, message) = Self.describe(error)
            return .failed(code, message)
        }
    }

    /// A stop at once ends a balancer's wait (a drain, a health check of up to its
    /// `health_timeout`) as it kills a running hook; the first stop lets it finish.
    func traffic(_ event: LifecycleEvent) async -> StepResult {
        guard let traffic = context.traffic else { return .skipped("no load balancer") }
        let host = self.host
        do {
            let done = try await unlessStoppedAtOnce { () async throws -> [DrainCutShort] in
                if event == .blockTraffic { return try await traffic.block(host) }
                try await traffic.allow(host)
                return []
            }
            if let cutShort = done {
                return cutShort.isEmpty ? .ok : StepResult(status: .succeeded, message: cutShort.map(\.description).joined(separator: "; "))
            }
            guard event == .blockTraffic else { return Self.stoppedAtOnce(event.rawValue) }
            // Its app never stopped: left draining, it took no new connection and nothing said so.
            let back = await traffic.putBack(host)
            return .failed(.unknownError, "BlockTraffic was stopped: the deployment was stopped immediately; "
                           + (back.map { "it may still be draining in the load balancer (putting it back failed: \($0))" }
                              ?? "put back in rotation"))
        } catch {
            return .failed(.unknownError, "\(error)")
        }
    }

    func runProbe() async throws -> HostProbeResult {
        let (result, out, err) = try await session.capture(commands.probe, timeoutSeconds: 120)
        guard result.succeeded else {
            throw TransportError(host: host.name, kind: .remoteCommand,
                                 message: "preparing \(layout.deploymentDir(context.id)) failed: \(err.isEmpty ? "exit \(result.exitStatus.map(String.init) ?? "none")" : err)"
                                 + (host.user != "root" && !host.become ? " (the SSH user is not root; set become: true)" : ""))
        }
        return HostProbeResult.parse(out.split(separator: "\n").map(String.init)) { b64 in
            Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    func writeHostRecord(_ outcome: HostOutcome) async {
        let record = HostDeploymentRecord(
            deploymentID: context.id, application: context.application, deploymentGroup: context.deploymentGroup,
            revision: context.revision.displayName, revisionSHA256: context.revision.sha256,
            creator: context.creator.rawValue, createdBy: context.createdBy, host: host.name,
            status: outcome.status.rawValue, errorCode: outcome.errorCode?.rawValue, message: outcome.message,
            events: outcome.events.map { .init(event: $0.0.rawValue, status: $0.1.status.rawValue, errorCode: $0.1.errorCode?.rawValue,
                                              message: $0.1.message, start: $0.1.start, end: $0.1.end) })
        guard let json = record.json else { return }
        let write = commands.writeRecord(json)
        // Said: a host that went silent here was shown Succeeded, and `--refresh` later said
        // it had never received the deployment.
        let why: String?
        do {
            let (result, _, err) = try await session.capture(write.command, input: write.input, timeoutSeconds: 60)
            why = result.succeeded ? nil : (err.isEmpty ? "its write exited \(result.exitStatus.map(String.init) ?? result.signal ?? "?")" : err)
        } catch {
            why = "\(error)"
        }
        if let why, outcome.errorCode != .hostUnreachable {
            observer.handle(.notice(.hostRecordNotWritten(host: host.name, deploymentID: context.id, reason: ErrorExcerpt.of(why, maxLines: 2))))
        }
    }

    /// Separates "could not reach the host" from everything else.
    static func describe(_ error: any Error) -> (LifecycleErrorCode, String) {
        if let t = error as? TransportError {
            return (t.isUnreachable ? .hostUnreachable : .unknownError, t.message)
        }
        return (.unknownError, "\(error)")
    }
}

/// The record each host keeps of a deployment it received (deployment.json).
public struct HostDeploymentRecord: Codable, Sendable {
    public struct Event: Codable, Sendable {
        public var event: String
        public var status: String
        public var errorCode: String?
        public var message: String?
        public var start: Date
        public var end: Date
    }
    public var deploymentID: String
    public var application: String
    public var deploymentGroup: String
    public var revision: String
    public var revisionSHA256: String
    public var creator: String
    public var createdBy: String
    public var host: String
    public var status: String
    public var errorCode: String?
    public var message: String?
    public var events: [Event]

    /// The history's rows for this record's events (those it can name), for `id` on `host`.
    public func eventRecords(_ id: DeploymentID, host: String) -> [EventRecord] {
        events.compactMap { e in
            guard let event = LifecycleEvent(rawValue: e.event), let status = LifecycleEventStatus(rawValue: e.status) else { return nil }
            return EventRecord(deploymentID: id, host: host, event: event, status: status,
                               errorCode: e.errorCode.flatMap(LifecycleErrorCode.init(rawValue:)), message: e.message,
                               startTime: e.start, endTime: e.end)
        }
    }

    /// When the host's last event ended (nil: it recorded none).
    public var lastEnd: Date? { events.map(\.end).max() }

    /// Reads a record as a host sends it back; nil for anything else.
    public static func parse(_ text: String) -> HostDeploymentRecord? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(HostDeploymentRecord.self, from: Data(text.utf8))
    }

    var json: String? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) }
    }
}
