import Foundation
import Testing
import HoistCore
import HoistTestSupport
@testable import HoistEngine

/// A stop at once (the second Ctrl-C, `hoist stop --immediate`) reaches the host steps that
/// are not hooks, as it reaches hooks and uploads: Install of a huge revision and unpacking
/// its bundle are killed, not waited for. The first stop lets them finish (`UploadStopTests`
/// and `DeploymentStopTests` cover that for the upload and hooks).
@Suite struct StepStopTests {
    @Test(.timeLimit(.minutes(5)))
    func aStopAtOnceKillsARunningInstall() async throws {
        let group = try FolderGroup(["h1", "h2"])
        var revision = try await group.revision("v1")
        let pids = "\(group.control)/installing"
        // An Install that would never end: only a kill of its process group stops it.
        revision.renderInstall = { _, _ in "echo $$ >>\(shellQuote(pids))\nwhile :; do sleep 0.05; done\n" }
        let stop = StopController()
        let report = Task { try await group.deploy(revision, plan: group.plan(config: .oneAtATime), stop: stop) }
        let pid = try await Self.firstLine(of: pids)

        stop.request(.graceful, reason: "test")
        stop.request(.immediate, reason: "test")
        let ended = try await report.value

        #expect(ended.verdict.status == .stopped)
        let install = ended.hosts["h1"]?.events.first { $0.0 == .install }?.1
        #expect(install?.status == .failed)
        #expect(install?.message == "Install was stopped: the deployment was stopped immediately")
        #expect(ended.hosts["h1"]?.events.first { $0.0 == .afterInstall }?.1.status == .skipped)
        #expect(ended.verdict.hostStatuses["h2"] == .skipped)
        #expect(await Self.gone(pid), "Install's shell (pid \(pid)) was killed")
        for host in group.hosts.map(\.name) { #expect(!group.lockExists(host)) }
    }

    @Test(.timeLimit(.minutes(5)))
    func aStopAtOnceKillsUnpackingTheBundle() async throws {
        let stop = StopController()
        let (ended, connector, group) = try await Self.stopAtOnceWhileUnpacking(.untilCancelled, stop: stop)
        #expect(connector.cancelled.current)
        #expect(ended.verdict.status == .stopped)
        let download = ended.hosts["h1"]?.events.first { $0.0 == .downloadBundle }?.1
        #expect(download?.status == .failed)
        #expect(download?.message == "unpacking the bundle was stopped: the deployment was stopped immediately")
        #expect(ended.hosts["h1"]?.events.first { $0.0 == .beforeInstall }?.1.status == .skipped)
        #expect(!group.lockExists("h1"))
    }

    /// A step whose reply was already on its way when the stop came keeps its result: the
    /// bundle was unpacked, so DownloadBundle succeeded, and only what comes after it is
    /// skipped.
    @Test(.timeLimit(.minutes(5)))
    func aStepThatEndedAsTheStopCameKeepsItsResult() async throws {
        let stop = StopController()
        let (ended, _, _) = try await Self.stopAtOnceWhileUnpacking(.replyWhen { stop.level == .immediate }, stop: stop)
        #expect(ended.verdict.status == .stopped)
        let download = ended.hosts["h1"]?.events.first { $0.0 == .downloadBundle }?.1
        #expect(download?.status == .succeeded, "\(download?.message ?? "no DownloadBundle")")
        #expect(ended.hosts["h1"]?.events.first { $0.0 == .beforeInstall }?.1.status == .skipped)
    }

    /// Deploys to one folder host whose unpacking is held as `hold` says, and stops the
    /// deployment at once while it is.
    static func stopAtOnceWhileUnpacking(_ hold: HeldCommands.Hold, stop: StopController) async throws
        -> (DeploymentReport, HeldCommands, FolderGroup) {
        let group = try FolderGroup(["h1"])
        let connector = HeldCommands(containing: "tar -x", hold: hold)
        var ports = group.ports()
        ports.connector = connector
        let revision = try await group.revision("v1")
        let report = Task { try await group.deploy(revision, ports: ports, stop: stop) }
        try await connector.waitUntilReached()
        stop.request(.graceful, reason: "test")
        stop.request(.immediate, reason: "test")
        return (try await report.value, connector, group)
    }

    /// Waits (generously bounded) until `path` has a first line, a pid.
    static func firstLine(of path: String) async throws -> Int32 {
        let pid = { (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { $0.split(separator: "\n").first }.flatMap { Int32($0) } }
        guard await eventually(within: 300, { pid() != nil }), let found = pid() else {
            throw FolderGroup.FixtureError(description: "\(path) never had a line")
        }
        return found
    }

    /// Whether `pid` ends (gone, or a zombie no one has reaped yet) within a generous bound:
    /// a killed process may take a moment to be scheduled and die.
    static func gone(_ pid: Int32) async -> Bool {
        await eventually(within: 120) {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            guard let close = stat.lastIndex(of: ")") else { return false }
            return stat[close...].dropFirst(2).first == "Z"
        }
    }
}

/// Folder-host sessions that hold the commands containing a given text: until their task is
/// cancelled (they then end as killed, as the SSH session's do), or after running them, until
/// `replyWhen` holds, whatever the cancelling (a reply already on its way); or that fail them
/// as a connection lost would (`connectionLost`).
final class HeldCommands: HostConnector, @unchecked Sendable {
    enum Hold: Sendable {
        case untilCancelled
        case replyWhen(@Sendable () -> Bool)
        case connectionLost
    }

    let needle: String
    let hold: Hold
    let reached = Locked(false)
    let cancelled = Locked(false)

    init(containing needle: String, hold: Hold) {
        self.needle = needle
        self.hold = hold
    }

    func connect(_ host: HostSpec) async throws -> any HostSession {
        Session(inner: LocalHostSession(host: host), owner: self)
    }

    func waitUntilReached() async throws {
        guard await eventually(within: 300, { reached.current }) else {
            throw FolderGroup.FixtureError(description: "no command containing \(needle) ran")
        }
    }

    final class Session: ForwardingSession, @unchecked Sendable {
        let owner: HeldCommands
        init(inner: LocalHostSession, owner: HeldCommands) {
            self.owner = owner
            super.init(inner: inner)
        }
        override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                          onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
            guard command.contains(owner.needle) else {
                return try await super.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
            }
            switch owner.hold {
            case .untilCancelled:
                owner.reached.withLock { $0 = true }
                while (try? await Task.sleep(for: .milliseconds(20))) != nil {}
                owner.cancelled.withLock { $0 = true }
                return CommandResult(exitStatus: nil, signal: "TERM", timedOut: false, durationSeconds: 0)
            case .replyWhen(let ready):
                let result = try await super.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
                owner.reached.withLock { $0 = true }
                // Not cancellable: a sleep that a cancel cuts short is retried until `ready`.
                while !ready() { try? await Task.sleep(for: .milliseconds(20)) }
                return result
            case .connectionLost:
                owner.reached.withLock { $0 = true }
                throw TransportError(host: host.name, kind: .closed, message: "the connection was lost")
            }
        }
    }
}
