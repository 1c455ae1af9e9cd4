import Foundation
import HoistTestSupport
import Testing

/// Two inventory entries for one machine: `deploy` refuses the group before any host is
/// touched, and `hosts` warns. The deployment ran twice at once on that machine, each run
/// removing the other's files, and still succeeded.
@Suite struct SameMachineHostsTests {
    static let inventory = """
        hosts:
          web3: {address: 10.9.0.3, tags: {role: web}}
          web3-alias: {address: 10.9.0.3, tags: {role: web}}
          web4: {address: 10.9.0.3, port: 2222, tags: {role: web}}

        """

    @Test func twoEntriesForOneMachineAreRefusedBeforeAnyHost() throws {
        let scratch = try ScratchDirectory("hoist-same-machine")
        try RevisionFixtures.playbook(in: scratch, inventory: Self.inventory)
        let env = ["HOME": scratch.path]
        let here = URL(fileURLWithPath: scratch.path)
        let deploy = try HoistBinary.run(["deploy", "web.yml", "--db", scratch.file("h.sqlite3")], environment: env, currentDirectory: here)
        let message = "web3, web3-alias all reach 10.9.0.3:22: one deployment would run on that machine twice at once"
        #expect(deploy.status == 2, "\(deploy.stdout)\(deploy.stderr)")
        #expect(deploy.stderr.contains(message), "\(deploy.stderr)")
        #expect(!deploy.stderr.contains("web4"), "another port is another sshd: \(deploy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("h.sqlite3")), "nothing recorded")
        let hosts = try HoistBinary.run(["hosts", "web.yml"], environment: env, currentDirectory: here)
        #expect(hosts.status == 0)
        #expect(hosts.stderr.contains("hoist: warning: ") && hosts.stderr.contains(message), "\(hosts.stderr)")
    }
}
