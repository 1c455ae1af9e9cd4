import Foundation
import HoistTestSupport
import Testing

/// `hoist validate`, run as the built binary on revisions the tests write.
@Suite struct ValidateCommandTests {
    @Test func aValidDirectoryPrintsItsSummary() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        let out = try HoistBinary.run(["validate", "rev"], currentDirectory: scratch.url)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.isEmpty)
        #expect(out.stdout == """
            rev: valid revision
            format: directory
            entries: 10
            hooks:
              ApplicationStop: scripts/stop.sh
              BeforeInstall: scripts/install.sh (timeout 300 s, runas root)
              ApplicationStart: scripts/start.sh
              ValidateService: scripts/check.sh (timeout 60 s)
            files to install (2):
              /var/www/app/css/site.css
              /var/www/app/index.html

            """)
    }

    @Test func aParseErrorPointsAtTheValue() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("rev/appspec.yml", RevisionFixtures.appSpec + """
            permissions:
              - object: /var/www/app
                mode: 9999

            """)
        let out = try HoistBinary.run(["validate", "rev/"], currentDirectory: scratch.url)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.split(separator: "\n").map(String.init) == [
            "rev/appspec.yml:20:11: error: permissions[0].mode: The deployment failed because the permissions mode (9999) in the application specification file contains an invalid character (9). Update the permissions section of the AppSpec file, and then try again. (a mode is 3 or 4 octal digits in quotes, e.g. \"0644\" or \"755\")",
        ])
    }

    @Test func aMissingScriptAndSourceAreErrors() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try FileManager.default.removeItem(atPath: scratch.file("rev/scripts/start.sh"))
        try scratch.write("rev/appspec.yml", RevisionFixtures.appSpec.replacingOccurrences(of: "source: web", with: "source: site"))
        let out = try HoistBinary.run(["validate", "rev"], currentDirectory: scratch.url)
        #expect(out.status == 2)
        #expect(out.stderr.split(separator: "\n").map(String.init) == [
            "rev/appspec.yml:14:7: error: hooks.ApplicationStart[0].location: Script does not exist at specified location: scripts/start.sh (add the script to the bundle, or fix `location` (it is relative to the bundle root))",
            "rev/appspec.yml:4:5: error: files[0]: the source (site) is not in the revision bundle (sources are relative to the bundle root; check the spelling and the bundle's contents)",
        ])
    }

    @Test func jsonReportsEveryDiagnostic() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try FileManager.default.removeItem(atPath: scratch.file("rev/scripts/start.sh"))
        let out = try HoistBinary.run(["validate", "--json", "rev"], currentDirectory: scratch.url)
        #expect(out.status == 2)
        #expect(out.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["path", "valid", "format", "sha256", "entries", "diagnostics", "hooks", "files"])
        #expect(object["path"] as? String == "rev")
        #expect(object["valid"] as? Bool == false)
        #expect(object["format"] as? String == "directory")
        #expect(object["sha256"] is NSNull)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 1)
        let first = try #require(diagnostics.first)
        #expect(Set(first.keys) == ["severity", "file", "line", "column", "keyPath", "message", "hint"])
        #expect(first["severity"] as? String == "error")
        #expect(first["file"] as? String == "rev/appspec.yml")
        #expect(first["line"] as? Int == 14)
        #expect(first["column"] as? Int == 7)
        #expect(first["keyPath"] as? String == "hooks.ApplicationStart[0].location")
        #expect(first["message"] as? String == "Script does not exist at specified location: scripts/start.sh")
        let hooks = try #require(object["hooks"] as? [String: [[String: Any]]])
        #expect(hooks["BeforeInstall"]?.first?["timeout"] as? Int == 300)
        #expect(hooks["BeforeInstall"]?.first?["runas"] as? String == "root")
        #expect(object["files"] as? [String] == ["/var/www/app/css/site.css", "/var/www/app/index.html"])
    }

    @Test func anArchiveShowsItsDigestAndNamesTheAppSpecInside() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        let bundled = try HoistBinary.run(["bundle", "rev", "--output", "rev.tgz"], currentDirectory: scratch.url)
        #expect(bundled.status == 0, "\(bundled.stderr)")
        let sha = String(bundled.stdout.prefix(64))
        let out = try HoistBinary.run(["validate", "rev.tgz"], currentDirectory: scratch.url)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.hasPrefix("rev.tgz: valid revision\nformat: tar.gz\nsha256: \(sha)\n"))

        let json = try HoistBinary.run(["validate", "rev.tgz", "--json"], currentDirectory: scratch.url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == true)
        #expect(object["sha256"] as? String == sha)
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true)

        // A broken archive names the AppSpec inside it.
        try FileManager.default.removeItem(atPath: scratch.file("rev/scripts/check.sh"))
        _ = try HoistBinary.run(["bundle", "rev", "--output", "broken.tgz"], currentDirectory: scratch.url)
        let broken = try HoistBinary.run(["validate", "broken.tgz"], currentDirectory: scratch.url)
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("broken.tgz!appspec.yml:16:7: error: hooks.ValidateService[0].location: Script does not exist at specified location: scripts/check.sh"))
    }

    /// A hook script saved on Windows is a warning, not an error (CodeDeploy takes the revision;
    /// the hook then fails on the host with "No such file or directory"): it names the script,
    /// why and the fix, for a directory and an archive with a leading directory. The AppSpec
    /// saved on Windows too (CRLF, a byte order mark) keeps its places.
    @Test func aHookScriptWithWindowsLineEndingsIsAWarning() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("rev/appspec.yml", "\u{FEFF}" + RevisionFixtures.appSpec.replacingOccurrences(of: "\n", with: "\r\n"))
        try scratch.write("rev/scripts/start.sh", "#!/bin/bash\r\necho hi\r\n", mode: 0o755)
        try scratch.write("rev/scripts/check.sh", "curl -fsS localhost\r\n", mode: 0o755)
        #expect(try RevisionFixtures.tar(["-czf", "lead.tgz", "rev"], in: scratch.url) == 0)
        let warnings = [
            ":14:7: warning: hooks.ApplicationStart[0].location: scripts/start.sh has Windows line endings (CRLF): its first line, `#!/bin/bash`, ends in a carriage return, which the host reads as part of `/bin/bash\\r`, so the script does not start (convert the script with `dos2unix scripts/start.sh` or `sed -i 's/\\r$//' scripts/start.sh`)",
            ":16:7: warning: hooks.ValidateService[0].location: scripts/check.sh has Windows line endings (CRLF): the shell takes the carriage return at the end of each line as part of the command (convert the script with `dos2unix scripts/check.sh` or `sed -i 's/\\r$//' scripts/check.sh`)",
        ]
        let directory = try HoistBinary.run(["validate", "rev"], currentDirectory: scratch.url)
        #expect(directory.status == 0, "\(directory.stderr)")
        #expect(directory.stderr.split(separator: "\n").map(String.init) == warnings.map { "rev/appspec.yml" + $0 })
        #expect(directory.stdout.hasPrefix("rev: valid revision\n"))

        let archive = try HoistBinary.run(["validate", "lead.tgz"], currentDirectory: scratch.url)
        #expect(archive.status == 0, "\(archive.stderr)")
        #expect(archive.stderr.split(separator: "\n").map(String.init) == warnings.map { "lead.tgz!rev/appspec.yml" + $0 })

        try RevisionFixtures.playbook(in: scratch)
        let plan = try HoistBinary.run(["plan", "web.yml"], environment: ["HOME": scratch.path], currentDirectory: scratch.url)
        #expect(plan.stderr.contains("scripts/start.sh has Windows line endings (CRLF)"), "\(plan.stderr)")
    }

    @Test func warningsArePrintedAndTheRevisionStaysValid() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("rev/appspec.yml", RevisionFixtures.appSpec + """
            permissions:
              - object: /var/www/app
                pattern: "*.htm?"
                mode: "644"

            """)
        // An archive with a leading directory: the agent strips it, and diagnostics name it.
        #expect(try RevisionFixtures.tar(["-czf", "lead.tgz", "rev"], in: scratch.url) == 0)
        let warning = ":20:14: warning: permissions[0].pattern: only `*` is a wildcard in CodeDeploy patterns; `?`, `[]` and `{}` match themselves (rewrite the pattern with `*` only)\n"
        let directory = try HoistBinary.run(["validate", "rev"], currentDirectory: scratch.url)
        #expect(directory.status == 0)
        #expect(directory.stderr == "rev/appspec.yml" + warning)
        #expect(directory.stdout.hasPrefix("rev: valid revision\n"))

        let archive = try HoistBinary.run(["validate", "lead.tgz"], currentDirectory: scratch.url)
        #expect(archive.status == 0)
        #expect(archive.stderr == "lead.tgz!rev/appspec.yml" + warning)
        #expect(archive.stdout.contains("entries: 10 (leading directory rev/ stripped, as CodeDeploy does)\n"))

        let json = try HoistBinary.run(["validate", "lead.tgz", "--json"], currentDirectory: scratch.url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == true)
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.map { $0["severity"] as? String } == ["warning"])
        #expect(diagnostics.first?["hint"] as? String == "rewrite the pattern with `*` only")
    }

    @Test func anUnsafeArchiveNamesTheEntry() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("outside.txt", "x\n")
        // GNU tar keeps "../outside.txt" as the member name with -P.
        #expect(try RevisionFixtures.tar(["-P", "-cf", "../evil.tar", "appspec.yml", "../outside.txt"],
                                         in: scratch.url.appendingPathComponent("rev")) == 0)
        let out = try HoistBinary.run(["validate", "evil.tar"], currentDirectory: scratch.url)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("evil.tar: error: entry \"../outside.txt\": "), "\(out.stderr)")
    }

    @Test func noAppSpecIsNamed() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("empty/readme.txt", "no appspec here\n")
        let out = try HoistBinary.run(["validate", "empty"], currentDirectory: scratch.url)
        #expect(out.status == 2)
        #expect(out.stderr.hasPrefix("empty/appspec.yml: error: The CodeDeploy agent did not find an AppSpec file"), "\(out.stderr)")

        let missing = try HoistBinary.run(["validate", "nowhere"], currentDirectory: scratch.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("nowhere: error: no such file or directory"))
    }

    /// A revision under review cannot steer the reviewer's terminal: on a terminal, a file name
    /// holding an escape sequence (in the list of files to install, on stdout) and an appspec
    /// value holding one (in a diagnostic, on stderr) show it in caret notation. Into a pipe,
    /// the names go as they are.
    @Test func aRevisionsNamesShowTheirControlCharactersOnATerminal() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("rev/web/x\u{1b}]0;retitled\u{07}y.html", "hi\n")
        let valid = try HoistBinary.runOnATerminal(["validate", "rev"], environment: ["HOME": scratch.path], currentDirectory: scratch.url)
        #expect(valid.stdout.contains("/var/www/app/x^[]0;retitled^Gy.html"), "\(valid.stdout)")
        #expect(!valid.stdout.contains("\u{1b}]0;"), "the window title was not set")
        let piped = try HoistBinary.run(["validate", "rev"], currentDirectory: scratch.url)
        #expect(piped.stdout.contains("/var/www/app/x\u{1b}]0;retitled\u{07}y.html"))

        try scratch.write("rev/appspec.yml", RevisionFixtures.appSpec.replacingOccurrences(
            of: "scripts/check.sh", with: #""scripts/\u001b[2Jcheck.sh""#))
        let invalid = try HoistBinary.runOnATerminal(["validate", "rev"], environment: ["HOME": scratch.path], currentDirectory: scratch.url)
        #expect(invalid.status == 2)
        #expect(invalid.stdout.contains("scripts/^[[2Jcheck.sh"), "\(invalid.stdout)")
        #expect(!invalid.stdout.contains("\u{1b}[2J"), "the screen was not cleared")
    }

    /// A file the user running hoist cannot read passed validate and plan, and deploy then
    /// failed with "Error: … cannot open" and exit 1 (an unreadable folder was refused at
    /// once). Run as nobody, with a copy of the binary it can reach (the checkout may be
    /// under /root).
    @Test(.enabled(if: getuid() == 0, "needs root to run hoist as another user"))
    func aFileThisUserCannotReadIsRefusedUpFront() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        try scratch.write("rev/app/secret.conf", "key\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: scratch.file("rev/app/secret.conf"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        let binary = scratch.file("hoist")
        // Copied by cp, not in this process: a test forking on another thread inherited the
        // copy's open descriptor, and exec failed with "Text file busy".
        let copied = try HoistBinary.runProgram("/bin/cp", [HoistBinary.path, binary], environment: [:])
        try #require(copied.status == 0, "\(copied.stderr)")
        for command in [["validate", "rev"], ["bundle", "rev", "--output", "/tmp/hoist-unreadable-\(getpid()).tar"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + command
            process.currentDirectoryURL = scratch.url
            process.environment = ["PATH": "/usr/bin:/bin", "HOME": scratch.path, "XDG_CACHE_HOME": scratch.file("cache")]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 2, "\(command): \(stderr)")
            #expect(stderr.contains("secret.conf\": Permission denied"), "\(command): \(stderr)")
        }
    }

    /// The entry and size limits guard against archive bombs, and a real application can pass
    /// them (a node_modules of 300,000 files): the message says how to raise them, and the
    /// variables do.
    @Test func theBundleLimitsCanBeRaisedAndSaySo() throws {
        let scratch = try ScratchDirectory()
        try RevisionFixtures.validRevision(in: scratch)
        let low = try HoistBinary.run(["validate", "rev"], environment: ["HOIST_BUNDLE_MAX_ENTRIES": "4"], currentDirectory: scratch.url)
        #expect(low.status == 2)
        #expect(low.stderr.contains("(the entry-count limit); raise it with HOIST_BUNDLE_MAX_ENTRIES if the revision really is this large"),
                "\(low.stderr)")
        // `hoist bundle --output` reads them too.
        let bundled = try HoistBinary.run(["bundle", "rev", "--output", scratch.file("rev.tar")], environment: ["HOIST_BUNDLE_MAX_ENTRIES": "4"],
                                          currentDirectory: scratch.url)
        #expect(bundled.status == 2 && bundled.stderr.contains("HOIST_BUNDLE_MAX_ENTRIES"), "\(bundled.stderr)")
        let raised = try HoistBinary.run(["validate", "rev"], environment: ["HOIST_BUNDLE_MAX_ENTRIES": "10"], currentDirectory: scratch.url)
        #expect(raised.status == 0, "\(raised.stderr)")
        let small = try HoistBinary.run(["validate", "rev"], environment: ["HOIST_BUNDLE_MAX_SIZE": "20"], currentDirectory: scratch.url)
        #expect(small.status == 2)
        #expect(small.stderr.contains("raise it with HOIST_BUNDLE_MAX_SIZE"), "\(small.stderr)")
        for (variable, value) in [("HOIST_BUNDLE_MAX_ENTRIES", "many"), ("HOIST_BUNDLE_MAX_SIZE", "2 gigs")] {
            let bad = try HoistBinary.run(["validate", "rev"], environment: [variable: value], currentDirectory: scratch.url)
            #expect(bad.status == 2)
            #expect(bad.stderr.hasPrefix("hoist: \(variable)=\(value) is not a"), "\(bad.stderr)")
        }
    }
}
