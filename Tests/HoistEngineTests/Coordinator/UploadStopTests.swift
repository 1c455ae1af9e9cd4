import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A stop during uploads (a large revision on a slow link): the first stop cancels the
/// upload ahead of a host whose turn will not come, and lets the running host's upload go
/// on, as a running hook does; the second stops that one too.
@Suite struct UploadStopTests {
    @Test func theFirstStopCancelsUploadsAheadAndTheSecondTheRunningOne() async throws {
        let group = try FolderGroup(["h1", "h2", "h3"])
        let stop = StopController()
        let (connector, report) = try await Self.stopWhileUploading(group, stop: stop)
        #expect(Set(connector.state.current.started) == ["h1", "h2"], "nothing new started")

        stop.request(.immediate, reason: "test")
        let ended = try await report.value
        #expect(connector.state.current.cancelled == ["h2", "h1"])
        #expect(ended.verdict.status == .stopped)
        let download = ended.hosts["h1"]?.events.first { $0.0 == .downloadBundle }?.1
        #expect(download?.status == .failed)
        #expect(download?.message == "the upload was stopped: the deployment was stopped immediately")
        #expect(ended.hosts["h1"]?.events.first { $0.0 == .beforeInstall }?.1.status == .skipped)
        #expect(ended.verdict.hostStatuses["h2"] == .skipped)
        #expect(ended.verdict.hostStatuses["h3"] == .skipped)
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
    }

    @Test func theFirstStopLetsTheRunningHostsUploadFinish() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let (connector, report) = try await Self.stopWhileUploading(group, stop: StopController())
        connector.finish("h1")
        let ended = try await report.value
        #expect(ended.verdict.status == .stopped)
        #expect(ended.hosts["h1"]?.events.first { $0.0 == .downloadBundle }?.1.status == .succeeded)
        #expect(ended.hosts["h1"]?.events.first { $0.0 == .beforeInstall }?.1.status == .skipped)
        #expect(connector.state.current.cancelled == ["h2"])
    }

    /// Deploys OneAtATime with uploads that hang; once h1 uploads in its turn and h2 ahead of
    /// its own, asks for the first stop and waits until it has cancelled h2's upload.
    static func stopWhileUploading(_ group: FolderGroup, stop: StopController) async throws
        -> (StalledUploads, Task<DeploymentReport, any Error>) {
        let connector = StalledUploads()
        var ports = group.ports()
        ports.connector = connector
        let (revision, plan) = (try await group.revision("v1"), group.plan(config: .oneAtATime))
        let report = Task { try await group.deploy(revision, plan: plan, ports: ports, stop: stop) }
        try await connector.waitFor { Set($0.started) == ["h1", "h2"] }
        stop.request(.graceful, reason: "test")
        try await connector.waitFor { $0.cancelled == ["h2"] }
        return (connector, report)
    }
}

/// Folder-host sessions whose uploads hang, as on a link too slow to finish, until they are
/// cancelled (they then throw, as the SSH session does) or `finish` lets them go on.
final class StalledUploads: HostConnector, @unchecked Sendable {
    struct State: Sendable { var started: [String] = []; var cancelled: [String] = []; var finished: Set<String> = [] }
    let state = Locked(State())

    func connect(_ host: HostSpec) async throws -> any HostSession {
        Session(inner: LocalHostSession(host: host), state: state)
    }

    func finish(_ host: String) { state.withLock { _ = $0.finished.insert(host) } }

    /// Waits (generously bounded) until the uploads' state satisfies `done`.
    func waitFor(_ done: @escaping (State) -> Bool) async throws {
        guard await eventually(within: 300, { done(state.current) }) else {
            throw FolderGroup.FixtureError(description: "uploads: \(state.current)")
        }
    }

    final class Session: ForwardingSession, @unchecked Sendable {
        let state: Locked<State>
        init(inner: LocalHostSession, state: Locked<State>) {
            self.state = state
            super.init(inner: inner)
        }
        override func upload(localPath: String, remotePath: String, mode: Int32, sha256: String,
                             progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
            let name = host.name
            state.withLock { $0.started.append(name) }
            while !state.current.finished.contains(name) {
                do {
                    try await Task.sleep(for: .milliseconds(20))
                } catch {
                    state.withLock { $0.cancelled.append(name) }
                    throw TransportError(host: name, kind: .upload, message: "the upload was stopped")
                }
            }
            return try await inner.upload(localPath: localPath, remotePath: remotePath, mode: mode, sha256: sha256, progress: progress)
        }
    }
}
