import Foundation
import HoistArchive
import HoistCore
import HoistTestSupport
import Testing

/// Each archive holds one hostile entry among good ones; inspection must refuse it, naming the
/// entry and the reason, and extraction must write nothing.
@Suite struct HostileArchiveTests {
    struct Case: CustomStringConvertible, Sendable {
        var label: String
        var hostile: [RawEntry]
        var entry: String
        var reason: String
        var description: String { label }
    }

    static let cases: [Case] = [
        Case(label: "absolute path", hostile: [RawEntry(path: "/etc/passwd", kind: .file)],
             entry: "/etc/passwd", reason: "absolute path; entries must be relative to the revision"),
        Case(label: "dot-dot", hostile: [RawEntry(path: "../etc/passwd", kind: .file)],
             entry: "../etc/passwd", reason: "path escapes the revision (contains \"..\")"),
        Case(label: "dot-dot inside", hostile: [RawEntry(path: "scripts/../../x", kind: .file)],
             entry: "scripts/../../x", reason: "path escapes the revision (contains \"..\")"),
        Case(label: "symlink outside", hostile: [RawEntry(path: "scripts/link", kind: .symlink(target: Array("../../etc".utf8)))],
             entry: "scripts/link", reason: "symlink target \"../../etc\" points outside the revision"),
        Case(label: "absolute symlink", hostile: [RawEntry(path: "link", kind: .symlink(target: Array("/etc/shadow".utf8)))],
             entry: "link", reason: "symlink target \"/etc/shadow\" points outside the revision"),
        Case(label: "hardlink outside", hostile: [RawEntry(path: "hard", kind: .hardlink(target: Array("../outside".utf8)))],
             entry: "hard", reason: "hardlink target \"../outside\" points outside the revision"),
        Case(label: "character device", hostile: [RawEntry(path: "dev/null", kind: .characterDevice)],
             entry: "dev/null", reason: "is a character device; bundles may hold only files, directories and symlinks"),
        Case(label: "block device", hostile: [RawEntry(path: "sda", kind: .blockDevice)],
             entry: "sda", reason: "is a block device; bundles may hold only files, directories and symlinks"),
        Case(label: "fifo", hostile: [RawEntry(path: "pipe", kind: .fifo)],
             entry: "pipe", reason: "is a FIFO (named pipe); bundles may hold only files, directories and symlinks"),
        Case(label: "duplicate", hostile: [RawEntry(path: "./appspec.yml", kind: .file)],
             entry: "./appspec.yml", reason: "duplicate entry: \"appspec.yml\" appears more than once in the bundle"),
        Case(label: "invalid UTF-8", hostile: [RawEntry(pathBytes: [0x62, 0xFF, 0x2E, 0x74], kind: .file)],
             entry: "b\\xFF.t", reason: "name is not valid UTF-8"),
        Case(label: "newline in a name", hostile: [RawEntry(path: "x\n/etc/\"y", kind: .characterDevice)],
             entry: "x\\n/etc/\\\"y", reason: "is a character device; bundles may hold only files, directories and symlinks"),
        Case(label: "file below a symlink", hostile: [
                RawEntry(path: "inner", kind: .symlink(target: Array("scripts".utf8))),
                RawEntry(path: "inner/x", kind: .file)],
             entry: "inner/x", reason: "sits below \"inner\", which is a symlink"),
    ]

    static let good: [ArchiveFixture.Item] = [
        ArchiveFixture.file("appspec.yml", "version: 0.0\nos: linux\n"),
        ArchiveFixture.directory("scripts"),
        ArchiveFixture.file("scripts/start.sh", "#!/bin/sh\n", mode: 0o755),
    ]

    @Test(arguments: cases, [BundleFormat.tar, .zip])
    func refusesEntryWithReason(_ hostile: Case, format: BundleFormat) throws {
        // zip cannot store devices, FIFOs or hardlinks; tar covers those.
        if format == .zip, hostile.hostile.contains(where: \.isTarOnly) { return }
        let scratch = try ScratchDirectory()
        let items = Self.good + hostile.hostile.map(ArchiveFixture.raw)
        let bundle = try ArchiveFixture.write(items, format: format, named: "bundle.\(format.rawValue)", in: scratch)
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: bundle) }
        guard case .unsafeEntries(let name, let problems) = error else {
            Issue.record("expected unsafe entries, got \(String(describing: error))")
            return
        }
        #expect(name == bundle)
        // libarchive's zip writer flags names as UTF-8, and its reader then cannot give the
        // invalid bytes back: the entry is refused under a placeholder name.
        let entry = format == .zip && hostile.label == "invalid UTF-8" ? "(name unreadable as UTF-8)" : hostile.entry
        #expect(problems == [BundleProblem(entry: entry, reason: hostile.reason)])

        let destination = scratch.file("out")
        #expect(throws: BundleError.self) { try BundleExtractor.extract(bundle: bundle, to: destination) }
        #expect(!FileManager.default.fileExists(atPath: destination))
    }

    @Test func hardlinkInsideIsAFile() throws {
        let scratch = try ScratchDirectory()
        let items = Self.good + [ArchiveFixture.raw(RawEntry(path: "again.sh", kind: .hardlink(target: Array("scripts/start.sh".utf8))))]
        let bundle = try ArchiveFixture.write(items, format: .tar, named: "b.tar", in: scratch)
        let inspection = try BundleReader.inspect(path: bundle)
        #expect(inspection.entries.last == BundleEntry(path: "again.sh", kind: .file, mode: 0o644, size: 10))
    }

    @Test func listsEveryProblemOneLineEach() throws {
        let scratch = try ScratchDirectory()
        let items = Self.good + [
            ArchiveFixture.file("../etc/passwd"),
            ArchiveFixture.raw(RawEntry(path: "pipe", kind: .fifo)),
            ArchiveFixture.symlink("evil", to: "../../etc"),
        ]
        let bundle = try ArchiveFixture.write(items, format: .tarGzip, named: "bundle.tgz", in: scratch)
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: bundle) }
        #expect(error?.description == """
            \(bundle): entry "../etc/passwd": path escapes the revision (contains "..")
            \(bundle): entry "pipe": is a FIFO (named pipe); bundles may hold only files, directories and symlinks
            \(bundle): entry "evil": symlink target "../../etc" points outside the revision
            """)
    }

    struct LimitCase: CustomStringConvertible, Sendable {
        var description: String
        var extra: [ArchiveFixture.Item]
        var format: BundleFormat
        var limits: BundleLimits
        var expected: BundleProblem
    }

    static let zeros = String(repeating: "0", count: 4000)
    static let limitCases: [LimitCase] = [
        LimitCase(
            description: "entry count", extra: (1...5).map { ArchiveFixture.file("f\($0)") },
            format: .tarGzip, limits: BundleLimits(maxEntryCount: 4),
            expected: BundleProblem(entry: "f2", reason: "the revision has more than 4 entries (the entry-count limit); raise it with HOIST_BUNDLE_MAX_ENTRIES if the revision really is this large (for an archive it may be a compression bomb)")),
        LimitCase(
            description: "expanded size", extra: [ArchiveFixture.file("big", zeros), ArchiveFixture.file("bigger", zeros)],
            format: .tarZstd, limits: BundleLimits(maxExpandedSize: 5000),
            expected: BundleProblem(entry: "bigger", reason: "the revision unpacks to more than 5000 bytes (the expanded-size limit); raise it with HOIST_BUNDLE_MAX_SIZE if the revision really is this large (for an archive it may be a compression bomb)")),
        // Hardlinks are sent as copies: each counts as its target's size again (100 links to a
        // 100 MB file of zeros made a 103 kB archive that passed, and 10 GB on every host).
        LimitCase(
            description: "expanded size through hardlinks",
            extra: [ArchiveFixture.file("big", zeros)] + (1...2).map { ArchiveFixture.raw(RawEntry(path: "copy\($0)", kind: .hardlink(target: Array("big".utf8)))) },
            format: .tarGzip, limits: BundleLimits(maxExpandedSize: 10_000),
            expected: BundleProblem(entry: "copy2", reason: "the revision unpacks to more than 10000 bytes (the expanded-size limit); raise it with HOIST_BUNDLE_MAX_SIZE if the revision really is this large (for an archive it may be a compression bomb)")),
    ]

    @Test(arguments: limitCases)
    func stopsAtALimit(_ limit: LimitCase) throws {
        let scratch = try ScratchDirectory()
        let bundle = try ArchiveFixture.write(Self.good + limit.extra, format: limit.format, named: "bomb", in: scratch)
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: bundle, limits: limit.limits) }
        #expect(error == .unsafeEntries(bundle: bundle, problems: [limit.expected]))
    }

    @Test func refusesFormatsHostsCannotUnpack() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("notes.txt")
        try Data("just text, not an archive\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: BundleError.self) { try BundleReader.inspect(path: path) }
    }

    /// A pax header libarchive rejects (over 1 MB) left the entry under its 100-byte ustar
    /// name, which was validated and installed, where GNU tar reads the whole name.
    @Test func refusesAPaxHeaderItCannotReadWhole() throws {
        let scratch = try ScratchDirectory()
        let long = "app/" + String(repeating: "a", count: 1_000_000)
        var tar = Self.ustarHeader(name: "PaxHeaders/long", size: Self.paxRecord("path", long).count, type: "x")
        tar += Self.padded(Self.paxRecord("path", long))
        tar += Self.ustarHeader(name: String(long.prefix(100)), size: 3, type: "0") + Self.padded(Array("hi\n".utf8))
        let appSpec = Array("version: 0.0\nos: linux\nfiles:\n  - source: app\n    destination: /srv/arc\n".utf8)
        tar += Self.ustarHeader(name: "appspec.yml", size: appSpec.count, type: "0") + Self.padded(appSpec)
        tar += [UInt8](repeating: 0, count: 1024)
        let bundle = scratch.file("longpax.tar")
        try Data(tar).write(to: URL(fileURLWithPath: bundle))
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: bundle) }
        guard case .unreadable(_, let reason) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("pax"), "\(reason)")
    }

    /// A zip names each member in its local header and again in its central directory:
    /// unzip and the agent install the second, libarchive lists the first. One whose two
    /// disagree is refused, whichever of the bundle's readers meets it first.
    @Test func refusesAZipWhoseTwoIndexesNameAMemberDifferently() throws {
        let scratch = try ScratchDirectory()
        let items = Self.good + [ArchiveFixture.file("app/a.txt", "hi\n")]
        let bundle = try ArchiveFixture.write(items, format: .zip, named: "names.zip", in: scratch)
        let inspection = try BundleReader.inspect(path: bundle)
        // Bytes before the zip (a self-extracting stub) shift every offset it states: unzip and
        // libarchive read it all the same, so the check must too.
        var bytes = Array("#!/bin/sh\nexit 0\n".utf8) + [UInt8](try Data(contentsOf: URL(fileURLWithPath: bundle)))
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))
        #expect(try BundleReader.inspect(path: bundle).entries.map(\.path) == inspection.entries.map(\.path))
        // The first occurrence of the name is the local header's; the central directory's is later.
        let name = Array("app/a.txt".utf8)
        let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
        bytes[at + 4] = UInt8(ascii: "b")
        try Data(bytes).write(to: URL(fileURLWithPath: bundle))

        for read in [{ _ = try BundleReader.inspect(path: bundle) },
                     { _ = try CanonicalBundle.write(revision: bundle, inspection: inspection, to: scratch.file("canonical.tar")) }] {
            let error = #expect(throws: BundleError.self) { try read() }
            guard case .unreadable(_, let reason) = error else {
                Issue.record("expected unreadable, got \(String(describing: error))")
                continue
            }
            #expect(reason.contains("is 'app/a.txt' to unzip but 'app/b.txt' to libarchive"), "\(reason)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("canonical.tar")), "no bundle written")
    }

    /// One pax record, `LENGTH KEY=VALUE\n`, LENGTH counting itself.
    static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length = String(length).count + body.utf8.count }
        return Array((String(length) + body).utf8)
    }

    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
    }

    /// A ustar header block, checksum included.
    static func ustarHeader(name: String, size: Int, type: Character) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { block[offset + i] = byte } }
        put(name, at: 0)
        put("0000644", at: 100); put("0000000", at: 108); put("0000000", at: 116)
        put(String(repeating: "0", count: 11 - String(size, radix: 8).count) + String(size, radix: 8), at: 124)
        put("00000000000", at: 136)
        put(String(type), at: 156)
        put("ustar", at: 257); put("00", at: 263)
        put("        ", at: 148)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(String(repeating: "0", count: 6 - String(sum, radix: 8).count) + String(sum, radix: 8), at: 148)
        block[154] = 0; block[155] = 0x20
        return block
    }

    @Test func refusesATruncatedArchive() throws {
        let scratch = try ScratchDirectory()
        let big = (0..<200_000).map { _ in UInt8.random(in: 0...255) }
        let items = Self.good + [(RawEntry(path: "data.bin", kind: .file), big)]
        let bundle = try ArchiveFixture.write(items, format: .tarGzip, named: "cut.tgz", in: scratch)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bundle))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: bundle))
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: bundle) }
        guard case .unreadable = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
    }
}

extension RawEntry {
    var isTarOnly: Bool {
        switch kind {
        case .characterDevice, .blockDevice, .fifo, .socket, .hardlink: return true
        case .file, .directory, .symlink: return false
        }
    }
}
