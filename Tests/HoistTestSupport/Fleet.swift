import Foundation
import HoistCore

/// The local fleet of real sshd hosts that `scripts/fleet up N` starts, read from its
/// `hosts.tsv` (`name<TAB>address<TAB>port<TAB>tags<TAB>jump`) with the fleet's own keys and
/// known_hosts, for integration tests and the transport benchmark.
public enum Fleet {
    public struct NotUp: Error, CustomStringConvertible {
        public var dir: String
        public var description: String {
            "the local fleet is not up: run scripts/fleet up N (no hosts.tsv in \(dir); HOIST_FLEET_DIR overrides the folder)"
        }
    }

    /// Every fleet host, in file order, set up for strict host key checking.
    public static func load(dir: URL = TestPaths.fleetDir) throws -> [HostSpec] {
        let file = dir.appendingPathComponent("hosts.tsv")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw NotUp(dir: dir.path) }
        return try parse(text, dir: dir)
    }

    /// True when the fleet's hosts.tsv exists, for tests that are skipped without it.
    public static var isUp: Bool {
        FileManager.default.fileExists(atPath: TestPaths.fleetDir.appendingPathComponent("hosts.tsv").path)
    }

    /// The fleet's control script, next to the fleet folder's package (nil when absent).
    public static var script: URL? {
        let candidates = [TestPaths.fleetDir.deletingLastPathComponent().appendingPathComponent("scripts/fleet"),
                          TestPaths.packageRoot.appendingPathComponent("scripts/fleet")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func parse(_ text: String, dir: URL) throws -> [HostSpec] {
        var hosts: [HostSpec] = []
        for (index, line) in text.split(separator: "\n").enumerated() where index > 0 {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, let port = Int(fields[2]) else {
                throw NotUp(dir: "\(dir.path) (hosts.tsv line \(index + 1) is malformed: \(line))")
            }
            let tags = fields.count > 3 ? fields[3].split(separator: ",").map { pair -> Tag in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                return Tag(parts[0], parts.count > 1 ? parts[1] : nil)
            } : []
            let jumps = fields.count > 4 ? fields[4].split(separator: ",").map { jumpHost(String($0)) } : []
            hosts.append(HostSpec(
                name: fields[0], address: fields[1], port: port, user: "root",
                identityFiles: [dir.appendingPathComponent("id_ed25519").path],
                knownHostsFile: dir.appendingPathComponent("known_hosts").path,
                hostKeyChecking: .strict, jumps: jumps, tags: tags))
        }
        return hosts
    }

    /// `user@address:port`, user and port optional.
    static func jumpHost(_ text: String) -> JumpHost {
        var rest = Substring(text)
        var user: String?
        if let at = rest.firstIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        if let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]) {
            return JumpHost(address: String(rest[..<colon]), port: port, user: user)
        }
        return JumpHost(address: String(rest), user: user)
    }
}
