import Foundation
import HoistCore
import HoistHistory
import HoistTestSupport

/// A history file in a fresh temporary folder, removed with the value.
final class TempHistory {
    let scratch: ScratchDirectory
    var folder: URL { scratch.url }
    var path: String { scratch.file("history.sqlite3") }

    init() throws { scratch = try ScratchDirectory("hoist-history") }

    func open() throws -> SQLiteHistoryStore { try SQLiteHistoryStore(path: path) }
}

/// Records for tests. Times are whole milliseconds, as the store keeps them.
enum Fixture {
    /// 2026-11-23 10:00:00 UTC.
    static let t0 = time(0)

    /// `seconds` after t0, made from whole milliseconds the way the store reads times back.
    static func time(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: Double(1_795_428_000_000 + Int64((seconds * 1000).rounded())) / 1000)
    }

    static func id(_ n: Int) -> DeploymentID { DeploymentID("d-" + String(format: "TEST%05d", n))! }

    static func deployment(
        _ n: Int, application: String = "web", group: String = "production", status: DeploymentStatus = .succeeded,
        created: Double? = nil
    ) -> DeploymentRecord {
        let created = created ?? Double(n) * 60
        return DeploymentRecord(
            id: id(n), application: application, deploymentGroup: group, playbookPath: "deploy/hoist.yml",
            status: status, createdBy: "alice@laptop", revisionPath: "build/web-\(n).tgz",
            revisionSHA256: String(repeating: String(n % 10), count: 64), deploymentConfigName: "CodeDeployDefault.OneAtATime",
            createTime: time(created), startTime: time(created + 1),
            endTime: status.isFinal ? time(created + 31) : nil, hostCount: 2)
    }

    /// Every field set, none left to its default.
    static let fullDeployment = DeploymentRecord(
        id: DeploymentID("d-FULL00001")!, application: "shop", deploymentGroup: "eu-west",
        playbookPath: "/srv/playbooks/shop.yml", status: .failed, errorCode: .healthConstraints,
        errorMessage: "2 of 3 hosts failed", creator: .rollback, createdBy: "bob@ci-7",
        revisionPath: "/tmp/shop.tgz", revisionSHA256: "ab" + String(repeating: "0", count: 62),
        deploymentConfigName: "CodeDeployDefault.HalfAtATime", fileExistsBehavior: .retain,
        rollbackOf: id(1), deploymentType: .blueGreen, description: "roll back the cart bug ✓",
        createTime: time(0.123), startTime: time(1.5), endTime: time(99.999), hostCount: 3,
        revisionCommit: "3f9a1c2b7d4e+dirty", origin: .ci,
        coordinator: DeploymentCoordinator(machine: "ci-7", pid: 4242, processStart: "0f1e2d3c-boot/123456"))

    static func host(_ deployment: DeploymentID, _ name: String, _ status: InstanceStatus = .succeeded) -> HostRecord {
        HostRecord(deploymentID: deployment, host: name, address: "10.0.0.\(name.last!)", status: status,
                   startTime: time(2), endTime: status == .succeeded || status == .failed ? time(20) : nil)
    }

    static func line(_ deployment: DeploymentID, _ host: String, _ event: LifecycleEvent, _ text: String,
                     stream: HoistCore.OutputStream = .stdout) -> OutputRecord {
        OutputRecord(deploymentID: deployment, host: host, event: event, stream: stream, time: time(3), text: text)
    }
}
