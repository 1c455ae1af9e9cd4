import HoistCore

/// `hoist plan`'s report for a person at a terminal.
extension DeploymentPreview {
    var text: String {
        var out = "Plan for \(application) / \(deploymentGroup) (\(playbook)); no host was contacted.\n"
        out += "type: \(deploymentType == "BLUE_GREEN" ? "blue/green" : "in-place")\n"
        out += "revision: \(revision.path) (\(revision.format)\(revision.sha256.map { ", sha256 \($0)" } ?? ""))\n"
        let minimum = deploymentConfig.minimumHealthyHosts
        out += "deployment config: \(deploymentConfig.name) (from the \(deploymentConfig.from)), "
            + "minimum healthy hosts \(minimum.kind.rawValue) \(minimum.value)\n"
        out += "hosts (\(hosts.count)): \(hosts.joined(separator: ", "))\n"
        out += rolloutText
        if phases.count > 1 {
            out += "phases, in order:\n" + phases.enumerated().map { "  \($0.offset + 1). \($0.element)\n" }.joined()
        }
        out += "\n"
        let heading = blueGreen == nil ? "Lifecycle events on each host, in order:" : "Lifecycle events on each replacement host, in order:"
        out += Self.eventsText(heading, events)
        if let blueGreen { out += "\n" + blueGreenText(blueGreen) }
        out += "\n" + filesText
        if !loadBalancers.isEmpty { out += "\n" + balancersText }
        if !triggers.isEmpty { out += "\n" + triggersText }
        if let alarms { out += "\n" + alarmsText(alarms) }
        out += "\nAssumed:\n" + assumptions.map { "  - \($0)\n" }.joined()
        return out
    }

    private var rolloutText: String {
        var out = ""
        if let blueGreen {
            out += "minimum healthy hosts apply to the replacement fleet (\(blueGreen.assumedReplacement) when no live fleet is recorded)\n"
        }
        out += "concurrency: \(rollout.reason)\n"
        var window = RolloutText.window(rollout.maxConcurrency)
        if let limit = rollout.connectionLimit { window += " (capped at \(limit) by ssh.concurrency)" }
        out += "order: \(window); host order: \(rollout.order.joined(separator: ", "))\n"
        out += "  (a sliding window, not lockstep batches: the next host starts as soon as one finishes, "
            + "while \(rollout.minimumHealthy) of \(rollout.fleetSize) stay healthy)\n"
        for (index, zone) in rollout.zones.enumerated() {
            out += "  zone \(index + 1) \(zone.name ?? "(no zone tag)"): \(zone.hosts.joined(separator: ", "))"
                + "; at least \(zone.minimumHealthy) healthy"
                + (zone.bakeSeconds > 0 ? "; then wait \(zone.bakeSeconds) s" : "") + "\n"
        }
        if let refusal = rollout.refusal {
            out += "could not start: \(refusal.code): \(refusal.message)\n"
        }
        return out
    }

    static func eventsText(_ heading: String, _ events: [EventPart], indent: String = "") -> String {
        let width = (events.map(\.event.count).max() ?? 0) + 2
        var out = "\(indent)\(heading)\n"
        for event in events {
            let name = "\(indent)  " + event.event.padding(toLength: width, withPad: " ", startingAt: 0)
            if event.reserved {
                out += "\(name)Hoist: \(event.action ?? "")\n"
            } else if let scripts = event.scripts {
                out += scripts.isEmpty
                    ? "\(name)no scripts in the new revision\n"
                    : "\(name)scripts from the \(event.scriptsFrom ?? ""): "
                        + scripts.map(ScriptText.describe).joined(separator: ", ") + "\n"
            } else {
                out += "\(name)scripts from \(event.scriptsFrom ?? "")"
                    + (event.failureIgnored ? "; a failure is ignored (ignore_application_stop_failures)" : "") + "\n"
            }
        }
        return out
    }

    private func blueGreenText(_ part: BlueGreenPart) -> String {
        var out = "Blue/green, fleets by tag \(part.fleetTag):\n"
        for fleet in part.fleets {
            out += "  fleet \(fleet.name) (\(fleet.hosts.count)): \(fleet.hosts.isEmpty ? "no hosts" : fleet.hosts.joined(separator: ", "))\n"
        }
        if !part.outsideFleets.isEmpty {
            out += "  in neither fleet (left alone): \(part.outsideFleets.joined(separator: ", "))\n"
        }
        out += "  replacement: \(part.replacementRule); when none is recorded: \(part.assumedReplacement)\n"
        out += "  original: the live fleet (\(part.assumedOriginal) when none is recorded)\n"
        out += Self.eventsText("Lifecycle events on each original host, in order:", part.originalEvents, indent: "  ")
        out += "  Reroute, in order:\n"
        for (index, step) in part.rerouteOrder.enumerated() { out += "    \(index + 1). \(step)\n" }
        if let wait = part.readyWaitSeconds {
            out += "  before rerouting: wait up to \(BalancerText.seconds(wait)) s for `hoist continue`, else the deployment ends Stopped\n"
        } else {
            out += "  rerouting starts as soon as the replacement fleet is installed\n"
        }
        out += "  original fleet afterwards: \(part.originalFleetAction)"
            + (part.originalFleetAction == "TERMINATE" ? " after \(BalancerText.seconds(part.terminationWaitSeconds)) s" : " (keeps running, out of the load balancers)")
            + "\n"
        return out
    }

    private var filesText: String {
        let from: String
        switch files.fileExistsBehaviorFrom {
        case "appspec": from = "from the AppSpec, which wins over the playbook and --file-exists-behavior"
        case "playbook": from = "from the playbook"
        case "default": from = "CodeDeploy's default; the AppSpec, --file-exists-behavior or the playbook can change it"
        default: from = "from \(files.fileExistsBehaviorFrom)"
        }
        var out = "file_exists_behavior: \(files.fileExistsBehavior) (\(from))\n"
        out += ListText.limited("files to install", files.destinations)
        if files.permissionSteps > 0 { out += "permission steps: \(files.permissionSteps)\n" }
        return out
    }

    private var triggersText: String {
        var out = "Triggers:\n"
        for trigger in triggers {
            let all = trigger.events.count == TriggerEventType.allCases.count
            out += "  \(trigger.name): \(trigger.kind) \(trigger.target)"
                + (trigger.format.map { " (\($0))" } ?? "")
                + (trigger.secretEnv.map { ", signed with $\($0)" } ?? "")
                + ", timeout \(BalancerText.seconds(trigger.timeoutSeconds)) s\n"
            out += "    on \(all ? "every event" : trigger.events.joined(separator: ", "))\n"
        }
        return out
    }

    private func alarmsText(_ alarms: AlarmsPart) -> String {
        var out = "Alarm checks, every \(BalancerText.seconds(alarms.intervalSeconds)) s from the start to the end of the deployment"
            + (alarms.ignorePollAlarmFailure ? "; a check that cannot be evaluated is ignored" : "; a check that cannot be evaluated counts as ALARM")
            + ":\n"
        for check in alarms.checks {
            out += "  \(check.name): \(check.check), timeout \(BalancerText.seconds(check.timeoutSeconds)) s\n"
        }
        out += "  on ALARM: \(alarms.onAlarm)\n"
        return out
    }

    private var balancersText: String {
        var out = "Load balancers:\n"
        for balancer in loadBalancers {
            out += "  \(balancer.name): \(balancer.driver); drain up to \(BalancerText.seconds(balancer.drainTimeoutSeconds)) s, "
                + "healthy within \(BalancerText.seconds(balancer.healthTimeoutSeconds)) s\n"
            let lines = balancer.servers.map { "\($0.host) → \($0.server)" }
            out += ListText.limited("servers", lines, indent: "    ")
        }
        return out
    }
}
