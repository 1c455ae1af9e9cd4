import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// `hoist local` run as a user would: the built binary on revisions written in a scratch
/// folder, installing under that folder, with the scratch folder as deployment root and HOME.
@Suite struct LocalCommandTests {
    /// The scriptable events codedeploy-local runs, in its default order.
    static let hookEvents = [
        "BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "BeforeInstall", "AfterInstall",
        "ApplicationStart", "ValidateService", "BeforeAllowTraffic", "AfterAllowTraffic",
    ]

    let scratch: ScratchDirectory
    var root: String { scratch.file("root") }
    var destination: String { scratch.file("www") }
    var hookLog: String { scratch.file("hooks.log") }

    init() throws {
        scratch = try ScratchDirectory("hoist-local")
    }

    /// A revision folder `name` installing `web/` to the destination, with one script per
    /// hook that appends `EVENT id app group tag` to the hook log. `failing` exits 7 instead.
    @discardableResult
    func revision(_ name: String, tag: String, failing: String? = nil) throws -> String {
        var hooks = ""
        for event in Self.hookEvents {
            hooks += "  \(event):\n    - location: scripts/\(event).sh\n"
            let exit = event == failing ? "echo \"\(event) is broken\" >&2\nexit 7" : "exit 0"
            try scratch.write("\(name)/scripts/\(event).sh", """
                #!/bin/sh
                echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME \(tag)" >> '\(hookLog)'
                echo "ran \(event) of \(tag)"
                \(exit)

                """, mode: 0o755)
        }
        try scratch.write("\(name)/appspec.yml", """
            version: 0.0
            os: linux
            files:
              - source: web
                destination: \(destination)
            hooks:
            \(hooks)
            """)
        try scratch.write("\(name)/web/index.html", "<h1>\(tag)</h1>\n")
        try scratch.write("\(name)/web/css/site.css", "body {}\n")
        return scratch.file(name)
    }

    func local(_ arguments: [String]) async throws -> HoistBinary.Output {
        try await HoistBinary.runDetached(["local"] + arguments + ["--deployment-root", root],
                            environment: ["HOME": scratch.path, "XDG_CACHE_HOME": scratch.file("cache")])
    }

    /// `local` with a pseudo-terminal as its stdout (`script`), as a person at a terminal runs it.
    func localOnATerminal(_ arguments: [String]) throws -> HoistBinary.Output {
        try HoistBinary.runOnATerminal(["local"] + arguments + ["--deployment-root", root],
                                       environment: ["HOME": scratch.path, "XDG_CACHE_HOME": scratch.file("cache")])
    }

    /// Hook log lines as (event, id, app, group, tag).
    func hookRuns() throws -> [[String]] {
        guard FileManager.default.fileExists(atPath: hookLog) else { return [] }
        return try String(contentsOfFile: hookLog, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// The deployment ids under `<root>/<app>_<group>`.
    func deploymentIDs(_ groupID: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(groupID)").filter { $0.hasPrefix("d-") }
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func installsFilesAndRunsTheHooksInOrderWithCodeDeploysVariables() async throws {
        let rev = try revision("shop", tag: "v1")
        let out = try await local([rev])
        #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
        #expect(out.stdout.hasSuffix("Local deployment successful\n"))
        #expect(try read("\(destination)/index.html") == "<h1>v1</h1>\n")
        #expect(try read("\(destination)/css/site.css") == "body {}\n")

        let ids = try deploymentIDs("shop_default-local-deployment-group")
        try #require(ids.count == 1)
        let runs = try hookRuns()
        // First deployment of the group: the previous revision's hooks have nothing to run.
        #expect(runs.map(\.[0]) == ["BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService", "BeforeAllowTraffic", "AfterAllowTraffic"])
        for run in runs { #expect(Array(run.dropFirst()) == [ids[0], "shop", "default-local-deployment-group", "v1"]) }

        let log = try read("\(root)/shop_default-local-deployment-group/\(ids[0])/logs/scripts.log")
        #expect(log.contains("ran ValidateService of v1"))
        #expect(log.contains("ran AfterAllowTraffic of v1"))
    }

    /// A deployment's output is best effort: written to a full disk, it is lost, and the exit
    /// code is still the deployment's (the other commands fail: `OutputLostTests`).
    @Test func aDeploymentsOutputLostToAFullDiskDoesNotChangeItsOutcome() throws {
        let rev = try revision("shop", tag: "v1")
        let out = try HoistBinary.runProgram("/bin/sh", ["-c", "exec \"$@\" > /dev/full", "sh", HoistBinary.path, "local", rev,
                                                         "--deployment-root", root],
                                             environment: ["HOME": scratch.path, "XDG_CACHE_HOME": scratch.file("cache"), "PATH": "/usr/bin:/bin"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(!out.stderr.contains("could not write the output"), "\(out.stderr)")
        #expect(try read("\(destination)/index.html") == "<h1>v1</h1>\n")
    }

    /// A hook's output cannot steer the terminal of whoever watches: on a terminal (`script`
    /// gives hoist a pseudo-terminal) its escape sequences and carriage returns show in caret
    /// notation; into a pipe, and in the host log, they go as they came.
    @Test func hookOutputShowsItsControlCharactersOnATerminal() async throws {
        let rev = try revision("esc", tag: "v1", failing: "AfterInstall")
        try scratch.write("esc/scripts/AfterInstall.sh", """
            #!/bin/sh
            printf 'before\\033]52;c;cHduZWQ=\\007\\033[2J\\rafter\\n'
            exit 7

            """, mode: 0o755)
        let terminal = try localOnATerminal([rev])
        #expect(terminal.stdout.contains("before^[]52;c;cHduZWQ=^G^[[2J^Mafter"), "\(terminal.stdout.suffix(2000))")
        #expect(!terminal.stdout.contains("\u{1b}]52"), "no clipboard write reached the terminal")

        let piped = try await local([rev])
        #expect(piped.stdout.contains("before\u{1b}]52;c;cHduZWQ=\u{07}\u{1b}[2J\rafter"), "\(piped.stdout.suffix(2000))")
    }

    /// A failed event's message can carry a path of the revision: a file whose name holds an
    /// escape sequence, where a file already exists, fails Install with that name in its
    /// message, and on a terminal the message shows it in caret notation.
    @Test func aFailedEventsMessageShowsItsControlCharactersOnATerminal() async throws {
        let rev = try revision("escname", tag: "v1")
        let name = "x\u{1b}]0;retitled\u{07}y"
        try scratch.write("escname/web/\(name)", "new\n")
        try scratch.write("www/\(name)", "someone else's\n")
        let terminal = try localOnATerminal([rev])
        #expect(terminal.stdout.contains("x^[]0;retitled^Gy"), "\(terminal.stdout.suffix(2000))")
        #expect(!terminal.stdout.contains("\u{1b}]0;retitled"), "the window title was not set")
        #expect(try read("\(destination)/\(name)") == "someone else's\n")
    }

    @Test func aSecondRunStopsTheFirstRevisionWithItsOwnScripts() async throws {
        let first = try revision("rev1", tag: "v1")
        let second = try revision("rev2", tag: "v2")
        let one = try await local([first, "--application", "shop", "--deployment-group", "staging"])
        try #require(one.status == 0, "\(one.stdout)\n\(one.stderr)")
        let two = try await local([second, "--application", "shop", "--deployment-group", "staging"])
        #expect(two.status == 0, "\(two.stdout)\n\(two.stderr)")
        #expect(try read("\(destination)/index.html") == "<h1>v2</h1>\n")

        let secondRuns = try hookRuns().dropFirst(6).map { [$0[0], $0[4]] }
        #expect(secondRuns == [
            ["BeforeBlockTraffic", "v1"], ["AfterBlockTraffic", "v1"], ["ApplicationStop", "v1"],
            ["BeforeInstall", "v2"], ["AfterInstall", "v2"], ["ApplicationStart", "v2"], ["ValidateService", "v2"],
            ["BeforeAllowTraffic", "v2"], ["AfterAllowTraffic", "v2"],
        ])
        #expect(try deploymentIDs("shop_staging").count == 2)
    }

    @Test func aFailingHookExitsThreeAndNamesTheScriptAndTheLog() async throws {
        let rev = try revision("shop", tag: "v1", failing: "AfterInstall")
        let out = try await local([rev])
        #expect(out.status == 3, "\(out.stdout)\n\(out.stderr)")
        let ids = try deploymentIDs("shop_default-local-deployment-group")
        try #require(ids.count == 1)
        let logPath = "\(root)/shop_default-local-deployment-group/\(ids[0])/logs/scripts.log"
        #expect(out.stdout.contains("AfterInstall failed in script scripts/AfterInstall.sh"))
        #expect(out.stdout.contains("See the deployment log at \(logPath)\n"))
        // Where its whole output is: the log, not `hoist logs`, which has no record of it.
        #expect(out.stdout.contains("all of its output: \(logPath)\n"), "\(out.stdout)")
        #expect(!out.stdout.contains("hoist logs"), "\(out.stdout)")
        #expect(try read(logPath).contains("AfterInstall is broken"))
        #expect(try hookRuns().map(\.[0]) == ["BeforeInstall", "AfterInstall"], "nothing runs after the failed event")
    }

    @Test(arguments: [
        // Given order is kept; DownloadBundle and Install go in front when missing.
        ("AfterInstall,BeforeInstall", ["AfterInstall", "BeforeInstall"]),
        ("ApplicationStop,DownloadBundle,BeforeInstall,Install,ValidateService", ["BeforeInstall", "ValidateService"]),
        ("ValidateService", ["ValidateService"]),
    ])
    func eventsRunInTheGivenOrder(events: String, expected: [String]) async throws {
        let rev = try revision("shop", tag: "v1")
        let out = try await local([rev, "--events", events])
        #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
        #expect(try hookRuns().map(\.[0]) == expected)
        #expect(try read("\(destination)/index.html") == "<h1>v1</h1>\n", "Install always runs")
    }

    @Test(arguments: [
        ("AfterInstal", "did you mean `AfterInstall`?"),
        ("ApplicationStart,validateservice", "did you mean `ValidateService`?"),
        ("Deploy", "not a lifecycle event"),
        ("AllowTraffic", "needs a load balancer"),
        ("Install,DownloadBundle", "The only events that can be specified before DownloadBundle are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop. Please fix the order of your specified events: Install,DownloadBundle"),
        ("AfterInstall,Install", "The only events that can be specified before Install are BeforeBlockTraffic,AfterBlockTraffic,ApplicationStop,DownloadBundle,BeforeInstall. Please fix the order of your specified events: AfterInstall,Install"),
    ])
    func badEventsAreInvalidInput(events: String, message: String) async throws {
        let rev = try revision("shop", tag: "v1")
        let out = try await local([rev, "--events", events])
        #expect(out.status == 2)
        #expect(out.stderr.contains(message), "\(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: root), "nothing was started")
        #expect(try hookRuns().isEmpty)
    }

    @Test func disallowConflictFailsAndDeletesNothing() async throws {
        try scratch.write("www/index.html", "original\n")
        try scratch.write("www/keep.txt", "mine\n")
        let rev = try revision("shop", tag: "v1")
        let out = try await local([rev, "--file-exists-behavior", "DISALLOW"])
        #expect(out.status == 3, "\(out.stdout)\n\(out.stderr)")
        #expect(out.stdout.contains("Install failed"))
        #expect(try read("\(destination)/index.html") == "original\n")
        #expect(try read("\(destination)/keep.txt") == "mine\n")
        #expect(!FileManager.default.fileExists(atPath: "\(destination)/css/site.css"))
        #expect(try hookRuns().map(\.[0]) == ["BeforeInstall"])
    }
}
