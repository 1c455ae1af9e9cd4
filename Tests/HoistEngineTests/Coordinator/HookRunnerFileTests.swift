import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// The probe puts the perl hook runner in the deployment's folder once, and every hook of the
/// deployment runs from it (the hooks send only their arguments). Folder hosts run by /bin/sh
/// on this machine, which has perl (`FolderGroup`).
@Suite struct HookRunnerFileTests {
    @Test func everyHookRunsFromTheRunnerTheProbeWrote() async throws {
        let group = try FolderGroup(["h1"])
        let id = DeploymentID.random()
        let report = try await Deployment(request: group.request(group.plan(), try await group.revision("v1"), id: id),
                                          ports: group.ports()).run()
        #expect(report.verdict.status == .succeeded)
        let layout = HostLayout(root: group.scratch.file("hosts/h1"), groupID: group.groupID)
        let runner = try String(contentsOfFile: layout.hookRunnerFile(id.rawValue), encoding: .utf8)
        #expect(runner == HookInvocation.perlRunner)
        #expect(group.ran("h1").contains("v1 ValidateService"))
        let log = try String(contentsOfFile: layout.logFile(id.rawValue), encoding: .utf8)
        #expect(log.contains("Script - scripts/"), "\(log)")
        // Nothing of a run is left beside the log.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: layout.deploymentDir(id.rawValue) + "/logs")
        #expect(leftovers == ["scripts.log"])
    }
}
