import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// OneAtATime: the next host's bundle goes up while the host before it runs its hooks, and
/// its turn only verifies and unpacks it. Folder hosts run by /bin/sh (`FolderGroup`).
@Suite struct StagedBundleTests {
    @Test func theNextHostsBundleGoesUpWhileTheHostBeforeItRunsItsHooks() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        try group.hold("h1")
        let id = DeploymentID.random()
        let request = group.request(group.plan(config: .oneAtATime), try await group.revision("v1"), id: id)
        let deployment = Deployment(request: request, ports: group.ports())
        async let report = deployment.run()
        try await group.waitUntilHolding("h1")
        func bundle(_ host: String) -> String {
            HostLayout(root: group.scratch.file("hosts/\(host)"), groupID: group.groupID).bundleFile(id.rawValue)
        }
        // h1 holds in AfterInstall: h2's turn has not come, but its bundle arrives.
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: bundle("h2")) {
            guard Date() < deadline else { Issue.record("h2's bundle never arrived while h1 ran"); break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(group.ran("h2").isEmpty, "h2 ran nothing yet")
        // One host ahead, not every host: h3 waits for h2's turn.
        #expect(!FileManager.default.fileExists(atPath: bundle("h3")))
        try group.release("h1")
        let ended = try await report
        #expect(ended.verdict.status == .succeeded)

        var downloads: [String: String] = [:]
        for case .eventFinished(let host, .downloadBundle, let outcome) in group.reporter.events.current {
            #expect(outcome.status == .succeeded, "\(host): \(outcome.message ?? "")")
            downloads[host] = outcome.message ?? ""
        }
        #expect(downloads["h1"]?.hasSuffix("bytes") == true, "h1 uploads in its turn: \(downloads["h1"] ?? "")")
        for host in ["h2", "h3"] {
            #expect(downloads[host]?.contains("ahead of this host's turn") == true, "\(host): \(downloads[host] ?? "")")
            #expect(group.ran(host).contains("v1 ValidateService"), "\(host) ran its hooks from the unpacked bundle")
            #expect(group.lastSuccessful(host)?.hasSuffix(id.rawValue) == true)
        }
        // Each upload came once: the progress events are the turn's own uploads (h1's).
        let progressHosts = Set(group.reporter.events.current.compactMap { event -> String? in
            if case .uploadProgress(let host, _, _) = event { return host } else { return nil }
        })
        #expect(progressHosts.isSubset(of: ["h1"]))
    }

    /// CodeDeploy's OneAtATime: the first host fails, the rest are Skipped, and a skipped
    /// host keeps nothing of the deployment, although its bundle went up while the first ran.
    @Test func aHostWhoseTurnNeverComesKeepsNothingOfTheDeployment() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        try group.hold("h1")
        try group.fail("h1", .afterInstall)
        let id = DeploymentID.random()
        let request = group.request(group.plan(config: .oneAtATime), try await group.revision("v1"), id: id)
        let deployment = Deployment(request: request, ports: group.ports())
        async let report = deployment.run()
        try await group.waitUntilHolding("h1")
        let layout = HostLayout(root: group.scratch.file("hosts/h2"), groupID: group.groupID)
        let deadline = Date().addingTimeInterval(300)
        while !FileManager.default.fileExists(atPath: layout.bundleFile(id.rawValue)) {
            guard Date() < deadline else { Issue.record("h2's bundle never arrived while h1 ran"); break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try group.release("h1")
        let ended = try await report
        #expect(ended.verdict.status == .failed)
        #expect(group.ran("h2").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: layout.deploymentDir(id.rawValue)), "h2 keeps no folder of the deployment")
    }
}
