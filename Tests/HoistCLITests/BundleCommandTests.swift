import Foundation
import HoistTestSupport
import Testing

/// `hoist bundle`, run as the built binary: output, messages and exit codes.
@Suite struct BundleCommandTests {
    static func revision(in scratch: ScratchDirectory) throws -> String {
        try scratch.write("rev/appspec.yml", "version: 0.0\nos: linux\n")
        try scratch.write("rev/scripts/start.sh", "#!/bin/sh\n", mode: 0o755)
        return scratch.file("rev")
    }

    @Test func writesTheArchiveAndPrintsItsDigest() throws {
        let scratch = try ScratchDirectory()
        _ = try Self.revision(in: scratch)
        let first = try HoistBinary.run(["bundle", "rev", "--output", "one.tar.gz"], currentDirectory: scratch.url)
        #expect(first.status == 0, "\(first.stderr)")
        let line = first.stdout.trimmingCharacters(in: .newlines)
        #expect(line.hasSuffix("  one.tar.gz"))
        #expect(line.prefix(64).allSatisfy { $0.isHexDigit })

        // A second process, a different epoch-less second: the same bytes.
        let second = try HoistBinary.run(["bundle", "rev", "-o", "two.tar.gz"], currentDirectory: scratch.url)
        #expect(second.stdout.prefix(64) == first.stdout.prefix(64))

        let inspect = try HoistBinary.run(["bundle", "--inspect", "one.tar.gz"], currentDirectory: scratch.url)
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("format: tar.gz"))
        #expect(inspect.stdout.contains("sha256: \(line.prefix(64))"))
        #expect(inspect.stdout.contains("appspec: appspec.yml"))
    }

    @Test func inspectsAsJSON() throws {
        let scratch = try ScratchDirectory()
        _ = try Self.revision(in: scratch)
        _ = try HoistBinary.run(["bundle", "rev", "--output", "b.zip"], currentDirectory: scratch.url)
        let result = try HoistBinary.run(["bundle", "--inspect", "--json", "b.zip"], currentDirectory: scratch.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["format"] as? String == "zip")
        #expect(object?["entryCount"] as? Int == 3)
        #expect(object?["appSpecText"] as? String == "version: 0.0\nos: linux\n")
    }

    @Test func refusesAnUnsafeDirectoryListingEveryProblem() throws {
        let scratch = try ScratchDirectory()
        _ = try Self.revision(in: scratch)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("rev/evil"), withDestinationPath: "../../etc")
        #expect(mkfifo(scratch.file("rev/pipe"), 0o644) == 0)
        let result = try HoistBinary.run(["bundle", "rev", "--output", "b.tar"], currentDirectory: scratch.url)
        #expect(result.status == 2)
        #expect(result.stderr == """
            error: rev: entry "evil": symlink target "../../etc" points outside the revision
            rev: entry "pipe": is a FIFO (named pipe); bundles may hold only files, directories and symlinks

            """)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("b.tar")))
    }

    static let invalidInputs: [(String, [String], String)] = [
        ("no appspec", ["bundle", "empty", "--output", "b.tar"], "no appspec.yml or appspec.yaml"),
        ("missing output", ["bundle", "rev"], "missing --output FILE"),
        ("unknown extension", ["bundle", "rev", "--output", "b.rar"], "cannot tell the archive format"),
        ("no such directory", ["bundle", "nope", "--output", "b.tar"], "nope: no such file or directory"),
        ("usage error", ["bundle", "rev", "--no-such-flag"], "Unknown option '--no-such-flag'"),
        ("not an archive", ["bundle", "--inspect", "rev/appspec.yml"], "cannot read the bundle"),
    ]

    @Test(arguments: invalidInputs)
    func exitsWithTwoOnInvalidInput(_ label: String, arguments: [String], message: String) throws {
        let scratch = try ScratchDirectory()
        _ = try Self.revision(in: scratch)
        try FileManager.default.createDirectory(atPath: scratch.file("empty"), withIntermediateDirectories: true)
        let result = try HoistBinary.run(arguments, currentDirectory: scratch.url)
        #expect(result.status == 2, "\(label)")
        #expect(result.stderr.contains(message), "\(label): \(result.stderr)")
    }
}
