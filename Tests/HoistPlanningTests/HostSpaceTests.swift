import Foundation
import HoistConfig
import HoistCore
import HoistPlanning
import Testing

/// The free-space check's pure parts: the host's df and du lines (hostile input), the need
/// and the message, and the probe and the measuring program run with /bin/sh.
@Suite struct HostSpaceTests {
    @Test(arguments: [
        ("/dev/sda1 41152736 39000000 2152736 95% /", Int64(2152736) * 1024),
        ("tmpfs\t4096\t12\t4084\t1%\t/var/lib/hoist/app_group", Int64(4084) * 1024),
        // A filesystem's name, and its mount point, with spaces and numbers.
        ("my disk 7 100 50 50 50% /mnt/a 1 2 3 4%", Int64(50) * 1024),
        ("server:/export 0 0 0 - /x", nil),
        ("Filesystem 1024-blocks Used Available Capacity Mounted on", nil),
        ("", nil), ("   ", nil), ("/dev/sda1 41152736 39000000", nil),
        ("/dev/sda1 4115 3900 -215 105% /", nil),
        ("/dev/sda1 x y z 95% /", nil),
        ("/dev/sda1 1 2 99999999999999999999 1% /", nil),
        ("/dev/sda1 1 2 9007199254740993 1% /", nil),
        ("/dev/sda1 1 2 3 % /", nil),
        ("/dev/sda1 1 2 ３ 5% /", nil),
    ] as [(String, Int64?)])
    func dfLines(line: String, bytes: Int64?) {
        #expect(HostSpaceReply.availableBytes(dfLine: line) == bytes, "\(line.debugDescription)")
    }

    @Test(arguments: [
        ("2048\ttotal", Int64(2048 * 1024)), ("0\ttotal", Int64(0)), ("12 total", Int64(12 * 1024)),
        ("2048\t/var/lib/hoist/g/d-A", nil), ("total", nil), ("", nil), ("-5\ttotal", nil),
        ("99999999999999999999\ttotal", nil), ("12\ttotal\textra", nil), ("1e3\ttotal", nil),
    ] as [(String, Int64?)])
    func duLines(line: String, bytes: Int64?) {
        #expect(HostSpaceReply.totalBytes(duLine: line) == bytes, "\(line.debugDescription)")
    }

    @Test func theProbesDfLineBecomesItsFreeBytes() {
        func free(_ lines: [String]) -> Int64? { HostProbeResult.parse(lines) { _ in nil }.freeBytes }
        #expect(free(["motd: df=1 2 3 4 5% /", "\u{1e}df=/dev/sda1 100 60 40 60% /", "\u{1e}last="]) == Int64(40 * 1024))
        #expect(free(["\u{1e}df=df: cannot read table of mounted file systems"]) == nil)
        #expect(free(["\u{1e}last="]) == nil)
    }

    @Test func theMessageSaysWhereHowMuchAndWhatToDo() {
        let need = HostSpaceNeed(bundleBytes: 110_000_000, unpackedBytes: 120_000_000)
        #expect(!need.fits(freeBytes: 229_999_999) && need.fits(freeBytes: 230_000_000))
        #expect(need.refusal(folder: "/var/lib/hoist/app_g", freeBytes: 12_999_999) ==
            "not enough free space for this revision in /var/lib/hoist/app_g: 12 MB free, 230 MB needed (bundle 110 MB + unpacked 120 MB); "
            + "free some space (df -h on the host) and deploy again; nothing was stopped")
        // The parts add up to the total, each rounded up.
        #expect(HostSpaceNeed(bundleBytes: 500_001, unpackedBytes: 2_500_001).refusal(folder: "/d", freeBytes: 0)
                    .contains("4 MB needed (bundle 1 MB + unpacked 3 MB)"))
        // Rounded so that they never look as if they fit: free down, needed up.
        let close = HostSpaceNeed(bundleBytes: 0, unpackedBytes: 5_000_001)
        #expect(close.refusal(folder: "/d", freeBytes: 5_000_000, retentionFrees: 2_500_000) ==
            "not enough free space for this revision in /d: 5 MB free (counting 2 MB that removing old deployments would free), "
            + "6 MB needed (unpacked 6 MB; the bundle is already on the host); free some space (df -h on the host) and deploy again; nothing was stopped")
    }

    /// Counted block by block: many small files fill a disk far beyond their bytes.
    @Test func theUnpackedSizeCountsWholeBlocks() {
        let small = (0..<20_000).map { BundleEntry(path: "f\($0)", kind: .file, size: 1) }
        #expect(HostSpaceNeed.diskBytes(of: small) == 20_000 * 4096)
        let mixed = [
            BundleEntry(path: "empty", kind: .file, size: 0),
            BundleEntry(path: "exact", kind: .file, size: 8192),
            BundleEntry(path: "over", kind: .file, size: 8193),
            BundleEntry(path: "dir", kind: .directory),
            BundleEntry(path: "short", kind: .symlink(target: "exact")),
            BundleEntry(path: "long", kind: .symlink(target: String(repeating: "d/", count: 40) + "exact")),
        ]
        #expect(HostSpaceNeed.diskBytes(of: mixed) == 0 + 8192 + 12288 + 4096 + 0 + 4096)
        #expect(HostSpaceNeed.diskBytes(of: [BundleEntry(path: "a", kind: .file, size: .max), BundleEntry(path: "b", kind: .file, size: .max)]) == .max)
    }

    /// Install's program and working lists count too: for a revision of long paths they
    /// were 1.2 MB the check left out, and Install ran out of space after ApplicationStop.
    @Test func installsProgramAndListsAreCounted() throws {
        let spec = try #require(AppSpecParser.parse("version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/app\n", fileName: "appspec.yml").0)
        let entries = (0..<300).map { BundleEntry(path: "app/" + String(repeating: "d", count: 200) + "/f\($0)", kind: .file, size: 1) }
        let plan = try #require(InstallPlanner.plan(spec, entries: entries).plan)
        let program = InstallCommands.render(plan: plan, revisionRoot: "/var/lib/hoist/a_g/d-AAAAAAAAA/deployment-archive",
                                             cleanupFile: "/var/lib/hoist/deployment-instructions/a_g-cleanup", fileExistsBehavior: .disallow)
        let counted = HostSpaceNeed.installBytes(programBytes: program.utf8.count)
        #expect(program.utf8.count > 300 * 200, "every path is in the program")
        #expect(counted == 2 * Int64(program.utf8.count) + 2 * 4096)
        #expect(HostSpaceNeed.installBytes(programBytes: .max) == .max)
    }

    @Test func hostileSizesNeitherOverflowNorGoNegative() {
        let huge = HostSpaceNeed(bundleBytes: .max, unpackedBytes: .max)
        #expect(huge.totalBytes == .max && !huge.fits(freeBytes: .max - 1) && huge.fits(freeBytes: .max))
        let negative = HostSpaceNeed(bundleBytes: -5, unpackedBytes: -1)
        #expect(negative.totalBytes == 0 && negative.fits(freeBytes: 0))
        #expect(negative.refusal(folder: "/d", freeBytes: -3).contains(": 0 MB free, 0 MB needed"))
    }

    /// The probe, run with /bin/sh, reports the free space of the group folder's filesystem.
    @Test func theProbeReportsTheGroupFoldersFreeSpace() throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("it's hoist").path, groupID: "app_group")
        let ran = try box.run(HostCommands(layout: layout, deploymentID: "d-1", become: false).probe)
        #expect(ran.status == 0, "\(ran.stderr)")
        let free = HostProbeResult.parse(ran.stdout.split(separator: "\n").map(String.init)) { _ in nil }.freeBytes
        // Other programs write to this disk meanwhile: the figure is df's, not an exact one.
        #expect(free.map { $0 > 0 } == true, "\(ran.stdout.debugDescription)")
    }

    /// The measuring program chooses exactly the folders retention removes (the same ages as
    /// `RetentionProgramTests`), removes none, and totals them with one du.
    @Test(arguments: [(3, ["d-B", "d-C"]), (2, ["d-B", "d-C", "d-D"]), (6, []), (1, ["d-B", "d-C", "d-D"])] as [(Int, [String])])
    func retentionsShareIsMeasuredNotRemoved(maxRevisions: Int, gone: [String]) throws {
        let box = try ScriptSandbox()
        let layout = HostLayout(root: box.root.appendingPathComponent("it's hoist").path, groupID: "app_group")
        let commands = HostCommands(layout: layout, deploymentID: "d-2", become: false)
        let ages = [("d-A", "2020-01-01", 1), ("d-B", "2021-01-01", 2), ("d-C", "2022-01-01 00:00:00.5", 4), ("d-D", "2023-01-01", 8),
                    ("d-2", "2019-01-01", 16)]
        // Each folder's file is a distinct number of 64 KiB blocks, so the total names the folders.
        let made = try box.run("""
            set -e
            mkdir -p \(shellQuote(layout.instructionsDir))
            printf '%s\\n' \(shellQuote(layout.deploymentDir("d-A"))) > \(shellQuote(layout.lastSuccessfulPointer))
            \(ages.map { """
                mkdir -p \(shellQuote(layout.deploymentDir($0.0)))
                head -c \($0.2 * 65536) /dev/urandom > \(shellQuote(layout.deploymentDir($0.0) + "/bundle.tar"))
                touch -d \(shellQuote($0.1)) \(shellQuote(layout.deploymentDir($0.0)))
                """ }.joined(separator: "\n"))
            """)
        #expect(made.status == 0, "\(made.stderr)")
        let before = try box.run("du -sk -- \(shellQuote(layout.groupDir))/d-*")
        let sizes = Dictionary(uniqueKeysWithValues: before.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return (String(parts[1].split(separator: "/").last!), Int64(parts[0])! * 1024)
        })
        let measured = try box.run(commands.retentionSize(maxRevisions: maxRevisions))
        #expect(measured.status == 0, "\(measured.stderr)")
        let reply = RemoteProgram.replies(measured.stdout.split(separator: "\n"), separator: "=").first { $0.key == "freed" }
        #expect(reply.flatMap { HostSpaceReply.totalBytes(duLine: $0.value) } == gone.reduce(0) { $0 + sizes[$1]! }, "\(measured.stdout)")
        let left = try FileManager.default.contentsOfDirectory(atPath: layout.groupDir)
        #expect(left.count == ages.count, "nothing removed: \(left)")
    }
}
