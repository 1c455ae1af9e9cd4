import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport
import Testing

/// `hoist redeploy ID` goes to the hosts ID recorded, not to the whole group: a redeploy of a
/// canary (`deploy --hosts web3`) deployed to every host of the group before. Hosts retired
/// from the inventory since are left out with a note, not refused like a typo in `--hosts`.
/// (That only the recorded hosts are deployed to is shown on the fleet, in
/// `RollbackAndLockTests`: here no host answers.)
@Suite struct RedeployHostsTests {
    /// A group of two hosts whose sshd refuses at once (port 1), and a history holding
    /// `d-REDEPLOY1`, recorded on `hosts`.
    func group(recording hosts: [String], in scratch: ScratchDirectory) throws -> [String: String] {
        let revision = try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("inventory.yml", """
            hosts:
              a1: {address: 127.0.0.1, port: 1, tags: {role: web}}
              a2: {address: 127.0.0.1, port: 1, tags: {role: web}}

            """)
        try scratch.write("web.yml", """
            application: shop
            deployment_group: shop-web
            inventory: inventory.yml
            targets: {role: web}
            deployment_config: AllAtOnce

            """)
        let file = scratch.file("history.sqlite3")
        let store = try SQLiteHistoryStore(path: file)
        let id = DeploymentID("d-REDEPLOY1")!
        try store.createDeployment(DeploymentRecord(
            id: id, application: "shop", deploymentGroup: "shop-web", playbookPath: scratch.file("web.yml"), status: .succeeded,
            createdBy: "alice@laptop", revisionPath: revision, deploymentConfigName: "CodeDeployDefault.AllAtOnce",
            createTime: Date(), hostCount: hosts.count))
        try store.upsertHosts(hosts.map { HostRecord(deploymentID: id, host: $0, address: "127.0.0.1", status: .succeeded) })
        return ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg"), "XDG_CACHE_HOME": scratch.file("cache"),
                "HOIST_HISTORY_URL": file]
    }

    @Test func hostsRetiredSinceAreLeftOutWithANote() throws {
        let scratch = try ScratchDirectory("hoist-redeploy-retired")
        let env = try group(recording: ["a1", "old9"], in: scratch)
        let again = try HoistBinary.run(["redeploy", "d-REDEPLOY1"], environment: env)
        #expect(again.stderr.contains("hoist: old9 of d-REDEPLOY1 is no longer in the group; deploying to its other host"), "\(again.stderr)")
        #expect(!again.stderr.contains("matches no selected host"), "\(again.stderr)")
    }

    @Test func noRecordedHostLeftIsRefusedBeforeAnythingStarts() throws {
        let scratch = try ScratchDirectory("hoist-redeploy-none-left")
        let env = try group(recording: ["old8", "old9"], in: scratch)
        let again = try HoistBinary.run(["redeploy", "d-REDEPLOY1"], environment: env)
        #expect(again.status == 2, "\(again.stderr)")
        #expect(again.stderr.contains("none of d-REDEPLOY1's hosts (old8, old9) is in the group any more"), "\(again.stderr)")
        let store = try SQLiteHistoryStore(path: env["HOIST_HISTORY_URL"]!)
        #expect(try store.listDeployments(DeploymentFilter()).count == 1, "nothing recorded")
    }
}
