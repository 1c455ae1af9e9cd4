import Foundation
import HoistConfig
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing

/// The example playbooks select the hosts their comments promise.
@Suite struct ExamplePlaybookSelectionTests {
    static let environment = ConfigEnvironment(homeDirectory: "/nonexistent-home", currentDirectory: TestPaths.packageRoot.path)

    func load(_ name: String) throws -> (Playbook, Inventory) {
        let path = TestPaths.packageRoot.appendingPathComponent("playbooks/\(name)").path
        let playbook = try PlaybookLoader.load(path: path, environment: Self.environment).get()
        return (playbook, try PlaybookLoader.inventory(for: playbook, environment: Self.environment).get())
    }

    @Test func exampleInPlaceSelectsTheProductionWebHosts() throws {
        let (playbook, inventory) = try load("example-inplace.yml")
        let selection = TargetSelection.select(hosts: inventory.hosts, groups: playbook.targets)
        #expect(selection.hosts.map(\.name) == (1...12).map { String(format: "web%02d", $0) })
        let web07 = try #require(inventory.host(named: "web07"))
        #expect(web07.address == "10.0.2.11")
        #expect(web07.jumps == [JumpHost(address: "203.0.113.10", port: 22, user: "jump")])
        #expect(web07.user == "deploy")
        #expect(web07.become)
    }

    @Test func exampleBlueGreenAddsTheCanary() throws {
        let (playbook, inventory) = try load("example-bluegreen.yml")
        let selection = TargetSelection.select(hosts: inventory.hosts, groups: playbook.targets)
        #expect(selection.hosts.count == 13)
        #expect(selection.selected.first { $0.host.name == "api-a" }?.matchedFilters == [.key("canary")])
    }

    @Test func exampleNotifyHasItsTriggersAndChecks() throws {
        let (playbook, _) = try load("example-notify.yml")
        #expect(playbook.triggers.map(\.name) == ["chat", "audit", "pager"])
        #expect(playbook.triggers[1].events == [.instanceFailure])
        #expect(playbook.alarms?.checks.map(\.name) == ["api", "each-host", "error-rate", "p99"])
        #expect(playbook.autoRollback.onAlarm)
    }
}
