import Foundation
import HoistCore
import HoistPlanning
import Testing

/// DownloadBundle's unpack program, rendered and run with /bin/sh in a sandbox standing in
/// for a host's /var/lib/hoist.
@Suite struct UnpackProgramTests {
    let box: ScriptSandbox
    let layout: HostLayout
    let commands: HostCommands
    /// A tar of two files, and its SHA-256.
    let bundle: String
    let digest: String

    init() throws {
        box = try ScriptSandbox()
        layout = HostLayout(root: box.root.appendingPathComponent("hoist").path, groupID: "app_group")
        commands = HostCommands(layout: layout, deploymentID: "d-2", become: false)
        bundle = box.root.appendingPathComponent("made.tar").path
        // The folders the probe makes before DownloadBundle.
        let made = try box.run("""
            set -e
            mkdir -p \(shellQuote(layout.deploymentDir("d-2"))) \(shellQuote(layout.instructionsDir))
            mkdir -p src/dir && printf 'one' > src/appspec.yml && printf 'two' > src/dir/two.txt
            tar -cf \(shellQuote(bundle)) -C src . && sha256sum \(shellQuote(bundle)) | cut -d' ' -f1
            """)
        #expect(made.status == 0, "\(made.stderr)")
        digest = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Puts the made bundle (with `extra` bytes appended) at `deployment`'s bundle.tar.
    func place(_ deployment: String, extra: String = "") throws {
        let result = try box.run("""
            set -e
            mkdir -p \(shellQuote(layout.deploymentDir(deployment)))
            { cat \(shellQuote(bundle)); printf %s \(shellQuote(extra)); } > \(shellQuote(layout.bundleFile(deployment)))
            printf '%s\\n' \(digest) > \(shellQuote(layout.bundleDigestFile(deployment)))
            """)
        #expect(result.status == 0, "\(result.stderr)")
    }

    func unpacked() -> String? {
        try? String(contentsOfFile: layout.archiveDir("d-2") + "/dir/two.txt", encoding: .utf8)
    }

    /// The upload put the bundle in place only after the host's digest matched, so the
    /// program does not hash it again: it unpacks and records the digest.
    @Test func anUploadedBundleIsUnpackedWithoutHashingItAgain() throws {
        try place("d-2")
        let program = commands.unpack(sha256: digest, stagedUpload: nil, reuseFrom: nil, maxRevisions: 5)
        #expect(!program.contains(HostDigest.sha256OfStdin))
        #expect(!program.contains("sha256sum"))
        let result = try box.run(program)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(unpacked() == "two")
        #expect(try String(contentsOfFile: layout.bundleDigestFile("d-2"), encoding: .utf8) == digest + "\n")
        #expect(try String(contentsOfFile: layout.mostRecentPointer, encoding: .utf8) == layout.deploymentDir("d-2") + "\n")
    }

    /// A tar that fails part-way (here a bundle cut short; on a host, a full disk) leaves
    /// none of what it unpacked: a half revision kept the disk full, and the rollback the
    /// failure called for could not write even its digest file.
    @Test func aFailedUnpackLeavesNothingUnpacked() throws {
        try place("d-2")
        let cut = try box.run("truncate -s 1536 \(shellQuote(layout.bundleFile("d-2")))")
        #expect(cut.status == 0, "\(cut.stderr)")
        let result = try box.run(commands.unpack(sha256: digest, stagedUpload: nil, reuseFrom: nil, maxRevisions: 5))
        #expect(result.status != 0)
        #expect(result.stderr.contains("unpacking failed; what it had unpacked was removed"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: layout.archiveDir("d-2")))
        #expect(!FileManager.default.fileExists(atPath: layout.mostRecentPointer))
    }

    /// A bundle reused from an earlier deployment folder has lain on the host: it is hashed
    /// again, and one that changed since is refused before anything is unpacked.
    @Test func aReusedBundleThatChangedIsRefusedBeforeUnpacking() throws {
        try place("d-1", extra: "tampered")
        let program = commands.unpack(sha256: digest, stagedUpload: nil, reuseFrom: layout.deploymentDir("d-1"), maxRevisions: 5)
        let result = try box.run(program)
        #expect(result.status == 71)
        #expect(result.stderr.contains("bundle digest on the host is"))
        #expect(result.stderr.contains("expected \(digest)"))
        #expect(!FileManager.default.fileExists(atPath: layout.archiveDir("d-2")))
        #expect(!FileManager.default.fileExists(atPath: layout.mostRecentPointer))
    }

    @Test func aReusedBundleThatIsIntactIsLinkedAndUnpacked() throws {
        try place("d-1")
        let program = commands.unpack(sha256: digest, stagedUpload: nil, reuseFrom: layout.deploymentDir("d-1"), maxRevisions: 5)
        #expect(program.contains(HostDigest.sha256OfStdin))
        let result = try box.run(program)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(unpacked() == "two")
    }
}

/// The host record's program, run with /bin/sh: a short record is part of the command, a long
/// one comes on stdin; either way the file and the pointer to it hold it whole.
@Suite struct HostRecordProgramTests {
    @Test(arguments: [200, HostCommands.inlineRecordLimit + 1])
    func theRecordAndItsPointerAreWritten(size: Int) throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("hoist").path, groupID: "app_group")
        let commands = HostCommands(layout: layout, deploymentID: "d-2", become: false)
        let json = "{\"message\":\"it's \\\"odd\\\" $(x) " + String(repeating: "y", count: size - 25) + "\"}"
        let write = commands.writeRecord(json)
        #expect((write.input == nil) == (size <= HostCommands.inlineRecordLimit))
        let input = write.input.map { "printf '%s' \(shellQuote(String(decoding: $0, as: UTF8.self))) | " } ?? ""
        let result = try box.run("mkdir -p \(shellQuote(layout.instructionsDir)) && \(input){ \(write.command); }")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(box.read(layout.recordFile("d-2")) == json + "\n")
        #expect(box.read(layout.lastDeploymentPointer) == layout.recordFile("d-2") + "\n")
    }

    /// A long record cut short on its way (the link dropped) does not replace the one before.
    @Test func aLongRecordCutShortLeavesTheRecordBefore() throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("hoist").path, groupID: "app_group")
        let commands = HostCommands(layout: layout, deploymentID: "d-2", become: false)
        func write(_ json: String, keeping count: Int? = nil) throws -> ScriptSandbox.Result {
            let write = commands.writeRecord(json)
            let input = try #require(write.input)
            let sent = String(decoding: input.prefix(count ?? input.count), as: UTF8.self)
            return try box.run("mkdir -p \(shellQuote(layout.instructionsDir)) && printf '%s' \(shellQuote(sent)) | { \(write.command); }")
        }
        let before = "{\"message\":\"" + String(repeating: "a", count: HostCommands.inlineRecordLimit) + "\"}"
        #expect(try write(before).status == 0)
        let cut = try write("{\"message\":\"" + String(repeating: "b", count: HostCommands.inlineRecordLimit) + "\"}", keeping: 3000)
        #expect(cut.status != 0)
        let kept = box.read(layout.recordFile("d-2")) == before + "\n"
        #expect(kept, "the record cut short replaced the one before")
    }
}

/// Install's program as the host runs it: the rendered script on stdin, kept as install.sh
/// and sourced; its lists go to the group's install.work, and only a success moves the
/// last-successful pointer.
@Suite struct InstallProgramTests {
    @Test func theScriptRunsFromItsFileAndOnlyASuccessIsRecorded() throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("hoist").path, groupID: "app_group")
        let commands = HostCommands(layout: layout, deploymentID: "d-2", become: false)
        func run(_ files: [String: String]) throws -> ScriptSandbox.Result {
            let entries = try box.unpack(files)
            let spec = try appSpec(InstallScriptRunTests.copyApp.replacingOccurrences(of: "@DEST", with: box.dest))
            let plan = try #require(InstallPlanner.plan(spec, entries: entries).plan)
            let script = InstallCommands.render(plan: plan, revisionRoot: box.revision.path, cleanupFile: layout.cleanupFile,
                                                fileExistsBehavior: .disallow)
            return try box.run("""
                mkdir -p \(shellQuote(layout.deploymentDir("d-2"))) \(shellQuote(layout.installWorkDir)) \(shellQuote(layout.instructionsDir))
                printf '%s' \(shellQuote(script)) | { \(commands.install); }
                """)
        }
        let first = try run(["app/a": "1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(box.read(box.dest + "/www/a") == "1")
        #expect(box.exists(layout.installWorkDir + "/types"))
        #expect(box.read(layout.installProgramFile("d-2"))?.hasPrefix("#!/bin/sh\n") == true)
        #expect(box.read(layout.lastSuccessfulPointer) == layout.deploymentDir("d-2") + "\n")

        try FileManager.default.removeItem(atPath: layout.lastSuccessfulPointer)
        try box.write(box.dest + "/www/b", "someone else's")
        let conflict = try run(["app/a": "2", "app/b": "2"])
        #expect(conflict.status == InstallCommands.ExitCode.conflicts)
        #expect(box.read(box.dest + "/www/a") == "1")
        #expect(!box.exists(layout.lastSuccessfulPointer))
    }
}

/// The group's install.work is shared by its deployments: each Install rewrites the same list
/// files (no new inodes), and a list an earlier Install left there, say one killed before it
/// removed what its list named, is never acted on by the next.
@Suite struct InstallWorkListsTests {
    @Test func eachInstallRewritesTheSameListsAndActsOnlyOnItsOwn() throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("hoist").path, groupID: "app_group")
        func install(_ files: [String: String], as id: String) throws -> ScriptSandbox.Result {
            let entries = try box.unpack(files)
            let spec = try appSpec(InstallScriptRunTests.copyApp.replacingOccurrences(of: "@DEST", with: box.dest))
            let plan = try #require(InstallPlanner.plan(spec, entries: entries).plan)
            let script = InstallCommands.render(plan: plan, revisionRoot: box.revision.path, cleanupFile: layout.cleanupFile,
                                                fileExistsBehavior: .overwrite)
            let commands = HostCommands(layout: layout, deploymentID: id, become: false)
            return try box.run("""
                mkdir -p \(shellQuote(layout.deploymentDir(id))) \(shellQuote(layout.installWorkDir)) \(shellQuote(layout.instructionsDir))
                printf '%s' \(shellQuote(script)) | { \(commands.install); }
                """)
        }
        func inode(_ name: String) throws -> Int {
            try #require(FileManager.default.attributesOfItem(atPath: layout.installWorkDir + "/" + name)[.systemFileNumber] as? Int)
        }
        let first = try install(["app/a": "1"], as: "d-1")
        #expect(first.status == 0, "\(first.stderr)")
        // Someone else's file, and lists naming it as if an Install had been cut short after its survey.
        try box.write(box.dest + "/www/keep", "not Hoist's")
        try box.write(layout.installWorkDir + "/remove", box.dest + "/www/keep\n")
        try box.write(layout.installWorkDir + "/strays", box.dest + "/www/keep\n")
        let lists = ["types", "directories", "files", "conflicts", "strays", "known", "remove", "rmdirs", "mkdirs", "batch"]
        let before = try lists.map(inode)
        let second = try install(["app/a": "2"], as: "d-2")
        #expect(second.status == 0, "\(second.stderr)")
        #expect(box.read(box.dest + "/www/a") == "2")
        #expect(box.read(box.dest + "/www/keep") == "not Hoist's", "a list left by an earlier Install was acted on")
        #expect(try lists.map(inode) == before, "the lists were made anew, not rewritten")
        #expect(!box.exists(layout.deploymentDir("d-2") + "/install.work"))
    }
}

/// Install's program cut short, as when the coordinator dies or the link drops while the
/// program is on its way: the host gets the first part of it and then the end of its stdin.
/// Wherever the cut falls, nothing of it runs: the previous install stays in place byte for
/// byte, nothing new is installed, the pointers keep naming the previous deployment, and the
/// command fails.
@Suite struct InstallProgramCutShortTests {
    @Test func noPartOfACutProgramRuns() throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("hoist").path, groupID: "app_group")
        func script(_ files: [String: String]) throws -> String {
            let entries = try box.unpack(files)
            let spec = try appSpec(InstallScriptRunTests.copyApp.replacingOccurrences(of: "@DEST", with: box.dest))
            let plan = try #require(InstallPlanner.plan(spec, entries: entries).plan)
            return InstallCommands.render(plan: plan, revisionRoot: box.revision.path, cleanupFile: layout.cleanupFile,
                                          fileExistsBehavior: .overwrite)
        }
        func install(_ text: String, as id: String) throws -> ScriptSandbox.Result {
            let commands = HostCommands(layout: layout, deploymentID: id, become: false)
            return try box.run("""
                mkdir -p \(shellQuote(layout.deploymentDir(id))) \(shellQuote(layout.installWorkDir)) \(shellQuote(layout.instructionsDir))
                printf '%s' \(shellQuote(text)) | { \(commands.install); }
                """)
        }
        let first = try install(try script(["app/a": "1", "app/b": "1", "app/sub/c": "1"]), as: "d-1")
        #expect(first.status == 0, "\(first.stderr)")
        let previousCleanup = box.read(layout.cleanupFile)

        // The next revision drops b and sub/c and changes a: its program deletes, then copies.
        let next = try script(["app/a": "2", "app/d": "2"])
        // Cuts spread over the whole program and at every byte of its last line (the call),
        // up to the final newline: without only that, the program is whole.
        let bytes = Array(next.utf8)
        let lastLine = (bytes.dropLast().lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
        let cuts = Set(Array(stride(from: 0, to: lastLine, by: max(1, lastLine / 60))) + Array(lastLine..<(bytes.count - 1)))
        for cut in cuts.sorted() {
            let text = String(decoding: bytes[..<cut], as: UTF8.self)
            let result = try install(text, as: "d-2")
            #expect(result.status != 0, "cut at \(cut) of \(bytes.count): \(result.stderr)")
            #expect(box.read(box.dest + "/www/a") == "1" && box.read(box.dest + "/www/b") == "1"
                    && box.read(box.dest + "/www/sub/c") == "1", "cut at \(cut): the previous install was changed")
            #expect(!box.exists(box.dest + "/www/d"), "cut at \(cut): part of the new install ran")
            #expect(box.read(layout.cleanupFile) == previousCleanup, "cut at \(cut)")
            #expect(box.read(layout.lastSuccessfulPointer) == layout.deploymentDir("d-1") + "\n", "cut at \(cut)")
        }
        let whole = try install(next, as: "d-2")
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(box.read(box.dest + "/www/a") == "2" && box.read(box.dest + "/www/d") == "2" && !box.exists(box.dest + "/www/b"))
        #expect(box.read(layout.lastSuccessfulPointer) == layout.deploymentDir("d-2") + "\n")
    }
}

/// Retention, run with /bin/sh over folders of known ages: the oldest folders go, never this
/// deployment's nor the last successful one, however old.
@Suite struct RetentionProgramTests {
    @Test(arguments: [(3, ["d-A", "d-D"]), (2, ["d-A"]), (1, ["d-A"]), (6, ["d-A", "d-B", "d-C", "d-D"])] as [(Int, [String])])
    func theOldestRemovableFoldersGo(maxRevisions: Int, left: [String]) throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("it's hoist").path, groupID: "app_group")
        let commands = HostCommands(layout: layout, deploymentID: "d-2", become: false)
        // d-A is the oldest and the last successful; d-D the newest of the others; d-2 is this one.
        let ages = [("d-A", "2020-01-01"), ("d-B", "2021-01-01"), ("d-C", "2022-01-01 00:00:00.5"), ("d-D", "2023-01-01"),
                    ("d-2", "2019-01-01")]
        let made = try box.run("""
            set -e
            mkdir -p \(shellQuote(layout.instructionsDir))
            printf '%s\\n' \(shellQuote(layout.deploymentDir("d-A"))) > \(shellQuote(layout.lastSuccessfulPointer))
            \(ages.map { "mkdir -p \(shellQuote(layout.deploymentDir($0.0) + "/logs")) && touch -d \(shellQuote($0.1)) \(shellQuote(layout.deploymentDir($0.0)))" }.joined(separator: "\n"))
            # As in the unpack program, which runs retention under set -eu.
            set -u
            \(commands.retention(maxRevisions: maxRevisions))
            """)
        #expect(made.status == 0, "\(made.stderr)")
        let folders = try FileManager.default.contentsOfDirectory(atPath: layout.groupDir).filter { $0 != "d-2" }.sorted()
        #expect(folders == left)
        #expect(FileManager.default.fileExists(atPath: layout.deploymentDir("d-2")))
    }
}
