import Foundation
import HoistCore
import HoistEngine
import HoistHistory
import HoistTestSupport
import Testing

/// A deployment whose coordinator was killed stays InProgress in the history until the group's
/// next deployment takes its lock over. Readers on its machine know better at once: its process
/// is gone. `logs --follow` stops (saying why) instead of following forever, and `list` and
/// `show` call it abandoned, with no host asked and nothing written.
@Suite struct AbandonedDeploymentTests {
    static func record(_ id: String, coordinator: DeploymentCoordinator?, status: DeploymentStatus = .inProgress) -> DeploymentRecord {
        DeploymentRecord(
            id: DeploymentID(id)!, application: "shop", deploymentGroup: "web", playbookPath: "/p/web.yml", status: status,
            createdBy: "alice@laptop", revisionPath: "rev", deploymentConfigName: "CodeDeployDefault.AllAtOnce",
            createTime: Date(), startTime: Date(), hostCount: 1, coordinator: coordinator)
    }

    @Test(.timeLimit(.minutes(5)))
    func aDeploymentWhoseCoordinatorIsGoneIsCalledAbandonedAndNotFollowedForever() throws {
        let scratch = try ScratchDirectory("hoist-abandoned")
        let file = scratch.file("history.sqlite3")
        let store = try SQLiteHistoryStore(path: file)
        let here = ProcessInfo.processInfo.hostName
        // With its start recorded: the test runs long enough for a bare pid to be reused.
        let exited = try ExitedProcess.run { ProcessIdentity.start(of: $0) }
        let gone = DeploymentCoordinator(machine: here, pid: exited.pid, processStart: exited.read)
        try store.createDeployment(Self.record("d-ABANDON01", coordinator: gone))
        try store.appendOutput([OutputRecord(deploymentID: DeploymentID("d-ABANDON01")!, host: "h1", event: .afterInstall,
                                             stream: .stdout, time: Date(), text: "last words")])
        // Still running: this very process, as it was started.
        let me = DeploymentCoordinator(machine: here, pid: getpid(), processStart: ProcessIdentity.start(of: getpid()))
        try store.createDeployment(Self.record("d-RUNNING01", coordinator: me))
        // Its pid now names another process (this one): started at another time, it is not it.
        let reused = DeploymentCoordinator(machine: here, pid: getpid(), processStart: ProcessIdentity.start(of: getpid())!.split(separator: "/").dropLast().joined(separator: "/") + "/1")
        try store.createDeployment(Self.record("d-REUSEDP01", coordinator: reused))
        // On another machine nothing can be told from here.
        try store.createDeployment(Self.record("d-ELSEWHR01", coordinator: DeploymentCoordinator(machine: "elsewhere", pid: gone.pid)))
        let env = ["HOME": scratch.path, "HOIST_HISTORY_URL": file]

        let follow = try HoistBinary.start(["logs", "d-ABANDON01", "--follow"], environment: env)
        let ended = follow.waitForExit(seconds: 120)
        if ended == nil { follow.send(SIGKILL) }
        let followed = follow.finish()
        #expect(ended == 0, "still following a deployment whose coordinator is gone: \(followed.stderr)")
        #expect(followed.stdout == "h1 AfterInstall [stdout] last words\n", "\(followed.stdout)")
        #expect(followed.stderr.contains("hoist: stopped following d-ABANDON01: its coordinator, pid \(gone.pid) on this machine, is gone"),
                "\(followed.stderr)")

        let list = try HoistBinary.run(["list"], environment: env)
        #expect(list.status == 0, "\(list.stderr)")
        let status = { (id: String) in
            list.stdout.split(separator: "\n").first { $0.hasPrefix(id) }.map { String($0.dropFirst(id.count)).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        #expect(status("d-ABANDON01").hasPrefix("abandoned (coordinator gone)"), "\(list.stdout)")
        #expect(status("d-REUSEDP01").hasPrefix("abandoned (coordinator gone)"), "\(list.stdout)")
        #expect(status("d-RUNNING01").hasPrefix("InProgress"), "\(list.stdout)")
        #expect(status("d-ELSEWHR01").hasPrefix("InProgress"), "\(list.stdout)")

        let json = try HoistBinary.run(["list", "--json"], environment: env)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json.stdout)")
        let abandoned = rows.filter { $0["abandoned"] != nil }.compactMap { $0["id"] as? String }
        #expect(abandoned.sorted() == ["d-ABANDON01", "d-REUSEDP01"], "\(json.stdout)")
        #expect(rows.first { $0["id"] as? String == "d-ABANDON01" }?["status"] as? String == "InProgress", "the history is not rewritten")

        let show = try HoistBinary.run(["show", "d-ABANDON01"], environment: env)
        #expect(show.stdout.range(of: #"Status +InProgress, abandoned \(coordinator gone\): its coordinator, pid \d+ on this machine, is gone"#,
                                  options: .regularExpression) != nil, "\(show.stdout)")
        #expect(try store.deployment(DeploymentID("d-ABANDON01")!)?.status == .inProgress, "readers write nothing")
    }
}
