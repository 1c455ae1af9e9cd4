import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistCLI

/// A deployment keeps an SSH connection open to every host of its group: a process whose
/// open-file limit is too low used to fail hosts at random, with words like "the known_hosts
/// file cannot be read". Hoist raises its soft limit to the hard one, and refuses what still
/// does not fit before touching a host.
@Suite struct OpenFileLimitTests {
    @Test func eachHostAndEachJumpHostNeedsAConnection() {
        let plain = HostSpec(name: "a", address: "10.0.0.1")
        let behindTwo = HostSpec(name: "b", address: "10.0.0.2", jumps: [JumpHost(address: "j1"), JumpHost(address: "j2")])
        #expect(OpenFilesCheck.needed(for: [plain, behindTwo]) == 64 + 2 + 4)
        #expect(OpenFilesCheck.problem(hosts: [plain, behindTwo], limit: 70) == nil)
        let problem = OpenFilesCheck.problem(hosts: [plain, behindTwo], limit: 69)
        #expect(problem?.contains("2 hosts") == true && problem?.contains("70 open files") == true, "\(problem ?? "")")
        #expect(problem?.contains("may open only 69 files") == true && problem?.contains("ulimit -n 4096") == true)
        #expect(OpenFilesCheck.problem(hosts: [plain], limit: nil) == nil, "an unknown limit is not a reason to refuse")
    }

    /// A group of `count` hosts at `port` of 127.0.0.N, one address each (1: refused at once).
    func group(_ count: Int, port: Int = 1, in scratch: ScratchDirectory) throws -> (playbook: String, revision: String, env: [String: String]) {
        let revision = try RevisionFixtures.validRevision(in: scratch)
        let hosts = (1...count).map { String(format: "  f%03d: {address: 127.0.%d.%d, port: %d, tags: {role: web}}", $0, $0 / 250, $0 % 250 + 1, port) }
        let playbook = try RevisionFixtures.playbook(in: scratch, config: "AllAtOnce", extra: "ssh: {connect_timeout: 5}\n",
                                                     inventory: "hosts:\n" + hosts.joined(separator: "\n") + "\n")
        let env = ["HOME": scratch.path, "XDG_STATE_HOME": scratch.file("xdg"), "XDG_CACHE_HOME": scratch.file("cache"),
                   "HOIST_HISTORY_URL": scratch.file("history.sqlite3")]
        return (playbook, revision, env)
    }

    /// Runs `hoist ARGUMENTS` under `ulimit LIMIT` (`-n 40`: soft and hard; `-S -n 40`: soft).
    func hoist(under limit: String, _ arguments: [String], env: [String: String]) throws -> HoistBinary.Output {
        let words = ([HoistBinary.path] + arguments).map(shellQuote).joined(separator: " ")
        return try HoistBinary.runProgram("/bin/sh", ["-c", "ulimit \(limit) && exec \(words)"],
                                          environment: ProcessInfo.processInfo.environment.merging(env) { $1 })
    }

    @Test func aHardLimitTooLowForTheGroupIsRefusedBeforeAnyHost() throws {
        let scratch = try ScratchDirectory("hoist-open-files-hard")
        let g = try group(100, in: scratch)
        let run = try hoist(under: "-n 40", ["deploy", g.playbook, "--revision", g.revision], env: g.env)
        #expect(run.status == 5, "the deployment could not start: \(run.stderr)")
        #expect(run.stderr.contains("has 100 hosts") && run.stderr.contains("may open only 40 files"), "\(run.stderr)")
        #expect(run.stderr.contains("Nothing was changed on any host"), "\(run.stderr)")
        #expect(!run.stderr.contains("f001"), "no host was tried: \(run.stderr)")
    }

    /// The soft limit is raised to the hard one, for every command: `hoist ping` connects to
    /// its hosts side by side, here to a server that accepts every connection and never says a
    /// word, so all of them are open at once. Each host fails for that reason, none for want
    /// of a descriptor.
    @Test func aLowSoftLimitIsRaised() throws {
        let scratch = try ScratchDirectory("hoist-open-files-soft")
        let silent = try LoopbackSocket.listening(backlog: 256)
        defer { close(silent.fd) }
        let g = try group(100, port: silent.port, in: scratch)
        let run = try hoist(under: "-S -n 40", ["ping", g.playbook], env: g.env)
        let all = run.stdout + run.stderr
        #expect(!all.contains("Too many open files") && !all.contains("cannot be read") && !all.contains("cannot read"), "\(all)")
        #expect(all.contains("f100"), "\(all)")
    }
}
