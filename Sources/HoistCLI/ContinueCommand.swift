import ArgumentParser
import Foundation
import HoistCore
import HoistEngine

/// `hoist continue ID`: lets a blue/green deployment that waits (`ready_wait`) move traffic.
/// The request is written next to the group's lock on the hosts, which the waiting
/// coordinator's heartbeat reads, so it works from any machine that reaches the hosts.
struct ContinueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continue",
        abstract: "Let a waiting blue/green deployment move traffic to its replacement fleet.",
        discussion: """
            Works from any machine that reaches the hosts: the request goes next to the group's \
            lock, which the deployment's heartbeat reads (within its heartbeat interval, 5 s by \
            default). Give the playbook when this machine's history does not know the deployment. \
            An unknown or finished deployment is an error (exit 2).
            """)

    @Argument(help: "The deployment ID (d-...).", completion: Completions.deploymentID)
    var id: String
    @Argument(help: "The deployment's playbook (default: the one its history record names).")
    var playbook: String?
    @Option(name: .long, help: "History file or postgresql:// URL (default: $HOIST_HISTORY_URL, else the playbook's `history`).") var db: String?

    mutating func run() async throws {
        guard let deploymentID = DeploymentID(id) else {
            throw invalid("\(id) is not a deployment id (d- and nine upper-case letters or digits)")
        }
        let store = try openHistory(db: db, playbook: try playbook.flatMap { try loadTargetOrExit($0).playbook?.historyPath })
        let record = try? store.deployment(deploymentID)
        if let record, record.status.isFinal {
            throw invalid("\(id) has already ended (\(record.status.rawValue)); there is nothing to continue")
        }
        if let record, record.deploymentType == .inPlace {
            // Nothing would ever read the request: only a blue/green deployment waits.
            throw invalid("\(id) is an in-place deployment; only a blue/green deployment with `ready_wait` waits for `hoist continue`")
        }
        guard let playbookPath = playbook ?? record?.playbookPath else {
            throw invalid("\(id): not in this history; name its playbook: hoist continue \(id) PLAYBOOK")
        }
        let (lock, pool, _) = try groupLock(playbookPath, deploymentID: "continue")
        defer { Task { await pool.closeAll() } }
        do {
            try await lock.requestContinue(deploymentID: id)
        } catch let error as GroupLockError {
            throw invalid("\(error)")
        }
        Console.shared.out("asked \(id) to move traffic; it does so at its next heartbeat if it is waiting, or as soon as its wait begins")
    }
}
