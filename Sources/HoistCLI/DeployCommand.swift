import ArgumentParser
import Foundation
import HoistConfig
import HoistCore
import HoistEngine
import HoistHistory
import HoistPlanning

/// `hoist deploy`: the main job. Deploys a revision to the playbook's hosts over SSH, in the
/// order and concurrency its deployment configuration allows, running the AppSpec lifecycle
/// on each host as the CodeDeploy agent would.
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a revision to a deployment group.",
        discussion: """
            Exit codes: 0 succeeded, 2 invalid input (nothing was changed on any host), 3 the \
            deployment failed, 4 it was stopped, 5 it could not start (too few healthy hosts), \
            6 another deployment holds the group's lock, 7 it succeeded but its history record \
            is incomplete (`hoist show ID --refresh` repairs it).
            A closed terminal (SIGHUP) or a reader that goes away (`| head`) does not stop a \
            deployment: it carries on to its verdict and the history keeps all output.
            Output: a live view on a terminal; one line per host and event otherwise; with \
            --json one JSON object per line (see `hoist help deploy`).
            """)

    @Argument(help: "The playbook (deployment group) to deploy to.", completion: Completions.playbook)
    var playbook: String

    @Option(name: .long, help: "Revision: a directory or a .tar, .tar.gz, .tgz, .tar.zst or .zip bundle (default: the playbook's revision).", completion: Completions.revision)
    var revision: String?

    @Option(name: .long, help: "Deployment configuration for this run: OneAtATime, HalfAtATime or AllAtOnce.")
    var config: String?

    @Option(name: .long, help: "DISALLOW, OVERWRITE or RETAIN for this run (the AppSpec's own value still wins).")
    var fileExistsBehavior: String?

    @Flag(name: .long, help: "Go on when ApplicationStop (or the block-traffic hooks) of the previous revision fail.")
    var ignoreApplicationStopFailures = false

    @Option(name: .long, help: HostPatternHelp.help("Deploy only to the selected hosts"))
    var hosts: String?

    @OptionGroup var output: OutputFlags

    @Option(name: .customLong("description"), help: "A note on this deployment (why, a ticket), recorded in the history and shown by `hoist show`.")
    var note: String?

    @Flag(name: .long, help: "Blue/green: move traffic back to the fleet that served before the last deployment.")
    var blueGreenRollback = false

    @Option(name: .long, help: "History file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`, else $XDG_STATE_HOME/hoist/history.sqlite3).")
    var db: String?

    @Option(name: .long, help: "Wait this long for another deployment of the group to finish (e.g. 90s, 10m, 1h) instead of exiting with code 6.")
    var lockWait: String?

    @Flag(name: .long, inversion: .prefixedNo, help: "Roll back automatically when the deployment fails (default: the playbook's auto_rollback).")
    var rollback: Bool?

    mutating func run() async throws {
        if output.json { JSONEnding.shared.expect() }
        if blueGreenRollback, hosts != nil {
            // Half a fleet sent back would leave traffic split between two revisions.
            throw invalid("--hosts does not apply to --blue-green-rollback: traffic goes back to the whole fleet that served before; leave --hosts out")
        }
        let job = DeploymentJob(
            playbookPath: playbook, revisionPath: revision, configName: config, fileExistsBehavior: fileExistsBehavior,
            ignoreApplicationStopFailures: ignoreApplicationStopFailures, onlyHosts: hosts.map(splitNames),
            output: output.options, db: db, lockWait: lockWait, autoRollback: rollback,
            blueGreenRollback: blueGreenRollback, description: note)
        try await job.runAsCommand()
    }
}
