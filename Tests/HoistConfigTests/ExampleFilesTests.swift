import Foundation
import HoistConfig
import HoistCore
import HoistTestSupport
import Testing

/// Every example inventory and playbook in the repository parses, and playbooks whose
/// inventory is checked in load its hosts. (The fleet playbooks' inventory is written by
/// scripts/fleet and may not exist yet, so only the playbook itself is parsed.) Selection of
/// the examples is tested in HoistPlanningTests.
@Suite struct ExampleFilesTests {
    static func files(_ folder: String) -> [String] {
        let dir = TestPaths.packageRoot.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    /// A real disk with an empty home folder, so the real ~/.ssh/config is not read.
    static let environment = ConfigEnvironment(homeDirectory: "/nonexistent-home", currentDirectory: TestPaths.packageRoot.path)

    @Test func thereAreExamples() {
        #expect(Self.files("inventory").count >= 3)
        #expect(Self.files("playbooks").count >= 4)
    }

    @Test(arguments: ExampleFilesTests.files("inventory"))
    func inventoryParses(path: String) throws {
        let inventory = try #require(InventoryLoader.load(path: path, environment: Self.environment).value,
                                     "\(messages(InventoryLoader.load(path: path, environment: Self.environment)))")
        #expect(inventory.hosts.count >= 5)
        #expect(inventory.warnings.isEmpty)
    }

    @Test(arguments: ExampleFilesTests.files("playbooks"))
    func playbookParses(path: String) throws {
        let result = PlaybookLoader.load(path: path, environment: Self.environment)
        let playbook = try #require(result.value, "\(messages(result))")
        #expect(!playbook.application.isEmpty)
        guard FileManager.default.fileExists(atPath: playbook.inventoryPath) else { return }
        let inventory = try #require(PlaybookLoader.inventory(for: playbook, environment: Self.environment).value)
        #expect(!inventory.hosts.isEmpty)
    }

    @Test func fleetPlaybookPointsAtTheFleet() throws {
        let path = TestPaths.packageRoot.appendingPathComponent("playbooks/fleet-web.yml").path
        let playbook = try #require(PlaybookLoader.load(path: path, environment: Self.environment).value)
        let root = TestPaths.packageRoot.path
        #expect(playbook.inventoryPath == root + "/.fleet/inventory.yml")
        #expect(playbook.targets == [TagGroup([.keyAndValue("role", "web")], line: 5, column: 10)])
        #expect(playbook.deploymentConfig == .halfAtATime)
        #expect(playbook.loadBalancers.first?.driver == .haproxy(.init(
            socketPath: root + "/.fleet/haproxy/admin.sock", backend: "app")))
    }
}
