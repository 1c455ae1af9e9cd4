import HoistArchive
import HoistCore
import HoistPlanning

/// Computes a `DeploymentPreview` from already-loaded inputs. Pure: no disk, no host.
struct DeploymentPreviewBuilder {
    /// The plan `hoist deploy` would execute; the preview describes it.
    var plan: DeploymentPlan
    var playbook: Playbook
    var inventoryFile: String
    /// The targeted hosts, in inventory order (after `--hosts`).
    var hosts: [HostSpec]
    var revision: LoadedRevision
    var config: DeploymentConfig
    var configFrom: String
    /// `--file-exists-behavior`, when given.
    var fileExistsFlag: FileExistsBehavior?

    static let lastSuccessful = "the host's last successful revision (read on the host at deploy time)"
    static let newRevision = "new revision"

    func build() -> DeploymentPreview {
        let blueGreen = playbook.blueGreen.map(blueGreenPart)
        let fleet = blueGreen.map { part in hosts.filter { host in fleetValue(host) == part.assumedReplacement } } ?? hosts
        let hasTraffic = !playbook.loadBalancers.isEmpty
        let events = blueGreen != nil
            ? LifecycleEvent.blueGreenReplacement
            : (hasTraffic ? LifecycleEvent.inPlaceWithTraffic : LifecycleEvent.inPlace)
        var assumptions = [
            "host health is not read: every host counts as healthy with an unknown revision; at deploy time Hoist uses the health recorded by earlier deployments, which may change the order",
            "scripts of ApplicationStop, BeforeBlockTraffic and AfterBlockTraffic come from each host's last successful revision of this deployment group; on a host's first deployment they are skipped",
        ]
        if blueGreen != nil {
            assumptions.append("the replacement fleet is the one not live; the live fleet is recorded by the first blue/green deployment, so the plan assumes the default (the second listed fleet)")
        }
        return DeploymentPreview(
            application: playbook.application, deploymentGroup: playbook.deploymentGroup, playbook: playbook.file,
            inventory: inventoryFile, deploymentType: blueGreen == nil ? "IN_PLACE" : "BLUE_GREEN",
            revision: .init(path: revision.path, format: revision.inspection.format.rawValue,
                            sha256: revision.inspection.sha256,
                            appSpec: revision.inspection.appSpecName ?? "appspec.yml"),
            deploymentConfig: .init(name: config.name, from: configFrom, minimumHealthyHosts: config.minimumHealthyHosts,
                                    zonal: config.zonal),
            hosts: hosts.map(\.name), rollout: rollout(fleet), phases: plan.phases.map(\.summary), events: events.map(eventPart),
            blueGreen: blueGreen, files: files(), loadBalancers: playbook.loadBalancers.map(balancerPart),
            triggers: playbook.triggers.map(triggerPart), alarms: playbook.alarms.map(alarmsPart),
            assumptions: assumptions)
    }

    // MARK: Triggers and alarms

    private func triggerPart(_ trigger: TriggerSpec) -> DeploymentPreview.TriggerPart {
        var part = DeploymentPreview.TriggerPart(
            name: trigger.name, events: trigger.events.map(\.rawValue), kind: "command", target: trigger.destination,
            timeoutSeconds: trigger.timeoutSeconds)
        if case .webhook(_, let format, let secret) = trigger.target {
            part.kind = "webhook"
            part.format = format.rawValue
            part.secretEnv = secret
        }
        return part
    }

    private func alarmsPart(_ alarms: AlarmsSpec) -> DeploymentPreview.AlarmsPart {
        let onAlarm = "stop the deployment (Stopped, ALARM_ACTIVE)"
            + (playbook.autoRollback.onAlarm ? ", then roll back the hosts it touched (DEPLOYMENT_STOP_ON_ALARM)" : "")
        return .init(
            intervalSeconds: alarms.intervalSeconds, ignorePollAlarmFailure: alarms.ignorePollAlarmFailure, onAlarm: onAlarm,
            checks: alarms.checks.map { check in
                let kind: String
                switch check.kind {
                case .http: kind = "http"
                case .command: kind = "command"
                case .prometheus: kind = "prometheus"
                }
                return .init(name: check.name, kind: kind, check: check.summary, perHost: check.isPerHost, timeoutSeconds: check.timeoutSeconds)
            })
    }

    // MARK: Rollout

    private func rollout(_ fleet: [HostSpec]) -> DeploymentPreview.RolloutPart {
        let rollout = plan.rollout(of: fleet)
        let summary = rollout.summary
        let limit = rollout.limits.isCapped ? rollout.limits.concurrencyCap : nil
        return .init(
            fleet: fleet.map(\.name), fleetSize: summary.fleetSize, healthyAtStart: summary.healthyAtStart,
            minimumHealthy: summary.minimumHealthy, maxConcurrency: summary.maxConcurrency, connectionLimit: limit,
            order: summary.orderedHosts,
            zones: summary.zones.map { DeploymentPreview.ZonePart(name: $0.name, hosts: $0.hosts, minimumHealthy: $0.minimumHealthy, bakeSeconds: $0.bakeSeconds) },
            reason: summary.reason,
            refusal: summary.refusal.map { DeploymentPreview.RefusalPart(code: $0.code.rawValue, message: $0.message) })
    }

    // MARK: Events

    private func eventPart(_ event: LifecycleEvent) -> DeploymentPreview.EventPart {
        if event.isReserved {
            return .init(event: event.rawValue, reserved: true, scriptsFrom: nil, scripts: nil, action: action(for: event))
        }
        switch event {
        case .applicationStop, .beforeBlockTraffic, .afterBlockTraffic:
            return .init(event: event.rawValue, reserved: false, scriptsFrom: Self.lastSuccessful, scripts: nil, action: nil,
                         failureIgnored: playbook.ignoreApplicationStopFailures)
        default:
            return .init(event: event.rawValue, reserved: false, scriptsFrom: Self.newRevision,
                         scripts: revision.appSpec.scripts(for: event), action: nil)
        }
    }

    private func action(for event: LifecycleEvent) -> String {
        switch event {
        case .downloadBundle:
            let source = revision.inspection.format == .directory ? "a bundle built from the directory" : "the bundle"
            return "upload \(source) and unpack it into this deployment's folder on the host"
        case .install:
            return "copy \(revision.plan.files.count) files to their destinations (file_exists_behavior \(fileExists().behavior.rawValue))"
        case .blockTraffic:
            return playbook.loadBalancers.map(BalancerText.block).joined(separator: "; ")
        case .allowTraffic:
            return playbook.loadBalancers.map(BalancerText.allow).joined(separator: "; ")
        default:
            return ""
        }
    }

    // MARK: Blue/green

    private func fleetValue(_ host: HostSpec) -> String? {
        guard let spec = playbook.blueGreen else { return nil }
        return host.tagValue(spec.fleetTag) ?? nil
    }

    private func blueGreenPart(_ spec: BlueGreenSpec) -> DeploymentPreview.BlueGreenPart {
        let fleets = spec.fleets.map { name in
            DeploymentPreview.FleetPart(name: name, hosts: hosts.filter { fleetValue($0) == name }.map(\.name))
        }
        let outside = hosts.filter { host in !spec.fleets.contains { $0 == fleetValue(host) } }.map(\.name)
        // With no live fleet recorded, the first listed fleet counts as live.
        let replacement = spec.fleets.count > 1 ? spec.fleets[1] : spec.fleets.first ?? ""
        let original = spec.fleets.first ?? ""
        let names = playbook.loadBalancers.map(\.name).joined(separator: ", ")
        return .init(
            fleetTag: spec.fleetTag, fleets: fleets, outsideFleets: outside, replacementRule: "the fleet that is not live; live fleet is recorded by the first blue/green deployment",
            assumedReplacement: replacement, assumedOriginal: original,
            originalEvents: LifecycleEvent.blueGreenOriginal.map(eventPart),
            rerouteOrder: [
                "register every replacement host in \(names) (AllowTraffic) and wait until healthy",
                "then deregister every original host from \(names) (BlockTraffic), draining its connections",
            ],
            readyWaitSeconds: spec.readyWaitSeconds, originalFleetAction: spec.originalFleetAction.rawValue,
            terminationWaitSeconds: spec.terminationWaitSeconds)
    }

    // MARK: Files and balancers

    private func fileExists() -> (behavior: FileExistsBehavior, from: String) {
        if let own = revision.appSpec.fileExistsBehavior { return (own, "appspec") }
        if let flag = fileExistsFlag { return (flag, "--file-exists-behavior") }
        // A playbook that says DISALLOW says what the default says anyway.
        return (playbook.fileExistsBehavior, playbook.fileExistsBehavior == .disallow ? "default" : "playbook")
    }

    private func files() -> DeploymentPreview.FilesPart {
        let (behavior, from) = fileExists()
        return .init(fileExistsBehavior: behavior.rawValue, fileExistsBehaviorFrom: from,
                     destinations: revision.plan.files, directories: revision.plan.directories.count,
                     permissionSteps: revision.plan.permissionSteps.count)
    }

    private func balancerPart(_ balancer: LoadBalancerSpec) -> DeploymentPreview.BalancerPart {
        .init(name: balancer.name, driver: BalancerText.driver(balancer),
              drainTimeoutSeconds: balancer.drainTimeoutSeconds, healthTimeoutSeconds: balancer.healthTimeoutSeconds,
              servers: hosts.map { DeploymentPreview.ServerPart(host: $0.name, server: BalancerText.server(balancer, host: $0)) })
    }
}

/// How a load balancer and its steps read in a plan.
enum BalancerText {
    /// The server name (or command argument) a host has in the balancer.
    static func server(_ balancer: LoadBalancerSpec, host: HostSpec) -> String {
        let template: String
        switch balancer.driver {
        case .haproxy(let haproxy): template = haproxy.serverTemplate
        case .nginx(let nginx): template = nginx.serverTemplate
        case .command: return host.name
        }
        return template.replacingOccurrences(of: "{host}", with: host.name)
            .replacingOccurrences(of: "{address}", with: host.address)
    }

    /// `HAProxy backend app via /run/haproxy.sock`, for the balancer list.
    static func driver(_ balancer: LoadBalancerSpec) -> String {
        switch balancer.driver {
        case .haproxy(let h):
            let api = h.socketPath.map { "admin socket \($0)" + (h.viaHost.map { " on \($0)" } ?? "") }
                ?? h.tcpAddress.map { "runtime API at \($0)" } ?? "runtime API"
            return "HAProxy backend \(h.backend), \(api)"
        case .nginx(let n):
            return "nginx upstream \(n.upstream) in \(n.upstreamFile) on \(n.host ?? "this machine")"
                + ", workers from \(n.pidFileInUse)"
                + ", health GET \(n.healthPathInUse)"
        case .command(let c):
            return "commands: register `\(c.register)`, deregister `\(c.deregister)`"
                + (c.health.map { ", health `\($0)`" } ?? "")
        }
    }

    private static func placement(_ balancer: LoadBalancerSpec) -> String {
        switch balancer.driver {
        case .haproxy(let h): return "HAProxy backend \(h.backend), server \(h.serverTemplate)"
        case .nginx(let n): return "nginx upstream \(n.upstream), server \(n.serverTemplate)"
        case .command: return "deregister/register commands"
        }
    }

    static func block(_ balancer: LoadBalancerSpec) -> String {
        "drain <host> in \(balancer.name) (\(placement(balancer))), up to \(seconds(balancer.drainTimeoutSeconds)) s"
    }

    static func allow(_ balancer: LoadBalancerSpec) -> String {
        "enable <host> in \(balancer.name) (\(placement(balancer))) and wait until healthy, up to \(seconds(balancer.healthTimeoutSeconds)) s"
    }

    static func seconds(_ value: Double) -> String { plainSeconds(value) }
}
