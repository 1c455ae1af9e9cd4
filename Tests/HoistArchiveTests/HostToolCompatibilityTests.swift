import Foundation
import HoistArchive
import HoistTestSupport
import Testing

/// Hosts unpack bundles with their own GNU tar and unzip: what Hoist writes must unpack there
/// silently and identically, and what those tools write must inspect cleanly.
@Suite struct HostToolCompatibilityTests {
    static func run(_ tool: String, _ arguments: [String], in directory: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let errors = try ScratchDirectory("hoist-stderr")
        let errorFile = errors.file("stderr")
        _ = FileManager.default.createFile(atPath: errorFile, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOfFile: errorFile, encoding: .utf8))
    }

    static let unpackers: [(BundleFormat, String, [String])] = [
        (.tar, "/usr/bin/tar", ["-xf"]),
        (.tarGzip, "/usr/bin/tar", ["-xzf"]),
        (.tarZstd, "/usr/bin/tar", ["--zstd", "-xf"]),
        (.zip, "/usr/bin/unzip", ["-q"]),
    ]

    @Test(arguments: unpackers)
    func hostToolsUnpackWhatHoistWrites(_ format: BundleFormat, tool: String, arguments: [String]) throws {
        let scratch = try ScratchDirectory()
        let revision = try BundleWriterTests.makeRevision(in: scratch)
        let bundle = try BundleWriter.write(directory: revision, to: scratch.file("b.\(format.rawValue)"))
        let out = scratch.file("out")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let result = try Self.run(tool, arguments + [bundle.path], in: out)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(try String(contentsOfFile: out + "/www/índex.html", encoding: .utf8) == "<h1>hi</h1>\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/www/current") == "../scripts/start.sh")
        let mode = try FileManager.default.attributesOfItem(atPath: out + "/scripts/start.sh")[.posixPermissions] as? Int
        #expect(mode == 0o750)
    }

    @Test func inspectsWhatGNUTarWrites() throws {
        let scratch = try ScratchDirectory()
        _ = try BundleWriterTests.makeRevision(in: scratch)
        // `tar -C dir .` stores a "./" root entry and "./" prefixes; both must vanish.
        let result = try Self.run("/usr/bin/tar", ["-C", "rev", "-czf", "b.tgz", "."], in: scratch.path)
        #expect(result.status == 0)
        let inspection = try BundleReader.inspect(path: scratch.file("b.tgz"))
        #expect(inspection.entries.map(\.path).sorted() == [
            "appspec.yml", "scripts", "scripts/start.sh", "www", "www/current", "www/índex.html",
        ])
        #expect(inspection.appSpecName == "appspec.yml")
    }

    /// Info-ZIP writes each name in both of a zip's indexes, with a Unicode name field for
    /// `índex.html`; the check that the two agree (`ZipIndexes`) accepts it.
    @Test func inspectsWhatInfoZipWrites() throws {
        let scratch = try ScratchDirectory()
        _ = try BundleWriterTests.makeRevision(in: scratch)
        let result = try Self.run("/usr/bin/zip", ["-qry", "../b.zip", "."], in: scratch.file("rev"))
        #expect(result.status == 0, "\(result.stderr)")
        let inspection = try BundleReader.inspect(path: scratch.file("b.zip"))
        #expect(inspection.entries.map(\.path).sorted() == [
            "appspec.yml", "scripts", "scripts/start.sh", "www", "www/current", "www/índex.html",
        ])
    }
}
