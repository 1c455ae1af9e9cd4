import HoistDigest
import Foundation
import HoistTestSupport
import Testing

/// Real applications on the fleet: revisions of any size, and hosts that unpack exactly what
/// was validated (docs/bundles.md). Each host is checked independently of Hoist: its files are
/// read straight from the host's folders and compared with the revision on disk.
@Suite("Deploy: bundles of any size, unpacked as validated")
struct DeployBundleTests {
    /// `HOIST_BUNDLE_TEST_FILES` files in nested folders (5,000 by default; `scripts/soak-bundles`
    /// runs 50,000): the Install program for this many files is far past the ~35 KB an SSH exec
    /// request can carry, so it goes on stdin.
    @Test func manyNestedFilesInstallAndEveryFileMatches() async throws {
        let files = ProcessInfo.processInfo.environment["HOIST_BUNDLE_TEST_FILES"].flatMap(Int.init) ?? 5_000
        try await DeployScenario.with("many", hosts: 2) { s in
            try s.writePlaybook()
            let destination = "/srv/\(s.application)/app"
            let revision = try RevisionTree.nested(in: s.scratch, named: "many", files: files, destination: destination)
            let outcome = try await s.deploy(revision)
            #expect(outcome.status == 0, "\(outcome.description)")
            for host in s.names {
                #expect(outcome.eventStatus(host, "Install") == "Succeeded", "\(host): \(outcome.event(host, "Install") ?? [:])")
                try RevisionTree.expectSame(host: host, installed: s.url(host, destination).path, revision: revision + "/app")
            }
        }
    }

    /// A revision of `HOIST_BUNDLE_TEST_BYTES` bytes (64 MiB by default, so CI on a loaded
    /// machine stays quick; `scripts/soak-bundles` runs it at 2 GiB) in a few large files and
    /// many small ones.
    @Test func aLargeRevisionInstallsAndEveryFileMatches() async throws {
        let bytes = ProcessInfo.processInfo.environment["HOIST_BUNDLE_TEST_BYTES"].flatMap(Int64.init) ?? 64 << 20
        try await DeployScenario.with("large", hosts: 1) { s in
            try s.writePlaybook()
            let destination = "/srv/\(s.application)/app"
            let revision = try RevisionTree.large(in: s.scratch, named: "large", bytes: bytes, destination: destination)
            let outcome = try await s.deploy(revision)
            #expect(outcome.status == 0, "\(outcome.description)")
            for host in s.names {
                try RevisionTree.expectSame(host: host, installed: s.url(host, destination).path, revision: revision + "/app")
            }
        }
    }

    /// A pax global header renames a later member for GNU tar but not for libarchive: the host
    /// used to run a script `validate` never showed. Hosts now unpack the canonical tar.
    @Test func aPaxGlobalHeaderCannotSwapTheScriptTheHostRuns() async throws {
        try await DeployScenario.with("paxg", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var tar = TarBytes()
            tar.add("appspec.yml", data: Array("""
                version: 0.0
                os: linux
                hooks:
                  AfterInstall:
                    - location: scripts/good.sh
                      timeout: 30

                """.utf8))
            tar.add("scripts/evil.sh", data: Array("#!/bin/sh\necho evil >>/srv/obs/$APPLICATION_NAME/ran\n".utf8), mode: 0o755)
            tar.pax("g", [("path", "scripts/evil.sh")])
            tar.add("scripts/good.sh", data: Array("#!/bin/sh\necho good >>/srv/obs/$APPLICATION_NAME/ran\n".utf8), mode: 0o755)
            tar.finish()
            let path = s.scratch.file("global.tar")
            try tar.write(to: path)
            let outcome = try await s.deploy(path)
            #expect(outcome.status == 0, "\(outcome.description)")
            #expect(s.observedLines(host, "ran") == ["good"], "the host ran the script validate showed")
        }
    }

    /// CodeDeploy follows a link to a directory and installs a real directory of copies; links
    /// to files and dangling links stay links.
    @Test func linksToDirectoriesInstallAsCopiesAndOtherLinksStayLinks() async throws {
        try await DeployScenario.with("links", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let www = "/srv/\(s.application)/www"
            var revision = Revision()
            revision.file("app/lib/a.txt", "a\n")
            revision.file("app/lib/sub/b.txt", "b\n")
            revision.installs.append(("app", www))
            let path = try s.revision("v1", revision)
            try FileManager.default.createSymbolicLink(atPath: path + "/app/shared", withDestinationPath: "lib")
            try FileManager.default.createSymbolicLink(atPath: path + "/app/a-link", withDestinationPath: "lib/a.txt")
            try FileManager.default.createSymbolicLink(atPath: path + "/app/dangling", withDestinationPath: "not/there")
            let outcome = try await s.deploy(path)
            #expect(outcome.status == 0, "\(outcome.description)")
            let shared = s.url(host, "\(www)/shared").path
            var info = stat()
            #expect(lstat(shared, &info) == 0 && UInt32(info.st_mode) & 0o170000 == 0o040000, "shared is a real directory")
            #expect(s.read(host, "\(www)/shared/a.txt") == "a\n")
            #expect(s.read(host, "\(www)/shared/sub/b.txt") == "b\n")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: s.url(host, "\(www)/a-link").path) == "lib/a.txt")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: s.url(host, "\(www)/dangling").path) == "not/there")
        }
    }

    /// With OVERWRITE, a directory of the previous install that gained stray files and a file
    /// of the new revision at its path: the Install fails before deleting anything, and the
    /// previous revision's files stay byte for byte.
    @Test func aFailedInstallLeavesThePreviousRevisionByteForByte() async throws {
        try await DeployScenario.with("keep", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let www = "/srv/\(s.application)/www"
            var v1 = Revision()
            for name in ["index.html", "css/site.css", "logs/README", "js/app.js"] { v1.file("www/\(name)", "\(name) of v1\n") }
            v1.installs.append(("www", www))
            var v2 = Revision()
            for name in ["index.html", "css/site.css", "logs", "js/app.js"] { v2.file("www/\(name)", "\(name) of v2\n") }
            v2.installs.append(("www", www))
            let first = try await s.deploy(try s.revision("v1", v1))
            #expect(first.status == 0, "\(first.description)")
            try s.put(host, "\(www)/logs/app.log", "written by the app\n")
            let before = try UnpackedDigests.of(s.url(host, www).path)

            for behavior in ["OVERWRITE", "DISALLOW"] {
                let second = try await s.deploy(try s.revision("v2", v2), "--file-exists-behavior", behavior)
                #expect(second.status != 0, "\(behavior): \(second.description)")
                let message = second.event(host, "Install")?["message"] as? String ?? ""
                #expect(message.contains("a specified file already exists at this location: \(www)/logs"), "\(behavior): \(message)")
                #expect(try UnpackedDigests.of(s.url(host, www).path) == before, "\(behavior): the previous revision is untouched")
            }
        }
    }

    /// A name longer than Linux allows is refused by `hoist deploy` before any host is touched
    /// (it used to fail on the host after ApplicationStop and the upload).
    @Test func aNameLongerThanTheHostAllowsIsRefusedBeforeAnyHostIsTouched() async throws {
        try await DeployScenario.with("longname", hosts: 1) { s in
            try s.writePlaybook()
            // No file system here holds such a name either: the revision is an archive.
            var tar = TarBytes()
            tar.add("appspec.yml", data: Array("""
                version: 0.0
                os: linux
                files:
                  - source: www
                    destination: /srv/\(s.application)
                hooks:
                  ApplicationStop:
                    - location: stop.sh

                """.utf8))
            tar.add("stop.sh", data: Array("#!/bin/sh\necho stopped >>/srv/obs/$APPLICATION_NAME/ran\n".utf8), mode: 0o755)
            tar.pax("x", [("path", "www/" + String(repeating: "n", count: 256))])
            tar.add("www/long", data: Array("x\n".utf8))
            tar.finish()
            let path = s.scratch.file("long.tar")
            try tar.write(to: path)
            let outcome = try await s.deploy(path)
            #expect(outcome.status == 2, "\(outcome.description)")
            #expect(outcome.stderr.contains("Linux allows 255 bytes per name"), "\(outcome.stderr)")
            #expect(s.deploymentDirs(s.names[0]).isEmpty, "nothing reached the host")
            #expect(s.observedLines(s.names[0], "ran").isEmpty)
        }
    }

    /// The folder a bundle was to be reused from can disappear after the probe saw it (here the
    /// previous revision's ApplicationStop removes it): DownloadBundle used to fail with
    /// `cp: cannot stat .../bundle.tar`; it now uploads the bundle instead.
    @Test func aBundleGoneFromTheFolderItWasReusedFromIsUploaded() async throws {
        try await DeployScenario.with("gone", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            var revision = Revision()
            revision.install("www/index.html", "hello\n", to: "/srv/\(s.application)")
            revision.hook("ApplicationStop", "scripts/stop.sh", body: """
                for d in "$(dirname "$HOIST_DEPLOYMENT_DIR")"/d-*; do
                  [ "$d" = "$HOIST_DEPLOYMENT_DIR" ] || rm -f "$d/bundle.tar"
                done
                """)
            let path = try s.revision("v1", revision)
            let first = try await s.deploy(path)
            #expect(first.status == 0, "\(first.description)")
            let second = try await s.deploy(path)
            #expect(second.status == 0, "\(second.description)")
            let message = second.event(host, "DownloadBundle")?["message"] as? String ?? ""
            #expect(message.contains("uploaded"), "\(message)")
            #expect(s.read(host, "/srv/\(s.application)/index.html") == "hello\n")
        }
    }

    /// `timeout: 2.5` is accepted and means 2 seconds, as the CodeDeploy agent reads it.
    @Test func aFractionalTimeoutIsWholeSeconds() async throws {
        try await DeployScenario.with("fraction", hosts: 1) { s in
            try s.writePlaybook()
            var revision = Revision()
            revision.script("scripts/slow.sh", "sleep 60")
            revision.extra = "hooks:\n  ValidateService:\n    - location: scripts/slow.sh\n      timeout: 2.5\n"
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status != 0)
            let message = outcome.event(s.names[0], "ValidateService")?["message"] as? String ?? ""
            #expect(message.contains("failed to complete in 2 seconds"), "\(outcome.description)")
        }
    }
}

/// Revisions built on disk for these tests, and the independent check of what a host holds.
enum RevisionTree {
    static let modes: [Int] = [0o644, 0o755, 0o600, 0o640]

    /// `files` small files under app/, ten levels of nesting at most, each with its own bytes
    /// and one of a few modes; the AppSpec installs app/ at `destination`.
    static func nested(in scratch: ScratchDirectory, named name: String, files: Int, destination: String) throws -> String {
        let root = scratch.file("revisions/\(name)")
        try write(appSpec: destination, to: root)
        for index in 0..<files {
            let path = "\(root)/app/d\(index % 10)/e\(index / 10 % 10)/f\(index / 100 % 50)/file-\(index).txt"
            try put(path, Data("file \(index) of \(files)\n".utf8), mode: modes[index % modes.count])
        }
        return root
    }

    /// About `bytes` bytes: files of up to 256 MiB of distinct bytes, plus a few small ones.
    static func large(in scratch: ScratchDirectory, named name: String, bytes: Int64, destination: String) throws -> String {
        let root = scratch.file("revisions/\(name)")
        try write(appSpec: destination, to: root)
        let chunk = 1 << 20
        var block = [UInt8](repeating: 0, count: chunk)
        var generator = SystemRandomNumberGenerator()
        for i in block.indices { block[i] = generator.next() }
        var left = bytes
        var fileIndex = 0
        while left > 0 {
            let size = min(left, 256 << 20)
            let path = "\(root)/app/blobs/blob-\(fileIndex).bin"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            var written: Int64 = 0
            var counter = UInt64(fileIndex) << 32
            while written < size {
                // Each block differs: its first bytes count up.
                withUnsafeBytes(of: counter) { for (i, b) in $0.enumerated() { block[i] = b } }
                counter += 1
                let n = Int(min(Int64(chunk), size - written))
                try handle.write(contentsOf: block[0..<n])
                written += Int64(n)
            }
            try handle.close()
            left -= size
            fileIndex += 1
        }
        for index in 0..<100 {
            try put("\(root)/app/small/s-\(index).txt", Data("small \(index)\n".utf8), mode: modes[index % modes.count])
        }
        return root
    }

    private static func write(appSpec destination: String, to root: String) throws {
        try put("\(root)/appspec.yml", Data("version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: \(destination)\n".utf8), mode: 0o644)
    }

    private static func put(_ path: String, _ data: Data, mode: Int) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try data.write(to: URL(fileURLWithPath: path))
        chmod(path, mode_t(mode))
    }

    /// Every file under `revision` is at the same relative path under `installed` with the
    /// same mode and SHA-256, and nothing else is there.
    static func expectSame(host: String, installed: String, revision: String) throws {
        let want = try UnpackedDigests.of(revision)
        let have = try UnpackedDigests.of(installed)
        #expect(have.count == want.count, "\(host): \(have.count) paths installed, the revision has \(want.count)")
        var mismatches: [String] = []
        for (path, value) in want where have[path] != value {
            mismatches.append("\(path): revision \(value), host \(have[path] ?? "missing")")
        }
        for path in have.keys where want[path] == nil { mismatches.append("\(path): not in the revision") }
        #expect(mismatches.isEmpty, "\(host): \(mismatches.count) differences, first: \(mismatches.prefix(5))")
    }
}

/// Path → "kind mode sha256" for everything under a folder, read with lstat and SHA-256 only.
enum UnpackedDigests {
    static func of(_ root: String) throws -> [String: String] {
        var result: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while let relative = enumerator?.nextObject() as? String {
            let full = root + "/" + relative
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            let mode = String(UInt32(info.st_mode) & 0o7777, radix: 8)
            switch UInt32(info.st_mode) & 0o170000 {
            case 0o040000: result[relative] = "directory \(mode)"
            case 0o120000: result[relative] = "symlink " + (try FileManager.default.destinationOfSymbolicLink(atPath: full))
            default:
                let fd = open(full, O_RDONLY)
                guard fd >= 0 else { result[relative] = "unreadable"; continue }
                defer { close(fd) }
                let hasher = SHA256Hasher()
                while true {
                    let n = read(fd, buffer.baseAddress, buffer.count)
                    if n <= 0 { break }
                    hasher.update(UnsafeRawBufferPointer(rebasing: buffer.prefix(n)))
                }
                result[relative] = "file \(mode) " + HexText.encode(hasher.finalize())
            }
        }
        return result
    }
}
