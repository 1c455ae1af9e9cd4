import Foundation
import HoistConfig
import HoistCore
import HoistHistory
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// A deployment group whose hosts are folders on this machine, run by a real /bin/sh
/// (`LocalConnector`), with a real SQLite history in the same scratch folder: the engine's
/// `Deployment` coordinator runs the very programs a remote host runs, without root or SSH.
///
/// Revisions' hooks consult `control/` files: a host named in `control/fail-<event>`'s folder
/// fails that event; `control/hold-<host>` makes the host's AfterInstall wait until the file
/// `control/release-<host>` exists (the test's cue, not a sleep).
final class FolderGroup: @unchecked Sendable {
    let scratch: ScratchDirectory
    let hosts: [HostSpec]
    let application = "shop"
    let group = "prod"
    var groupID: String { "\(application)_\(group)" }
    let history: SQLiteHistoryStore
    let reporter = RecordingObserver()

    init(_ names: [String] = ["h1", "h2", "h3", "h4"], tags: [String: [Tag]] = [:]) throws {
        let scratch = try ScratchDirectory("hoist-coordinator")
        self.scratch = scratch
        hosts = names.map {
            HostSpec(name: $0, address: "127.0.0.1", user: "root", deploymentRoot: scratch.file("hosts/\($0)"), tags: tags[$0] ?? [])
        }
        try FileManager.default.createDirectory(atPath: scratch.file("control"), withIntermediateDirectories: true)
        history = try SQLiteHistoryStore(path: scratch.file("history.sqlite3"))
    }

    var control: String { scratch.file("control") }

    /// Makes `host` fail `event` (a hook script exits 1), in every revision or in one.
    func fail(_ host: String, _ event: LifecycleEvent, in revision: String? = nil) throws {
        let name = (revision.map { "\($0)-" } ?? "") + "\(event.rawValue)-\(host)"
        try Data().write(to: URL(fileURLWithPath: "\(control)/fail-\(name)"))
    }

    func hold(_ host: String) throws { try Data().write(to: URL(fileURLWithPath: "\(control)/hold-\(host)")) }
    func release(_ host: String) throws { try Data().write(to: URL(fileURLWithPath: "\(control)/release-\(host)")) }

    /// A revision named `name` whose every hook (but those `without`) runs `scripts/hook.sh`,
    /// which records the event in `<host folder>/ran` and obeys the control files.
    func revision(_ name: String, without: Set<LifecycleEvent> = []) async throws -> DeployableRevision {
        let dir = "revisions/\(name)"
        let events: [LifecycleEvent] = [.applicationStop, .beforeInstall, .afterInstall, .applicationStart, .validateService,
                                        .beforeBlockTraffic, .afterBlockTraffic, .beforeAllowTraffic, .afterAllowTraffic]
            .filter { !without.contains($0) }
        var appspec = "version: 0.0\nos: linux\nhooks:\n"
        for event in events { appspec += "  \(event.rawValue):\n    - location: scripts/hook.sh\n      timeout: 120\n" }
        try scratch.write("\(dir)/appspec.yml", appspec)
        try scratch.write("\(dir)/scripts/hook.sh", """
            #!/bin/sh
            c=\(shellQuote(control))
            echo "\(name) $LIFECYCLE_EVENT" >>"$HOIST_DEPLOYMENT_DIR/../../ran-$HOIST_HOST"
            echo "\(name) $LIFECYCLE_EVENT on $HOIST_HOST"
            if [ "$LIFECYCLE_EVENT" = AfterInstall ] && [ -e "$c/hold-$HOIST_HOST" ]; then
              echo "holding" >"$c/holding-$HOIST_HOST"
              while [ ! -e "$c/release-$HOIST_HOST" ]; do sleep 0.05; done
            fi
            if [ -e "$c/fail-$LIFECYCLE_EVENT-$HOIST_HOST" ] || [ -e "$c/fail-\(name)-$LIFECYCLE_EVENT-$HOIST_HOST" ]; then
              echo "failing on purpose" >&2; exit 1
            fi
            exit 0
            """, mode: 0o755)
        let bundle = scratch.file("bundles/\(name).tar")
        try FileManager.default.createDirectory(atPath: scratch.file("bundles"), withIntermediateDirectories: true)
        let (result, _, err) = try await LocalShell.capture("tar -cf \(shellQuote(bundle)) -C \(shellQuote(scratch.file(dir))) .")
        guard result.succeeded else { throw FixtureError(description: "tar failed: \(err)") }
        let (_, sum, _) = try await LocalShell.capture("sha256sum \(shellQuote(bundle))")
        let (spec, _) = AppSpecParser.parse(appspec, fileName: "appspec.yml")
        let size = (try FileManager.default.attributesOfItem(atPath: bundle)[.size] as? NSNumber)?.int64Value ?? 0
        return DeployableRevision(
            displayName: scratch.file(dir), bundlePath: bundle, sha256: String(sum.prefix(64)), sizeBytes: size,
            // An Install program that installs nothing, and ends its shell as a whole one does.
            hooks: spec?.hooks ?? [:], fileExistsBehavior: .overwrite, renderInstall: { _, _ in "exit 0" })
    }

    struct FixtureError: Error, CustomStringConvertible { var description: String }

    /// The plan for these hosts (or `only` of them).
    func plan(config: DeploymentConfig = .allAtOnce, only: [String]? = nil, autoRollback: Bool = false,
              cap: Int? = nil, phases: [DeploymentPhase]? = nil, blueGreen: BlueGreenSpec? = nil, traffic: Bool = false) -> DeploymentPlan {
        var plan = DeploymentPlan(
            application: application, deploymentGroup: group, hosts: only.map { names in hosts.filter { names.contains($0.name) } } ?? hosts,
            lockHosts: hosts, config: config, concurrencyCap: cap, phases: phases ?? DeploymentPhase.inPlace(traffic: traffic),
            blueGreen: blueGreen, rollback: RollbackPolicy(onFailure: autoRollback, onStop: false, config: config), hasTraffic: traffic)
        plan.health = history.priorHealth(application: application, group: group)
        return plan
    }

    func request(_ plan: DeploymentPlan, _ revision: DeployableRevision, id: DeploymentID = .random(), pid: Int32 = getpid()) -> DeploymentRequest {
        DeploymentRequest(
            id: id, plan: plan, revision: revision, playbookPath: scratch.file("playbook.yml"), createdBy: "tester@here",
            lock: LockSettings(user: "tester", machine: ProcessInfo.processInfo.hostName, pid: pid, command: "test",
                               heartbeat: .milliseconds(200)),
            killGraceSeconds: 1,
            parseHooks: { text, name in
                let (spec, diagnostics) = AppSpecParser.parse(text, fileName: name)
                if let spec { return .success(spec.hooks) }
                return .failure(HookParseFailure(diagnostics.map(\.description).joined(separator: "; ")))
            })
    }

    func ports(history: (any HistoryStore)? = nil, traffic: (any TrafficControl)? = nil, bundles: (any BundleSource)? = nil,
               observer: (any DeploymentObserver)? = nil) -> DeploymentPorts {
        let reporter = observer ?? self.reporter
        return DeploymentPorts(
            connector: LocalConnector(), history: history ?? self.history, traffic: traffic,
            bundles: bundles ?? RecordedBundles(group: self), clock: SystemPollingClock(),
            continueSignals: NoContinue(), observer: { _ in reporter })
    }

    /// Deploys `revision` and returns the report.
    func deploy(_ revision: DeployableRevision, plan: DeploymentPlan? = nil, ports: DeploymentPorts? = nil,
                stop: StopController = StopController()) async throws -> DeploymentReport {
        try await Deployment(request: request(plan ?? self.plan(), revision), ports: ports ?? self.ports(), stop: stop).run()
    }

    /// The events hooks recorded on `host`, as `revision event` lines.
    func ran(_ host: String) -> [String] {
        let text = (try? String(contentsOfFile: scratch.file("hosts/\(host)/ran-\(host)"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    func lockExists(_ host: String) -> Bool {
        FileManager.default.fileExists(atPath: HostLayout(root: scratch.file("hosts/\(host)"), groupID: groupID).lockDir)
    }

    /// The revision the host's last successful install pointer names.
    func lastSuccessful(_ host: String) -> String? {
        let layout = HostLayout(root: scratch.file("hosts/\(host)"), groupID: groupID)
        return (try? String(contentsOfFile: layout.lastSuccessfulPointer, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `host`'s AfterInstall holds now.
    func isHolding(_ host: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(control)/holding-\(host)")
    }

    /// Waits (polling the file system, generously bounded) until `host` holds in AfterInstall.
    func waitUntilHolding(_ host: String) async throws {
        let deadline = Date().addingTimeInterval(300)
        while !isHolding(host) {
            guard Date() < deadline else { throw FixtureError(description: "\(host) never reached AfterInstall") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Revisions of earlier deployments, rebuilt from their recorded folder.
struct RecordedBundles: BundleSource {
    let group: FolderGroup
    func revision(of record: DeploymentRecord) async throws -> DeployableRevision {
        let name = URL(fileURLWithPath: record.revisionPath).lastPathComponent
        return try await group.revision(name)
    }
}

struct NoContinue: ContinueSignals {
    func take(_ deploymentID: String) -> Bool { false }
}

extension RecordingObserver {
    var notices: [DeploymentNotice] {
        events.current.compactMap { if case .notice(let n) = $0 { return n } else { return nil } }
    }
}
