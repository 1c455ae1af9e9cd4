import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistLoadBalancers

/// The programs that find the workers an nginx reload replaces, run by a real `sh` against
/// this machine's /proc (a shell and a sleep stand in for nginx's master and workers).
struct NginxWorkersTests {
    @Test func aPidFileWithAHostileNameIsReadAndItsChildrenListed() async throws {
        let directory = try TemporaryDirectory("nginx-workers")
        defer { directory.remove() }
        // A "master" (titled as nginx titles it) with two children that wait to be told to go.
        let pidFile = directory.file("it's $(touch pwned) `id`;.pid")
        let (started, _, _) = try await LocalShell.capture(
            "perl -e '$0 = \"nginx: master process\"; my @k = map { fork || exec(\"sleep\", 300) } 1, 2; "
                + "open(my $f, \">\", $ARGV[0]) or die; print $f \"$$\\n\"; close $f; waitpid($_, 0) for @k' \(shellQuote(pidFile)) >/dev/null 2>&1 &")
        try #require(started.succeeded)
        #expect(await eventually { FileManager.default.fileExists(atPath: pidFile) })
        var listed: (master: Int, children: [Int])?
        #expect(await eventually {
            let out = try? await LocalShell.capture(NginxWorkers.list(pidFile: pidFile))
            listed = out.flatMap { $0.0.succeeded ? NginxWorkers.parse($0.stdout) : nil }
            return listed?.children.count == 2
        })
        let (master, children) = try #require(listed)
        #expect(!FileManager.default.fileExists(atPath: directory.file("pwned")))

        let (_, serving, _) = try await LocalShell.capture(NginxWorkers.stillServing(master: master, pids: children + [999_999]))
        #expect(Set(serving.split(separator: "\n").compactMap { Int($0) }) == Set(children), "a pid that is not a child is not listed")
        for child in children { kill(pid_t(child), SIGTERM) }
        #expect(await eventually {
            let out = try? await LocalShell.capture(NginxWorkers.stillServing(master: master, pids: children))
            return out?.0.succeeded == true && out?.1.allSatisfy(\.isWhitespace) == true
        })
        kill(pid_t(master), SIGTERM)
    }

    @Test func aMissingPidFileListsNothing() async throws {
        let (result, out, _) = try await LocalShell.capture(NginxWorkers.list(pidFile: "/nonexistent/nginx.pid"))
        #expect(!result.succeeded)
        #expect(NginxWorkers.parse(out) == nil)
    }

    /// A stale pid file whose pid now belongs to another program: its children are not
    /// nginx's workers, and nothing is listed to wait on.
    @Test func aPidThatIsNoNginxMasterListsNothing() async throws {
        let directory = try TemporaryDirectory("nginx-stale")
        defer { directory.remove() }
        let pidFile = directory.file("nginx.pid")
        try "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        let (result, out, _) = try await LocalShell.capture(NginxWorkers.list(pidFile: pidFile))
        #expect(!result.succeeded)
        #expect(NginxWorkers.parse(out) == nil)
    }

    @Test(arguments: [("123 456 789\n", 123, [456, 789]), ("42\n", 42, [])])
    func theListIsTheMasterThenItsChildren(_ output: String, _ master: Int, _ children: [Int]) {
        let parsed = NginxWorkers.parse(output)
        #expect(parsed?.master == master)
        #expect(parsed?.children == children)
    }

    @Test(arguments: ["", "1 2", "abc 3", "12 x"])
    func anythingElseIsNoList(_ output: String) {
        #expect(NginxWorkers.parse(output) == nil)
    }
}
