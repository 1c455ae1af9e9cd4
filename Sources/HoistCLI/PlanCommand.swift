import ArgumentParser
import Foundation
import HoistCore
import HoistPlanning

/// `hoist plan PLAYBOOK`: the deployment exactly as `deploy` would run it (hosts, order,
/// concurrency, events and their scripts, files, traffic steps), without contacting any host,
/// so a person can check it first.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show how a deployment would run, without contacting any host.",
        discussion: """
            Reads the playbook, its inventory and the revision (the playbook's `revision` unless \
            --revision is given; checked as `hoist validate` does) and prints: the selected hosts, \
            the deployment configuration with its minimum healthy hosts and the resulting \
            concurrency, the order hosts are taken in, the lifecycle events each host runs with the \
            scripts and the revision they come from, the files to install with the \
            file_exists_behavior in force (the AppSpec's wins, as in CodeDeploy), the load balancer \
            steps and, for blue/green, both fleets and the reroute order. Host health is not read: \
            every host counts as healthy.
            --json prints the same as one JSON document.
            Exit codes: 0 the deployment could start; 2 invalid input (playbook, inventory, revision, \
            an unknown --config or --hosts name); 5 the deployment could not start (the minimum \
            healthy hosts cannot be met; the plan is printed, then the reason).
            """)

    @Argument(help: "The playbook (one deployment group).", completion: Completions.playbook)
    var playbook: String

    @Option(help: "The revision to plan with (directory or archive) instead of the playbook's.", completion: Completions.revision)
    var revision: String?

    @Option(help: ArgumentHelp(
        "A predefined deployment configuration instead of the playbook's: OneAtATime, HalfAtATime, AllAtOnce (with or without CodeDeployDefault.).",
        valueName: "name"))
    var config: String?

    @Option(help: HostPatternHelp.help())
    var hosts: String?

    @Option(help: ArgumentHelp(
        "DISALLOW, OVERWRITE or RETAIN, instead of the playbook's (an AppSpec's own value still wins).",
        valueName: "behavior"))
    var fileExistsBehavior: String?

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func run() throws {
        let preview = try makePreview()
        if json { Console.shared.out(try CommandJSON.encode(preview)) } else { Console.shared.outText(preview.text) }
        if let refusal = preview.rollout.refusal {
            printToStderr("hoist: the deployment could not start: \(refusal.code): \(refusal.message)")
            throw ExitCode(HoistExitCode.couldNotStart)
        }
    }

    private func makePreview() throws -> DeploymentPreview {
        let target: LoadedTarget
        do { target = try loadTarget(path: playbook) } catch is InvalidInput { throw ExitCode(HoistExitCode.invalidInput) }
        guard let parsed = target.playbook else {
            throw invalid("\(playbook) is an inventory; `hoist plan` needs a playbook (application, inventory, targets)")
        }
        let chosenConfig: DeploymentConfig
        let flag: FileExistsBehavior?
        let chosenHosts: [HostSpec]
        do {
            chosenConfig = try config.map(parseConfigFlag) ?? parsed.deploymentConfig
            flag = try fileExistsBehavior.map(parseFileExistsFlag)
            chosenHosts = try narrowHosts(target.hosts, to: hosts)
        } catch is InvalidInput {
            throw ExitCode(HoistExitCode.invalidInput)
        }
        guard let revisionPath = revision ?? parsed.revisionPath else {
            throw invalid("\(playbook) names no revision; add 'revision: <folder or bundle>' to it or pass --revision PATH")
        }
        let loaded: LoadedRevision
        do { loaded = try loadRevision(path: revisionPath) } catch is InvalidInput { throw ExitCode(HoistExitCode.invalidInput) }
        let plan = DeploymentPlan.plan(DeploymentPlan.Request(
            playbook: parsed, groupHosts: target.hosts, onlyHosts: hosts == nil ? nil : chosenHosts.map(\.name), config: chosenConfig))
        return DeploymentPreviewBuilder(
            plan: plan, playbook: parsed, inventoryFile: target.inventory.file, hosts: chosenHosts, revision: loaded,
            config: chosenConfig, configFrom: config == nil ? "playbook" : "--config", fileExistsFlag: flag
        ).build()
    }

    private func invalid(_ message: String) -> ExitCode {
        printToStderr("hoist: \(message)")
        return ExitCode(HoistExitCode.invalidInput)
    }
}
