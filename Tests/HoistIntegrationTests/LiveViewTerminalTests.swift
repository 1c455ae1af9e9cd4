import Foundation
import HoistTestSupport
import Testing

/// The live view as a person sees it: `hoist deploy` in a real terminal (a tmux pane, 80
/// columns), read with capture-pane, interrupted with send-keys C-c.
@Suite(.serialized) struct LiveViewTerminalTests {
    @Test(.timeLimit(.minutes(10)))
    func theLiveViewShowsProgressKeepsTheCtrlCNoticeAndEndsWithATableThatFits() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("liveview", hosts: names)
            let second = names[1]
            let flag = "/srv/go-liveview", waiting = "/srv/waiting-liveview"
            for host in names {
                try? FileManager.default.removeItem(atPath: group.hostPath(host, srv: "go-liveview"))
                try? FileManager.default.removeItem(atPath: group.hostPath(host, srv: "waiting-liveview"))
            }
            let revision = try group.revision("slow", version: "slow", hookBody: """
                if [ "$LIFECYCLE_EVENT" = AfterInstall ] && [ "$HOIST_HOST" = \(second) ]; then
                  touch \(waiting); i=0
                  while [ ! -e \(flag) ]; do i=$((i + 1)); [ $i -le 1200 ] || exit 9; sleep 0.1; done
                fi
                """)
            let tmux = try Tmux(width: 80, height: 60)
            defer { tmux.kill() }
            let command = [HoistBinary.path, "deploy", group.playbook, "--revision", revision,
                           "--hosts", names.joined(separator: ","), "--db", group.db].map(Tmux.quote).joined(separator: " ")
            // C-c goes to the pane's whole process group: the shell (no job control here)
            // traps it, so it lives on to print the exit code, as a login shell would.
            try tmux.start("trap : INT; HOIST_LOCK_HEARTBEAT=0.5 \(command); echo EXIT=$?; exec cat")

            try eventually("the second host's hook to wait", timeout: 120) { group.hostFile(second, "waiting-liveview") != nil }
            try eventually("the status block to show elapsed time and an ETA", timeout: 30) {
                let screen = try tmux.capture()
                return screen.contains("elapsed") && screen.contains("ETA ~") && screen.contains("\(second): AfterInstall")
            }
            let running = try tmux.capture()
            #expect(running.contains("1/2 done: 1 ok, 0 failed; 1 running"), "\(running)")
            #expect(running.range(of: #"AfterInstall [0-9.]+m?[0-9]*s of 60m00s timeout"#, options: .regularExpression) != nil, "\(running)")

            try tmux.sendKeys("C-c")
            try eventually("the Ctrl-C acknowledgement", timeout: 60) { try tmux.capture().contains("stopping") }
            // Redraws go on while the hook runs; the acknowledgement must survive them.
            try eventually("two more redraws", timeout: 30) {
                let screen = try tmux.capture()
                return screen.contains("stopping") && screen.contains("elapsed")
            }
            _ = FileManager.default.createFile(atPath: group.hostPath(second, srv: "go-liveview"), contents: Data())
            try eventually("hoist to end", timeout: 120) { try tmux.capture().contains("EXIT=") }

            let screen = try tmux.capture()
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(screen.contains("EXIT=4"), "stopped: \(screen)")
            #expect(screen.contains("stopping"), "the acknowledgement is still on screen: \(screen)")
            #expect(screen.contains("Ctrl-C again"), "it says what a second Ctrl-C does: \(screen)")
            let header = try #require(lines.firstIndex { $0.hasPrefix("HOST ") }, "a summary table: \(screen)")
            let exit = try #require(lines.firstIndex { $0.hasPrefix("EXIT=") })
            let table = Array(lines[header..<exit])
            // The verdict after the table is a sentence (CodeDeploy's message) and may wrap.
            #expect(table.dropLast().allSatisfy { $0.count <= 80 }, "every row fits 80 columns: \(table)")
            #expect(table[0].range(of: #"^HOST +STATUS +TIME +DETAIL$"#, options: .regularExpression) != nil, "\(table[0])")
            for host in names {
                let row = try #require(table.first { $0.hasPrefix(host + " ") }, "\(host) has a row: \(table)")
                #expect(row.range(of: #"^\S+ +(Succeeded|Failed|Skipped|Unknown) +\S+( +.*)?$"#, options: .regularExpression) != nil,
                        "columns apart, status whole: \(row)")
            }
            #expect(table.last?.hasPrefix("deployment ") == true && table.last?.contains(" Stopped") == true,
                    "the verdict is the last line: \(table)")
            for host in names {
                try? FileManager.default.removeItem(atPath: group.hostPath(host, srv: "go-liveview"))
                try? FileManager.default.removeItem(atPath: group.hostPath(host, srv: "waiting-liveview"))
            }
        }
    }
}

extension LiveViewTerminalTests {
    /// A failed deployment and its automatic rollback on a terminal (`script`): each status
    /// block goes when its deployment ends, whatever is said after the verdict, so the screen
    /// holds no block and ends with the line that ties the verdicts to the exit code.
    @Test(.timeLimit(.minutes(10)))
    func aFailureAndItsRollbackLeaveNoStatusBlockAndEndWithTheClosingLine() async throws {
        try await withFleetHosts(2) { names in
            let group = try FleetGroup("liverollback", hosts: names, extra: "auto_rollback: {on_failure: true}")
            let first = try group.deploy(try group.revision("v1", version: "v1"))
            try #require(first.status == 0, "\(first.stderr)")
            let bad = try group.revision("v2", version: "v2", hookBody: "[ \"$LIFECYCLE_EVENT\" = AfterInstall ] && exit 9 || true")
            let out = try HoistBinary.runOnATerminal(
                ["deploy", group.playbook, "--revision", bad, "--hosts", names.joined(separator: ","), "--db", group.db],
                environment: ["HOME": ProcessInfo.processInfo.environment["HOME"] ?? "/root"])
            #expect(out.status == 3, "\(out.stdout.suffix(3000))")
            let screen = TerminalScreen.lines(out.stdout).filter { !$0.isEmpty }
            #expect(!screen.contains { $0.range(of: #"^\[[0-9]+/[0-9]+ done: "#, options: .regularExpression) != nil },
                    "no status block is left on screen: \(screen.suffix(30))")
            #expect(screen.contains { $0.contains("rolling back") }, "\(screen.suffix(30))")
            #expect(screen.last?.hasPrefix("deployment d-") == true && screen.last?.hasSuffix("the automatic rollback succeeded; exit 3") == true,
                    "the closing line is the last: \(screen.suffix(10))")
        }
    }
}

/// A tmux server of the test's own (its own socket), one session, one pane.
struct Tmux {
    let socket = "hoist-test-\(UUID().uuidString.prefix(8))"
    let width: Int, height: Int

    init(width: Int, height: Int) throws {
        self.width = width
        self.height = height
    }

    static func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The server `new-session -d` starts lives on until `kill`; the client returns at once.
    func start(_ shellCommand: String) throws {
        try run(["new-session", "-d", "-s", "t", "-x", String(width), "-y", String(height), "sh", "-c", shellCommand])
    }

    func sendKeys(_ keys: String) throws { try run(["send-keys", "-t", "t", keys]) }

    /// The pane's whole history and screen, wrapped lines joined; with `escapes`, colours
    /// and attributes as escape sequences.
    func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p", "-J"] + (escapes ? ["-e"] : []) + ["-S", "-", "-t", "t"])
    }

    func kill() { _ = try? run(["kill-server"]) }

    /// One tmux client command, spawned and reaped like `hoist` itself (posix_spawn, waitpid,
    /// no descriptor of the test process but its own pipes, so the server it may start holds
    /// none of ours). Foundation's `Process` sometimes never noticed such a client had ended.
    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "TMUX")
        environment.removeValue(forKey: "NO_COLOR")
        let result = try HoistBinary.runProgram("/usr/bin/tmux", ["-L", socket, "-f", "/dev/null"] + arguments, environment: environment)
        guard result.status == 0 else { throw TmuxFailed(arguments: arguments, status: result.status, stderr: result.stderr) }
        return result.stdout
    }
}

struct TmuxFailed: Error, CustomStringConvertible {
    var arguments: [String], status: Int32, stderr: String
    var description: String { "tmux \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
}

/// NO_COLOR and TERM=dumb on a real terminal.
@Suite(.serialized) struct TerminalEnvironmentTests {
    @Test(.timeLimit(.minutes(10)))
    func noColorDropsColoursAndADumbTerminalGetsPlainLines() async throws {
        try await withFleetHosts(1) { names in
            let group = try FleetGroup("termenv", hosts: names)
            let revision = try group.revision("v1", version: "v1")
            let deploy = [HoistBinary.path, "deploy", group.playbook, "--revision", revision, "--hosts", names[0], "--db", group.db]
                .map(Tmux.quote).joined(separator: " ")

            let colours = try Tmux(width: 100, height: 50)
            defer { colours.kill() }
            try colours.start("NO_COLOR=1 \(deploy); echo EXIT=$?; \(deploy); echo EXIT=$?; exec cat")
            try eventually("both runs to end", timeout: 180) { try colours.capture().components(separatedBy: "EXIT=0").count == 3 }
            let withEscapes = try colours.capture(escapes: true)
            let runs = withEscapes.components(separatedBy: "EXIT=0")
            #expect(!runs[0].contains("\u{1b}[32m") && !runs[0].contains("\u{1b}[31m"), "NO_COLOR: no colour codes")
            #expect(runs[1].contains("\u{1b}[32m"), "without NO_COLOR the live view colours ✔ green")

            let dumb = try Tmux(width: 100, height: 50)
            defer { dumb.kill() }
            try dumb.start("TERM=dumb \(deploy); echo EXIT=$?; exec cat")
            try eventually("the run to end", timeout: 120) { try dumb.capture().contains("EXIT=") }
            let screen = try dumb.capture()
            #expect(screen.contains("EXIT=0"))
            #expect(screen.range(of: PlainOutputTests.stamp + #"deployment d-"#, options: [.regularExpression, .anchored]) != nil
                        || screen.split(separator: "\n").contains { $0.range(of: PlainOutputTests.stamp + "deployment d-", options: .regularExpression) != nil },
                    "TERM=dumb: timestamped plain lines: \(screen)")
            #expect(!screen.contains("done:"), "no status block: \(screen)")
        }
    }
}
