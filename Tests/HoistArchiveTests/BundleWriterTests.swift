import Foundation
import HoistArchive
import HoistCore
import HoistTestSupport
import Testing

/// `BundleWriter` output depends only on names, contents, modes and symlinks.
@Suite struct BundleWriterTests {
    /// A revision with an executable, a nested directory, a symlink and a non-ASCII name.
    static func makeRevision(in scratch: ScratchDirectory) throws -> String {
        try scratch.write("rev/appspec.yml", "version: 0.0\nos: linux\n")
        try scratch.write("rev/scripts/start.sh", "#!/bin/sh\necho start\n", mode: 0o750)
        try scratch.write("rev/www/índex.html", "<h1>hi</h1>\n", mode: 0o640)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("rev/www/current"), withDestinationPath: "../scripts/start.sh")
        for directory in ["rev", "rev/scripts", "rev/www"] { #expect(chmod(scratch.file(directory), 0o755) == 0) }
        return scratch.file("rev")
    }

    /// Gives every path new times and (as root) new owners.
    static func disturb(_ root: String, seconds: Int) throws {
        let items = try FileManager.default.subpathsOfDirectory(atPath: root).map { root + "/" + $0 } + [root]
        for path in items {
            var times = [timeval(tv_sec: seconds, tv_usec: 0), timeval(tv_sec: seconds, tv_usec: 0)]
            #expect(lutimes(path, &times) == 0)
            if getuid() == 0 { #expect(lchown(path, uid_t(1000 + seconds % 7), gid_t(2000 + seconds % 5)) == 0) }
        }
    }

    @Test(arguments: [BundleFormat.tar, .tarGzip, .tarZstd, .zip])
    func sameTreeSameBytes(_ format: BundleFormat) throws {
        let scratch = try ScratchDirectory()
        let revision = try Self.makeRevision(in: scratch)
        try Self.disturb(revision, seconds: 1_000_000)
        let first = try BundleWriter.write(directory: revision, to: scratch.file("one.\(format.rawValue)"))
        try Self.disturb(revision, seconds: 2_000_000)
        let second = try BundleWriter.write(directory: revision, to: scratch.file("two.\(format.rawValue)"))
        #expect(first.sha256 == second.sha256)
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.path)) == Data(contentsOf: URL(fileURLWithPath: second.path)))
        #expect(first.sha256 == (try ArchiveFixture.systemSHA256(second.path)))
        #expect(first.format == format)
    }

    @Test func gzipHeaderCarriesNoTimestamp() throws {
        let scratch = try ScratchDirectory()
        let result = try BundleWriter.write(directory: try Self.makeRevision(in: scratch), to: scratch.file("b.tgz"))
        let header = try Data(contentsOf: URL(fileURLWithPath: result.path)).prefix(10)
        #expect(Array(header.prefix(2)) == [0x1F, 0x8B])
        #expect(Array(header[4..<8]) == [0, 0, 0, 0])
    }

    @Test(arguments: [BundleFormat.tar, .tarGzip, .tarZstd, .zip])
    func modesAndSymlinksSurviveARoundTrip(_ format: BundleFormat) throws {
        let scratch = try ScratchDirectory()
        let revision = try Self.makeRevision(in: scratch)
        let result = try BundleWriter.write(directory: revision, to: scratch.file("b.\(format.rawValue)"))
        let inspection = try BundleReader.inspect(path: result.path)
        #expect(inspection.entries == [
            BundleEntry(path: "appspec.yml", kind: .file, mode: 0o644, size: 23),
            BundleEntry(path: "scripts", kind: .directory, mode: 0o755, size: 0),
            BundleEntry(path: "scripts/start.sh", kind: .file, mode: 0o750, size: 21),
            BundleEntry(path: "www", kind: .directory, mode: 0o755, size: 0),
            BundleEntry(path: "www/current", kind: .symlink(target: "../scripts/start.sh"), mode: 0o777, size: 0),
            BundleEntry(path: "www/índex.html", kind: .file, mode: 0o640, size: 12),
        ])
        #expect(inspection.sha256 == result.sha256)

        let out = scratch.file("out")
        try BundleExtractor.extract(bundle: result.path, to: out)
        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/scripts/start.sh")
        #expect(attributes[.posixPermissions] as? Int == 0o750)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/www/current") == "../scripts/start.sh")
        #expect(try String(contentsOfFile: out + "/www/current", encoding: .utf8) == "#!/bin/sh\necho start\n")
        #expect(try String(contentsOfFile: out + "/www/índex.html", encoding: .utf8) == "<h1>hi</h1>\n")
    }

    @Test func keepsTimesWhenAsked() throws {
        let scratch = try ScratchDirectory()
        let revision = try Self.makeRevision(in: scratch)
        try Self.disturb(revision, seconds: 1_234_567)
        let result = try BundleWriter.write(
            directory: revision, to: scratch.file("b.tar"), options: BundleWriteOptions(keepTimes: true))
        let out = scratch.file("out")
        try BundleExtractor.extract(bundle: result.path, to: out)
        let modified = try FileManager.default.attributesOfItem(atPath: out + "/appspec.yml")[.modificationDate] as? Date
        #expect(modified == Date(timeIntervalSince1970: 1_234_567))
    }

    @Test func extractionAppliesTheStrip() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("rev/app/appspec.yml", "version: 0.0\n")
        try scratch.write("rev/app/bin/run", "x", mode: 0o755)
        let result = try BundleWriter.write(directory: scratch.file("rev"), to: scratch.file("b.zip"))
        let out = scratch.file("out")
        let inspection = try BundleExtractor.extract(bundle: result.path, to: out)
        #expect(inspection.strippedPrefix == "app")
        #expect(FileManager.default.fileExists(atPath: out + "/appspec.yml"))
        #expect(FileManager.default.fileExists(atPath: out + "/bin/run"))
        #expect(!FileManager.default.fileExists(atPath: out + "/app"))

        let fromDirectory = scratch.file("out2")
        try BundleExtractor.extract(bundle: scratch.file("rev"), to: fromDirectory)
        #expect(FileManager.default.fileExists(atPath: fromDirectory + "/bin/run"))
    }

    @Test func refusesADirectoryWithoutAppSpec() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("rev/index.html", "hi")
        #expect(throws: BundleError.missingAppSpec(bundle: scratch.file("rev"))) {
            try BundleWriter.write(directory: scratch.file("rev"), to: scratch.file("b.tar"))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("b.tar")))
    }

    @Test func refusesAnOutputInsideTheDirectory() throws {
        let scratch = try ScratchDirectory()
        let revision = try Self.makeRevision(in: scratch)
        #expect(throws: BundleError.self) {
            try BundleWriter.write(directory: revision, to: revision + "/www/self.tar")
        }
    }

    @Test func refusesAnUnknownExtension() throws {
        let scratch = try ScratchDirectory()
        let revision = try Self.makeRevision(in: scratch)
        #expect(throws: BundleError.unknownOutputFormat(path: scratch.file("b.rar"))) {
            try BundleWriter.write(directory: revision, to: scratch.file("b.rar"))
        }
    }
}
