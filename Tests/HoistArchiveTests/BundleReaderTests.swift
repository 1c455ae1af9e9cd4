import Foundation
import HoistArchive
import HoistCore
import HoistTestSupport
import Testing

/// Good bundles in every supported format list as hosts will see them, strip included.
@Suite struct BundleReaderTests {
    static let appSpec = "version: 0.0\nos: linux\n"

    static let revision: [ArchiveFixture.Item] = [
        ArchiveFixture.file("appspec.yml", appSpec),
        ArchiveFixture.directory("scripts"),
        ArchiveFixture.file("scripts/start.sh", "#!/bin/sh\n", mode: 0o755),
        ArchiveFixture.symlink("current", to: "scripts/start.sh"),
        ArchiveFixture.file("café/ünïcode.txt", "ok"),
    ]

    static let expected: [BundleEntry] = [
        BundleEntry(path: "appspec.yml", kind: .file, mode: 0o644, size: 23),
        BundleEntry(path: "scripts", kind: .directory, mode: 0o755, size: 0),
        BundleEntry(path: "scripts/start.sh", kind: .file, mode: 0o755, size: 10),
        BundleEntry(path: "current", kind: .symlink(target: "scripts/start.sh"), mode: 0o777, size: 0),
        BundleEntry(path: "café/ünïcode.txt", kind: .file, mode: 0o644, size: 2),
    ]

    @Test(arguments: [BundleFormat.tar, .tarGzip, .tarZstd, .zip])
    func readsEveryFormat(_ format: BundleFormat) throws {
        let scratch = try ScratchDirectory()
        // A misleading name: the format is detected from the content.
        let bundle = try ArchiveFixture.write(Self.revision, format: format, named: "bundle.bin", in: scratch)
        let inspection = try BundleReader.inspect(path: bundle)
        #expect(inspection.format == format)
        #expect(inspection.entries == Self.expected)
        #expect(inspection.strippedPrefix == nil)
        #expect(inspection.appSpecName == "appspec.yml")
        #expect(inspection.appSpecText == Self.appSpec)
        #expect(inspection.expandedSize == 35)
        #expect(inspection.entryCount == 5)
        #expect(inspection.sha256 == (try ArchiveFixture.systemSHA256(bundle)))
    }

    @Test(arguments: [true, false])
    func stripsASingleLeadingDirectoryHoldingTheAppSpec(explicitDirectory: Bool) throws {
        let scratch = try ScratchDirectory()
        let items = (explicitDirectory ? [ArchiveFixture.directory("./app/")] : []) + [
            ArchiveFixture.file("./app/appspec.yaml", Self.appSpec),
            ArchiveFixture.file("./app/bin/run", "x", mode: 0o700),
        ]
        let bundle = try ArchiveFixture.write(items, format: .tarGzip, named: "b.tgz", in: scratch)
        let inspection = try BundleReader.inspect(path: bundle)
        #expect(inspection.strippedPrefix == "app")
        #expect(inspection.entries.map(\.path) == ["appspec.yaml", "bin/run"])
        #expect(inspection.appSpecName == "appspec.yaml")
        #expect(inspection.appSpecText == Self.appSpec)
    }

    /// A Latin-1 AppSpec was refused with no line and no way out; an editor shows it fine.
    @Test func aLatin1AppSpecIsRefusedNamingTheLineAndTheFix() throws {
        let scratch = try ScratchDirectory()
        let latin1 = Array("version: 0.0\nos: linux\n# caf".utf8) + [0xE9] + Array("\n".utf8)
        let items: [ArchiveFixture.Item] = [(RawEntry(path: "appspec.yml", kind: .file, mode: 0o644), latin1)]
        let bundle = try ArchiveFixture.write(items, format: .tar, named: "b.tar", in: scratch)
        #expect(throws: BundleError.unsafeEntries(bundle: bundle, problems: [BundleProblem(
            entry: "appspec.yml",
            reason: "the AppSpec is not valid UTF-8 text (line 3): save the file as UTF-8 (from Latin-1: iconv -f LATIN1 -t UTF-8)")])) {
            try BundleReader.inspect(path: bundle)
        }
    }

    @Test func prefersAppSpecYmlOverYaml() throws {
        let scratch = try ScratchDirectory()
        let items = [ArchiveFixture.file("appspec.yaml", "yaml"), ArchiveFixture.file("appspec.yml", "yml")]
        let bundle = try ArchiveFixture.write(items, format: .zip, named: "b.zip", in: scratch)
        let inspection = try BundleReader.inspect(path: bundle)
        #expect(inspection.appSpecName == "appspec.yml")
        #expect(inspection.appSpecText == "yml")
    }

    static let notStripped: [(String, [ArchiveFixture.Item])] = [
        ("single dir without appspec", [ArchiveFixture.directory("app"), ArchiveFixture.file("app/readme", "r")]),
        ("two roots", [ArchiveFixture.file("app/appspec.yml", "a"), ArchiveFixture.file("other", "o")]),
        ("appspec two levels down", [ArchiveFixture.file("app/sub/appspec.yml", "a")]),
    ]

    @Test(arguments: notStripped)
    func keepsTheLeadingDirectoryOtherwise(_ label: String, items: [ArchiveFixture.Item]) throws {
        let scratch = try ScratchDirectory()
        let bundle = try ArchiveFixture.write(items, format: .tar, named: "b.tar", in: scratch)
        let inspection = try BundleReader.inspect(path: bundle)
        #expect(inspection.strippedPrefix == nil, "\(label)")
        #expect(inspection.appSpecName == nil, "\(label)")
        #expect(inspection.entries.map(\.path) == items.map { String(decoding: $0.entry.pathBytes, as: UTF8.self) })
    }

    @Test func inspectsADirectory() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("rev/app/appspec.yml", Self.appSpec)
        try scratch.write("rev/app/scripts/start.sh", "#!/bin/sh\n", mode: 0o755)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("rev/app/current"), withDestinationPath: "scripts/start.sh")
        #expect(chmod(scratch.file("rev/app/scripts"), 0o755) == 0)
        let inspection = try BundleReader.inspect(path: scratch.file("rev"))
        #expect(inspection.format == .directory)
        #expect(inspection.sha256 == nil)
        #expect(inspection.strippedPrefix == "app")
        #expect(inspection.appSpecText == Self.appSpec)
        #expect(inspection.entries == [
            BundleEntry(path: "appspec.yml", kind: .file, mode: 0o644, size: 23),
            BundleEntry(path: "current", kind: .symlink(target: "scripts/start.sh"), mode: 0o777, size: 0),
            BundleEntry(path: "scripts", kind: .directory, mode: 0o755, size: 0),
            BundleEntry(path: "scripts/start.sh", kind: .file, mode: 0o755, size: 10),
        ])
    }

    @Test func refusesAnUnsafeDirectory() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("rev/appspec.yml", Self.appSpec)
        try FileManager.default.createSymbolicLink(atPath: scratch.file("rev/evil"), withDestinationPath: "../../etc")
        #expect(mkfifo(scratch.file("rev/pipe"), 0o644) == 0)
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: scratch.file("rev")) }
        #expect(error == .unsafeEntries(bundle: scratch.file("rev"), problems: [
            BundleProblem(entry: "evil", reason: "symlink target \"../../etc\" points outside the revision"),
            BundleProblem(entry: "pipe", reason: "is a FIFO (named pipe); bundles may hold only files, directories and symlinks"),
        ]))
        #expect(throws: BundleError.self) { try BundleExtractor.extract(bundle: scratch.file("rev"), to: scratch.file("out")) }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out")))
    }
}
