import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// `hoist ping` and `hoist exec` as users run them, against the local fleet's real sshd hosts
/// with strict host key checking. Commands here only read, so they run on any host; the last
/// directly reachable host is left out because SSHFleetTests stops its sshd.
@Suite("hoist ping and exec on the local fleet")
struct PingExecTests {
    let scratch: ScratchDirectory
    let inventory = TestPaths.fleetDir.appendingPathComponent("inventory.yml").path

    init() throws {
        scratch = try ScratchDirectory("hoist-ping-exec")
    }

    func hoist(_ arguments: [String]) async throws -> HoistBinary.Output {
        try await HoistBinary.runDetached(arguments, environment: ["HOME": scratch.path])
    }

    /// Fleet hosts that no other suite disturbs, in inventory order.
    /// Every fleet host no other test may stop meanwhile: the whole pool the deploy tests share
    /// (held while `body` runs), plus the inner hosts behind the bastion. The fleet's last
    /// direct host is left out: the SSH tests stop its sshd.
    func withQuietHosts(_ body: ([String]) async throws -> Void) async throws {
        let pool = try await DeployHostPool.shared.acquireAll()
        let inner = try Fleet.load().filter { !$0.jumps.isEmpty }
        let allowed = Set((pool + inner).map(\.name))
        do {
            try await body(try Fleet.load().map(\.name).filter(allowed.contains))
        } catch {
            await DeployHostPool.shared.release(pool)
            throw error
        }
        await DeployHostPool.shared.release(pool)
    }

    /// The fleet's inventory with absolute key paths, `known_hosts` replaced, and `extra`
    /// hosts appended.
    func inventoryCopy(knownHosts: String, extra: String = "") throws -> String {
        let dir = TestPaths.fleetDir.path
        var text = try String(contentsOfFile: inventory, encoding: .utf8)
        text = text.replacingOccurrences(of: "identity_file: id_ed25519", with: "identity_file: \(dir)/id_ed25519")
        text = text.replacingOccurrences(of: "known_hosts: known_hosts", with: "known_hosts: \(knownHosts)")
        return try scratch.write("inventory.yml", text + extra)
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }

    @Test func pingsEveryHostWithStrictHostKeys() async throws {
        try await withQuietHosts { names in
            try #require(names.count >= 3, "the fleet needs at least 4 hosts")
            let out = try await hoist(["ping", inventory, "--hosts", names.joined(separator: ",")])
            #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
            let printed = lines(out.stdout)
            try #require(printed.count == names.count + 1, "\(out.stdout)")
            for (name, line) in zip(names, printed) {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                #expect(fields.count == 4 && fields[0] == name && fields[1] == "ok" && Int(fields[2]) != nil && fields[3] == "ms", "\(line)")
            }
            #expect(printed.last?.hasPrefix("\(names.count) of \(names.count) hosts ok, 0 failed") == true)
        }
    }

    /// The fleet's known_hosts, its lines split into words, with h002's line given h003's key:
    /// h002's real key no longer matches.
    func forgedKnownHosts() throws -> (h002: HostSpec, lines: [[String]]) {
        let known = try String(contentsOfFile: TestPaths.fleetDir.appendingPathComponent("known_hosts").path, encoding: .utf8)
        let hosts = try Fleet.load()
        let h002 = try #require(hosts.first { $0.name == "h002" }), h003 = try #require(hosts.first { $0.name == "h003" })
        let entries = known.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let key003 = try #require(entries.first { $0.first == h003.address && $0.count >= 3 })
        return (h002, entries.map { $0.first == h002.address ? [h002.address] + key003.dropFirst() : $0 })
    }

    @Test func aWrongHostKeyFailsThatHostOnly() async throws {
        // Hold the shared hosts so no deploy test stops these sshds meanwhile.
        try await withQuietHosts { _ in
            let (h002, forged) = try forgedKnownHosts()
            let file = try scratch.write("known_hosts", forged.map { $0.joined(separator: " ") }.joined(separator: "\n") + "\n")
            let inv = try inventoryCopy(knownHosts: file)

            let out = try await hoist(["ping", inv, "--hosts", "h002,h003"])
            #expect(out.status == 1, "\(out.stdout)\n\(out.stderr)")
            let printed = lines(out.stdout)
            #expect(printed.first?.hasPrefix("h002  FAILED  hostKey: HOST KEY CHANGED for \(h002.address)") == true, "\(out.stdout)")
            #expect(printed.dropFirst().first?.hasPrefix("h003  ok  ") == true, "\(out.stdout)")
            #expect(printed.last?.hasPrefix("1 of 2 hosts ok, 1 failed") == true)

            let json = try await hoist(["ping", inv, "--hosts", "h002,h003", "--json"])
            #expect(json.status == 1)
            let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(objects.map { $0["host"] as? String } == ["h002", "h003"])
            #expect(objects[0]["ok"] as? Bool == false && objects[0]["error_kind"] as? String == "hostKey")
            #expect(objects[0]["address"] as? String == h002.address && objects[0]["latency_ms"] is NSNull)
            #expect(objects[1]["ok"] as? Bool == true && objects[1]["latency_ms"] is Int && objects[1]["error"] is NSNull)
        }
    }

    /// The text of a file as a Windows editor saves it: CRLF line endings, a UTF-8 byte order mark.
    func savedOnWindows(_ text: String) -> String { "\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n") }

    /// known_hosts and the inventory saved on Windows work, as OpenSSH and Ansible read them:
    /// a CR left on each key made every host's key "changed".
    @Test func knownHostsAndInventorySavedOnWindowsWork() async throws {
        try await withQuietHosts { names in
            try #require(names.count >= 3, "the fleet needs at least 4 hosts")
            let known = try String(contentsOfFile: TestPaths.fleetDir.appendingPathComponent("known_hosts").path, encoding: .utf8)
            let file = try scratch.write("known_hosts_windows", savedOnWindows(known))
            let inv = try scratch.write("inventory_windows.yml", savedOnWindows(String(contentsOfFile: inventoryCopy(knownHosts: file), encoding: .utf8)))
            let hosts = Array(names.prefix(3))
            let out = try await hoist(["ping", inv, "--hosts", hosts.joined(separator: ",")])
            #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
            #expect(!out.stdout.contains("HOST KEY CHANGED"), "\(out.stdout)")
            #expect(lines(out.stdout).last?.hasPrefix("\(hosts.count) of \(hosts.count) hosts ok, 0 failed") == true, "\(out.stdout)")
        }
    }

    /// A real changed key in a CRLF known_hosts still fails, naming its line and the key it records.
    @Test func aWrongHostKeyInAWindowsKnownHostsNamesItsLineAndKey() async throws {
        try await withQuietHosts { _ in
            let (h002, forged) = try forgedKnownHosts()
            let line = try #require(forged.firstIndex { $0.first == h002.address }) + 1
            let file = try scratch.write("known_hosts", savedOnWindows(forged.map { $0.joined(separator: " ") }.joined(separator: "\n") + "\n"))
            let out = try await hoist(["ping", try inventoryCopy(knownHosts: file), "--hosts", "h002,h003"])
            #expect(out.status == 1, "\(out.stdout)\n\(out.stderr)")
            let first = lines(out.stdout).first ?? ""
            #expect(first.hasPrefix("h002  FAILED  hostKey: HOST KEY CHANGED for \(h002.address)"), "\(out.stdout)")
            #expect(first.contains(" but \(file):\(line) expects SHA256:"), "\(out.stdout)")
            #expect(lines(out.stdout).dropFirst().first?.hasPrefix("h003  ok  ") == true, "\(out.stdout)")
        }
    }

    @Test func hostKeyCheckingOffIsReportedLoudly() async throws {
        // Hold the shared hosts so no deploy test stops these sshds meanwhile.
        try await withQuietHosts { _ in
            var inv = try inventoryCopy(knownHosts: scratch.write("empty_known_hosts", ""))
            inv = try scratch.write("inventory.yml", try String(contentsOfFile: inv, encoding: .utf8)
                .replacingOccurrences(of: "host_key_checking: strict", with: "host_key_checking: off"))
            let out = try await hoist(["ping", inv, "--hosts", "h002"])
            #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
            #expect(out.stderr.contains("hoist: warning: h002: WARNING: host key checking is OFF for h002"), "\(out.stderr)")
        }
    }

    @Test func execPrefixesEachLineWithItsHost() async throws {
        try await withQuietHosts { quiet in
            let names = Array(quiet.prefix(4))
            let out = try await hoist(["exec", inventory, "--hosts", names.joined(separator: ","), "--", "hostname"])
            #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
            let printed = lines(out.stdout)
            #expect(Set(printed.prefix(names.count)) == Set(names.map { "\($0) | \($0)" }), "\(out.stdout)")
            #expect(Array(printed.suffix(names.count)) == names.map { "\($0) exit 0" })
        }
    }

    @Test func execSummarisesEveryHostsExit() async throws {
        // Hold the shared hosts so no deploy test stops these sshds meanwhile.
        try await withQuietHosts { _ in
            let fleet = TestPaths.fleetDir.path
            let inv = try inventoryCopy(knownHosts: "\(fleet)/known_hosts", extra: "  ghost:\n    address: 127.0.0.1\n    port: 1\n")
            let script = "echo oops >&2; case $(hostname) in h002) exit 0 ;; *) exit 3 ;; esac"
            let out = try await hoist(["exec", inv, "--hosts", "h002,h003,ghost", "--", script])
            #expect(out.status == 1, "\(out.stdout)\n\(out.stderr)")
            let printed = lines(out.stdout)
            #expect(printed.filter { $0.hasSuffix("! oops") }.sorted() == ["h002 ! oops", "h003 ! oops"])
            let summary = Array(printed.suffix(3))
            #expect(summary.prefix(2) == ["h002 exit 0", "h003 exit 3"])
            #expect(summary.last?.hasPrefix("ghost unreachable: ") == true, "\(out.stdout)")
        }
    }

    @Test func execTimesOutAHangingCommand() async throws {
        // Hold the shared hosts so no deploy test stops these sshds meanwhile.
        try await withQuietHosts { _ in
            let out = try await hoist(["exec", inventory, "--hosts", "h002", "--timeout", "1", "--", "sleep", "60"])
            #expect(out.status == 1)
            #expect(lines(out.stdout).last == "h002 timed out after 1.0s", "\(out.stdout)")
        }
    }

    @Test func hostileArgumentsReachTheHostUnchanged() async throws {
        // Hold the shared hosts so no deploy test stops these sshds meanwhile.
        try await withQuietHosts { _ in
            let words = ["$(id)", "it's", "two\nlines", "`uname`", "\"dq\" \\n", "; echo pwned", "*", "~"]
            let out = try await hoist(["exec", inventory, "--hosts", "h002", "--", "printf", "%s\\n"] + words)
            #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
            let expected = words.joined(separator: "\n").split(separator: "\n").map { "h002 | \($0)" } + ["h002 exit 0"]
            #expect(lines(out.stdout) == expected)
        }
    }
}
