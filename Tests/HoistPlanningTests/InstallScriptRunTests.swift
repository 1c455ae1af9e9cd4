import Foundation
import HoistCore
import HoistPlanning
import Testing

/// Rendered install scripts run with /bin/sh against temporary directories.
@Suite struct InstallScriptRunTests {
    static let copyApp = "files:\n  - source: app\n    destination: @DEST/www\n"

    @Test func freshInstallCopiesAndRecordsWhatItCreated() throws {
        let box = try ScriptSandbox()
        let result = try box.install(Self.copyApp, files: ["app/index.html": "hello", "app/css/site.css": "body{}", "app/current": "->index.html"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/index.html") == "hello")
        #expect(box.read(box.dest + "/www/css/site.css") == "body{}")
        #expect(box.linkTarget(box.dest + "/www/current") == "index.html")
        // dest already existed, so it is not recorded (and never removed by cleanup).
        #expect(box.cleanupLines() == [
            "@DEST/www", "@DEST/www/css", "@DEST/www/css/site.css", "@DEST/www/current", "@DEST/www/index.html",
        ])
        #expect(!box.exists(box.cleanupFile + ".partial"))
    }

    @Test func disallowReportsEveryConflictAndDeletesNothing() throws {
        let box = try ScriptSandbox()
        #expect(try box.install(Self.copyApp, files: ["app/a": "1"]).status == 0)
        // Files put there by hand (not by the previous install) conflict.
        try box.write(box.dest + "/www/b", "mine")
        try box.write(box.dest + "/www/c", "mine too")
        let result = try box.install(Self.copyApp, files: ["app/a": "2", "app/b": "2", "app/c": "2"])
        #expect(result.status == InstallCommands.ExitCode.conflicts)
        #expect(result.stderr == """
            The deployment failed because a specified file already exists at this location: \(box.dest)/www/b
            The deployment failed because a specified file already exists at this location: \(box.dest)/www/c

            """)
        // Nothing was deleted: not the previous install's file, not its cleanup file.
        #expect(box.read(box.dest + "/www/a") == "1")
        #expect(box.read(box.dest + "/www/b") == "mine")
        #expect(box.cleanupLines() == ["@DEST/www", "@DEST/www/a"])
    }

    /// The previous install made `www/logs`; the app wrote into it since; the new revision has
    /// a file `logs`. The cleanup cannot remove the directory, so the copy would fail after it:
    /// that is a conflict, found before anything is deleted, whatever the behaviour.
    @Test(arguments: [FileExistsBehavior.disallow, .overwrite])
    func aDirectoryOfThePreviousInstallHoldingStrayFilesConflictsWithAFile(_ behavior: FileExistsBehavior) throws {
        let box = try ScriptSandbox()
        #expect(try box.install(Self.copyApp, files: ["app/a": "1", "app/logs/keep": "1"], behavior: behavior).status == 0)
        try box.write(box.dest + "/www/logs/app.log", "written by the app")
        let before = box.cleanupLines()
        let result = try box.install(Self.copyApp, files: ["app/a": "2", "app/logs": "now a file"], behavior: behavior)
        #expect(result.status == InstallCommands.ExitCode.conflicts, "\(result.stderr)")
        #expect(result.stderr.contains("a specified file already exists at this location: \(box.dest)/www/logs\n"), "\(result.stderr)")
        #expect(box.read(box.dest + "/www/a") == "1", "the previous revision's files are untouched")
        #expect(box.read(box.dest + "/www/logs/keep") == "1")
        #expect(box.read(box.dest + "/www/logs/app.log") == "written by the app")
        #expect(box.cleanupLines() == before)
    }

    @Test func aDirectoryOfThePreviousInstallThatEmptiesMakesRoomForAFile() throws {
        let box = try ScriptSandbox()
        #expect(try box.install(Self.copyApp, files: ["app/logs/keep": "1"]).status == 0)
        let result = try box.install(Self.copyApp, files: ["app/logs": "now a file"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/logs") == "now a file")
    }

    @Test func filesOfThePreviousInstallDoNotConflictAndRemovedOnesAreDeleted() throws {
        let box = try ScriptSandbox()
        #expect(try box.install(Self.copyApp, files: ["app/a": "1", "app/old/x": "1"]).status == 0)
        let result = try box.install(Self.copyApp, files: ["app/a": "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/a") == "2")
        #expect(!box.exists(box.dest + "/www/old/x"))
        #expect(!box.exists(box.dest + "/www/old"))
        #expect(box.cleanupLines() == ["@DEST/www", "@DEST/www/a"])
    }

    @Test func cleanupKeepsDirectoriesThatGainedOtherFiles() throws {
        let box = try ScriptSandbox()
        #expect(try box.install(Self.copyApp, files: ["app/logs/keep": "1"]).status == 0)
        try box.write(box.dest + "/www/logs/app.log", "written by the app")
        #expect(try box.install(Self.copyApp, files: ["app/a": "1"]).status == 0)
        #expect(box.read(box.dest + "/www/logs/app.log") == "written by the app")
        #expect(!box.exists(box.dest + "/www/logs/keep"))
    }

    /// Install keeps its working lists beside the script (`install.work`); a second run there
    /// must not act on the first one's: its conflicts, its strays, its files to remove.
    @Test func aRunDoesNotReuseTheListsOfTheRunBefore() throws {
        let box = try ScriptSandbox()
        #expect(try box.install(Self.copyApp, files: ["app/a": "1", "app/logs/keep": "1"]).status == 0)
        try box.write(box.dest + "/www/logs/app.log", "written by the app")
        try box.write(box.dest + "/www/b", "mine")
        let refused = try box.install(Self.copyApp, files: ["app/a": "2", "app/b": "2", "app/logs": "a file"])
        #expect(refused.status == InstallCommands.ExitCode.conflicts)
        #expect(box.read(box.root.appendingPathComponent("install.work/conflicts").path)?.contains("/www/logs\n") == true)
        // RETAIN checks no files: the refused run's conflicts and strays are not this run's.
        let kept = try box.install(Self.copyApp, files: ["app/a": "3", "app/b": "3"], behavior: .retain)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(box.read(box.dest + "/www/a") == "3")
        #expect(box.read(box.dest + "/www/b") == "mine")
        #expect(box.read(box.dest + "/www/logs/app.log") == "written by the app")
        #expect(!box.exists(box.dest + "/www/logs/keep"), "the first install's file went with its cleanup")
        #expect(box.cleanupLines() == ["@DEST/www/a"])
    }

    @Test func overwriteReplacesAndRecords() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/www/a", "mine")
        let result = try box.install(Self.copyApp, files: ["app/a": "new"], behavior: .overwrite)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/a") == "new")
        #expect(box.cleanupLines() == ["@DEST/www/a"])
    }

    @Test func retainKeepsExistingFilesUnrecordedAndUntouched() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/www/a", "mine")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.dest + "/www/a")
        let body = Self.copyApp + "permissions:\n  - object: @DEST/www\n    mode: \"0644\"\n"
        let result = try box.install(body, files: ["app/a": "new", "app/b": "new"], behavior: .retain)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/a") == "mine")
        #expect(box.mode(box.dest + "/www/a") == 0o600)
        #expect(box.mode(box.dest + "/www/b") == 0o644)
        #expect(box.cleanupLines() == ["@DEST/www/b"])
    }

    @Test func chmodAppliesToInstalledPathsOnly() throws {
        let box = try ScriptSandbox()
        try FileManager.default.createDirectory(atPath: box.dest + "/www", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: box.dest + "/www")
        let body = Self.copyApp + """
            permissions:
              - object: @DEST/www
                type: [file]
                mode: "0640"
              - object: @DEST/www
                type: [directory]
                mode: "0700"
            """
        let result = try box.install(body, files: ["app/a": "1", "app/d/b": "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.mode(box.dest + "/www/a") == 0o640)
        #expect(box.mode(box.dest + "/www/d/b") == 0o640)
        #expect(box.mode(box.dest + "/www/d") == 0o700)
        // The object itself (and a directory that already existed) keeps its mode.
        #expect(box.mode(box.dest + "/www") == 0o755)
    }

    @Test func anInterruptedInstallIsCleanedUpFromItsJournal() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/old/a", "1")
        try box.write(box.dest + "/old/b", "2")
        // A crash mid-write leaves an unterminated last line, which is not trusted.
        try box.write(box.cleanupFile + ".partial", "\(box.dest)/old\n\(box.dest)/old/a\n\(box.dest)/old/b")
        let result = try box.install(Self.copyApp, files: ["app/x": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!box.exists(box.dest + "/old/a"))
        #expect(box.read(box.dest + "/old/b") == "2")
        #expect(box.exists(box.dest + "/old"))
        #expect(box.cleanupLines() == ["@DEST/www", "@DEST/www/x"])
    }

    /// The journal's cut last line records nothing: with DISALLOW, the file there is someone
    /// else's, a conflict found before anything is deleted.
    @Test func theCutLineOfAJournalIsNotTheInstallsOwn() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/www/a", "old a")
        try box.write(box.dest + "/www/b", "old b")
        try box.write(box.cleanupFile + ".partial", "\(box.dest)/www/a\n\(box.dest)/www/b")
        let result = try box.install(Self.copyApp, files: ["app/a": "1", "app/b": "2"])
        #expect(result.status == InstallCommands.ExitCode.conflicts)
        #expect(result.stderr == "The deployment failed because a specified file already exists at this location: \(box.dest)/www/b\n")
        #expect(box.read(box.dest + "/www/a") == "old a")
    }

    @Test func hostileNamesStayWords() throws {
        let box = try ScriptSandbox()
        let name = "it's $(touch pwned) `touch pwned2` \"q\" ; ok"
        // The queues of directories and files are one path a line, read by `xargs -d`:
        // backslashes, quotes, leading dashes and spaces stay part of the name.
        let odd = "-n \\t back\\slash 'x' \"y\"  "
        let result = try box.install(Self.copyApp, files: ["app/\(name)": "safe", "app/\(odd)/\(odd)": "odd"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/\(name)") == "safe")
        #expect(box.read(box.dest + "/www/\(odd)/\(odd)") == "odd")
        #expect(box.cleanupLines()?.contains("@DEST/www/\(odd)/\(odd)") == true)
        #expect(!box.exists(box.root.path + "/pwned") && !box.exists(box.root.path + "/pwned2"))
        // A redeploy removes the previous files by the names the shell read from its lists.
        let again = try box.install(Self.copyApp, files: ["app/\(odd)/\(odd)": "odd again"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!box.exists(box.dest + "/www/\(name)"))
        #expect(box.read(box.dest + "/www/\(odd)/\(odd)") == "odd again")
        #expect(!box.exists(box.root.path + "/pwned") && !box.exists(box.root.path + "/pwned2"))
    }

    static let aclSupported: Bool = {
        guard let box = try? ScriptSandbox() else { return false }
        let probe = box.dest + "/probe"
        guard (try? box.write(probe, "x")) != nil,
            let result = try? box.run("setfacl -m u:nobody:r -- '\(probe)'")
        else { return false }
        return result.status == 0
    }()

    @Test(.enabled(if: aclSupported, "setfacl is missing or this filesystem refuses ACLs"))
    func setfaclCompletesTheACLFromTheMode() throws {
        let box = try ScriptSandbox()
        let body = Self.copyApp + """
            permissions:
              - object: @DEST/www
                type: [file]
                mode: "0640"
                acls: [u:nobody:rwx]
              - object: @DEST/www
                type: [directory]
                acls: [g:nogroup:rx, d:u:nobody:r]
            """
        let result = try box.install(body, files: ["app/a": "1", "app/d/b": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        // As CodeDeploy does, the base entries and the mask come from the mode (0640).
        let fileACL = try box.run("getfacl -cpE -- '\(box.dest)/www/a'").stdout
        #expect(fileACL.split(separator: "\n").sorted() == [
            "group::r--", "mask::r--", "other::---", "user::rw-", "user:nobody:rwx",
        ])
        let dirACL = try box.run("getfacl -cpE -- '\(box.dest)/www/d'").stdout
        #expect(dirACL.contains("group:nogroup:r-x"))
        #expect(dirACL.contains("default:user:nobody:r--"))
        #expect(dirACL.contains("default:mask::"))
    }
}

/// Rarer situations of the rendered script.
@Suite struct InstallScriptEdgeTests {
    static let copyApp = InstallScriptRunTests.copyApp

    @Test func overwriteStillRefusesADirectoryWhereAFileGoes() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/www/a/inside", "x")
        try box.write(box.dest + "/www/keep", "x")
        let result = try box.install(Self.copyApp, files: ["app/a": "1"], behavior: .overwrite)
        #expect(result.status == InstallCommands.ExitCode.conflicts)
        #expect(result.stderr == "The deployment failed because a specified file already exists at this location: \(box.dest)/www/a\n")
        #expect(box.read(box.dest + "/www/a/inside") == "x")
    }

    @Test func aFileWhereADirectoryGoesIsAConflictWhateverTheBehaviour() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/www", "a file")
        let result = try box.install(Self.copyApp, files: ["app/a": "1"], behavior: .retain)
        #expect(result.status == InstallCommands.ExitCode.conflicts)
        #expect(result.stderr == "The deployment failed because a specified file already exists at this location: \(box.dest)/www\n")
    }

    @Test func aDanglingSymlinkAtADestinationIsAConflict() throws {
        let box = try ScriptSandbox()
        try FileManager.default.createDirectory(atPath: box.dest + "/www", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: box.dest + "/www/a", withDestinationPath: "/nonexistent")
        let result = try box.install(Self.copyApp, files: ["app/a": "1"])
        #expect(result.status == InstallCommands.ExitCode.conflicts)
    }

    @Test func semanageRecordsInTheCleanupFileAreNotPaths() throws {
        let box = try ScriptSandbox()
        try box.write(box.dest + "/www/a", "old")
        // Previous install: a file and its SELinux record (semanage is absent here, so the
        // record is dropped quietly, as CodeDeploy ignores semanage's exit status).
        try box.write(box.cleanupFile, "\(box.dest)/www/a\nsemanage\u{0}\(box.dest)/www/a\n")
        let result = try box.install(Self.copyApp, files: ["app/a": "new"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(box.dest + "/www/a") == "new")
        #expect(box.cleanupLines() == ["@DEST/www/a"])
    }

    @Test func aFailedCopyExitsWithTheFailureCode() throws {
        let box = try ScriptSandbox()
        let entries = try box.unpack(["app/a": "1"])
        let spec = try appSpec("files:\n  - source: app\n    destination: \(box.dest)/www\n")
        let plan = try #require(InstallPlanner.plan(spec, entries: entries + [BundleEntry(path: "app/gone", kind: .file)]).plan)
        let script = InstallCommands.render(plan: plan, revisionRoot: box.revision.path, cleanupFile: box.cleanupFile, fileExistsBehavior: .disallow)
        let result = try box.run(script)
        #expect(result.status == InstallCommands.ExitCode.failed)
        #expect(result.stderr.hasSuffix("Could not copy files from \(box.revision.path)/app to \(box.dest)/www.\n"))
        // The journal holds what was installed so far, so the next run can clean it up.
        #expect(box.read(box.cleanupFile + ".partial")?.split(separator: "\n").map(String.init) == [
            "\(box.dest)/www", "\(box.dest)/www/a", "\(box.dest)/www/gone",
        ])
    }
}

/// The conflict check must stay linear: one grep, not one per file.
@Suite struct InstallScriptScaleTests {
    @Test func aRedeployOfManyFilesChecksThemInOnePass() throws {
        let box = try ScriptSandbox()
        var files: [String: String] = [:]
        for i in 0..<300 { files["app/d\(i % 20)/f\(i)"] = "\(i)" }
        #expect(try box.install(InstallScriptRunTests.copyApp, files: files).status == 0)
        try box.write(box.dest + "/www/d3/by-hand", "x")
        files["app/d3/by-hand"] = "new"
        let result = try box.install(InstallScriptRunTests.copyApp, files: files)
        #expect(result.status == InstallCommands.ExitCode.conflicts)
        #expect(result.stderr == "The deployment failed because a specified file already exists at this location: \(box.dest)/www/d3/by-hand\n")
        #expect(box.cleanupLines()?.count == 321)
    }
}

/// Lists longer than the shell reads itself (`hoist_few`) go through xargs: a redeploy of
/// hundreds of files removes, makes and copies every one of them.
@Suite struct InstallScriptLongListTests {
    @Test func aRedeployOfManyFilesReplacesEachOne() throws {
        let box = try ScriptSandbox()
        func files(_ range: Range<Int>, _ text: String) -> [String: String] {
            Dictionary(uniqueKeysWithValues: range.map { ("app/d \($0 % 90)/f '\($0)'", "\(text) \($0)") })
        }
        #expect(try box.install(InstallScriptRunTests.copyApp, files: files(0..<300, "old")).status == 0)
        let result = try box.install(InstallScriptRunTests.copyApp, files: files(100..<400, "new"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect((0..<100).allSatisfy { !box.exists(box.dest + "/www/d \($0 % 90)/f '\($0)'") })
        #expect((100..<400).allSatisfy { box.read(box.dest + "/www/d \($0 % 90)/f '\($0)'") == "new \($0)" })
        #expect(box.cleanupLines()?.count == 1 + 90 + 300)
    }

    /// The journal of an interrupted install too long for the shell to read itself: only its
    /// unterminated last line is dropped.
    @Test func aLongJournalLosesOnlyItsCutLine() throws {
        let box = try ScriptSandbox()
        let old = (0..<100).map { "\(box.dest)/old/f\($0)" }
        for path in old { try box.write(path, "x") }
        try box.write(box.cleanupFile + ".partial", ([box.dest + "/old"] + old).joined(separator: "\n"))
        let result = try box.install(InstallScriptRunTests.copyApp, files: ["app/x": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(old.dropLast().allSatisfy { !box.exists($0) })
        #expect(box.read(old[99]) == "x")
        #expect(box.cleanupLines() == ["@DEST/www", "@DEST/www/x"])
    }
}

/// Ownership changes need root; the test machine's runner usually is.
@Suite struct InstallScriptOwnershipTests {
    static let isRoot = getuid() == 0

    /// More paths than one `hoist_perms` line holds, with files already there (RETAIN keeps
    /// them, so they are not this run's) between them: every installed path gets the mode,
    /// and only those.
    @Test func aPatternOverManyFilesSetsTheModeOfEachInstalledOne() throws {
        let box = try ScriptSandbox()
        var files: [String: String] = [:]
        for n in 0..<150 { files["app/f\(n)"] = "\(n)" }
        for n in [0, 70, 149] {
            try box.write(box.dest + "/www/f\(n)", "mine")
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: box.dest + "/www/f\(n)")
        }
        let body = InstallScriptRunTests.copyApp + "permissions:\n  - object: @DEST/www\n    pattern: \"**\"\n    type: [file]\n    mode: \"0604\"\n"
        let result = try box.install(body, files: files, behavior: .retain)
        #expect(result.status == 0, "\(result.stderr)")
        let modes = (0..<150).map { box.mode(box.dest + "/www/f\($0)") }
        #expect(modes.indices.filter { modes[$0] == 0o600 } == [0, 70, 149])
        #expect(modes.filter { $0 == 0o604 }.count == 147)
    }

    func owner(_ path: String) -> (String?, String?) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.ownerAccountName] as? String, attributes?[.groupOwnerAccountName] as? String)
    }

    @Test(.enabled(if: isRoot, "chown needs root"))
    func chownAndChgrpAfterChmod() throws {
        let box = try ScriptSandbox()
        let body = InstallScriptRunTests.copyApp + """
            permissions:
              - object: @DEST/www
                type: [file]
                owner: nobody
                group: nogroup
                mode: "4750"
              - object: @DEST/www
                type: [directory]
                group: nogroup
            """
        let result = try box.install(body, files: ["app/a": "1", "app/d/b": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(owner(box.dest + "/www/a") == ("nobody", "nogroup"))
        #expect(owner(box.dest + "/www/d") == ("root", "nogroup"))
        // chown clears set-user-ID, as it does under CodeDeploy, which also chmods first.
        #expect(box.mode(box.dest + "/www/a").map { $0 & 0o777 } == 0o750)
    }

    @Test(.enabled(if: isRoot, "chown needs root"))
    func anUnknownOwnerFailsTheInstall() throws {
        let box = try ScriptSandbox()
        let body = InstallScriptRunTests.copyApp + "permissions:\n  - object: @DEST/www\n    owner: no-such-user-hoist\n"
        let result = try box.install(body, files: ["app/a": "1"])
        #expect(result.status == InstallCommands.ExitCode.failed)
        #expect(result.stderr.hasSuffix("Could not change the owner of \(box.dest)/www/a to no-such-user-hoist.\n"))
    }
}
