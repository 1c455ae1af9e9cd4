import Foundation
import Testing
import HoistCore
import HoistPlanning
import HoistTestSupport
@testable import HoistEngine

/// What the engine does with a delta (`BundleDelta`): it asks for one from the bundle the
/// host's last deployment holds, sends it through the host's applier, and sends the bundle
/// whole when the host could not rebuild it, or when the session cannot decode at all.
@Suite struct DeltaFallbackTests {
    /// Deploys v1, then v2 with a delta on offer; returns v2's DownloadBundle per host and
    /// v1's digest.
    static func secondDeployment(_ group: FolderGroup, connector: (any HostConnector)?,
                                 asked: Locked<[String]>) async throws -> (messages: [String: String], first: String) {
        let first = try await group.revision("v1")
        _ = try await group.deploy(first)
        var next = try await group.revision("v2")
        let stream = group.scratch.file("delta")
        try Data("E\n".utf8).write(to: URL(fileURLWithPath: stream))
        next.delta = { base, source in
            asked.withLock { $0.append(base + " " + source.host) }
            return BundleDelta(path: stream, size: 2, baseSHA256: base)
        }
        var ports = group.ports()
        if let connector { ports.connector = connector }
        let report = try await group.deploy(next, ports: ports)
        return (report.hosts.compactMapValues { $0.events.first { $0.0 == .downloadBundle }?.1.message }, first.sha256)
    }

    @Test func aDeltaTheHostCannotApplyIsFollowedByTheWholeBundle() async throws {
        let group = try FolderGroup(["h1", "h2"])
        let connector = RejectingDeltas()
        let asked = Locked<[String]>([])
        let (messages, first) = try await Self.secondDeployment(group, connector: connector, asked: asked)
        #expect(asked.current.sorted() == [first + " h1", first + " h2"],
                "each host asked for the delta from the bundle it holds, offering to read it from itself")
        for host in ["h1", "h2"] {
            let message = messages[host] ?? ""
            #expect(message.hasPrefix("uploaded ") && message.contains("could not be applied: checksum mismatch"), "\(host): \(message)")
            #expect(!message.contains("uploading"), "the coordinator's side of the failure is left out: \(message)")
            let decoder = connector.decoders.current[host] ?? ""
            #expect(decoder.contains(group.scratch.file("hosts/\(host)")) && decoder.hasSuffix("/bundle.tar"), "\(host): \(decoder)")
        }
    }

    @Test func aSessionThatCannotDecodeSendsTheWholeBundleWithoutAWord() async throws {
        let group = try FolderGroup(["h1"])
        let asked = Locked<[String]>([])
        let (messages, _) = try await Self.secondDeployment(group, connector: nil, asked: asked)
        #expect(asked.current.count == 1)
        let message = messages["h1"] ?? ""
        #expect(message.hasPrefix("uploaded ") && !message.contains("("), "\(message)")
    }
}

/// Folder-host sessions whose hosts never rebuild a delta, as a host whose held bundle changed.
final class RejectingDeltas: HostConnector, @unchecked Sendable {
    let decoders = Locked<[String: String]>([:])

    func connect(_ host: HostSpec) async throws -> any HostSession {
        Session(inner: LocalHostSession(host: host), decoders: decoders)
    }

    final class Session: ForwardingSession, @unchecked Sendable {
        let decoders: Locked<[String: String]>
        init(inner: LocalHostSession, decoders: Locked<[String: String]>) {
            self.decoders = decoders
            super.init(inner: inner)
        }
        override func upload(localPath: String, through decoder: String, remotePath: String, mode: Int32, sha256: String,
                             progress: (@Sendable (Int64) -> Void)?) async throws -> UploadResult {
            let name = host.name
            decoders.withLock { $0[name] = decoder }
            throw TransportError(host: name, kind: .upload,
                                 message: "uploading \(localPath) to \(remotePath) failed: checksum mismatch: the host received 00, expected \(sha256)")
        }
    }
}
