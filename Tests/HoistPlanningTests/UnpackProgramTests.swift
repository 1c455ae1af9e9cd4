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
