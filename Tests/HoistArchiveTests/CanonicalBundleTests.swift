import HoistDigest
import Foundation
import HoistArchive
import HoistCore
import HoistTestSupport
import Testing

/// The host unpacks only the canonical tar Hoist writes. For every trick of a hostile archive
/// (a pax global header, a zip whose headers understate sizes, links that chain out, links to
/// directories, hardlinks, sparse files), either `validate` refuses it, or the host's GNU tar
/// unpacks the canonical tar to exactly the listing `validate` showed: the same paths, kinds,
/// modes, sizes, link texts and bytes.
@Suite struct CanonicalBundleTests {
    /// Inspects `revision`, writes its canonical tar, unpacks that with GNU tar, and checks the
    /// result against the listing; returns the inspection and the unpacked folder.
    @discardableResult
    static func hostUnpacksTheListing(_ revision: String, in scratch: ScratchDirectory) throws -> (BundleInspection, String) {
        let inspection = try BundleReader.inspect(path: revision)
        let bundle = try CanonicalBundle.write(revision: revision, inspection: inspection, to: scratch.file("canonical-\(UUID().uuidString).tar"))
        #expect(bundle.sha256 == (try ArchiveFixture.systemSHA256(bundle.path)))
        let types = Set(try TarBytes.headerTypes(of: bundle.path))
        #expect(types.isSubset(of: ["0", "5", "2", "x"]), "only files, directories, symlinks and per-entry pax headers: \(types)")
        let out = scratch.file("unpacked-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let result = try HostToolCompatibilityTests.run("/usr/bin/tar", ["-x", "--no-same-owner", "-p", "-f", bundle.path], in: out)
        #expect(result.status == 0 && result.stderr.isEmpty, "GNU tar: \(result.stderr)")
        let unpacked = try UnpackedTree.read(out)
        var expected: [String: UnpackedTree.Node] = [:]
        for entry in inspection.entries {
            switch entry.kind {
            case .file: expected[entry.path] = .file(mode: entry.mode, size: entry.size)
            case .directory: expected[entry.path] = .directory(mode: entry.mode)
            case .symlink(let text): expected[entry.path] = .symlink(text)
            }
        }
        // Directories implied by a listed path are created by tar; nothing else may appear.
        let implied = Set(inspection.entries.flatMap { entry in
            entry.path.split(separator: "/").dropLast().indices.map { entry.path.split(separator: "/")[...$0].joined(separator: "/") }
        })
        for (path, node) in unpacked.nodes where expected[path] == nil {
            #expect(implied.contains(path) && node.isDirectory, "the host has \(path) (\(node)), which the listing does not")
        }
        for (path, node) in expected {
            #expect(unpacked.nodes[path] == node, "\(path): listed \(node), unpacked \(unpacked.nodes[path].map { "\($0)" } ?? "nothing")")
        }
        return (inspection, out)
    }

    // MARK: The tricks of item 2

    @Test func aPaxGlobalHeaderCannotRenameAMemberOnTheHost() throws {
        let scratch = try ScratchDirectory()
        var tar = TarBytes()
        tar.add("appspec.yml", data: Array("version: 0.0\nos: linux\n".utf8))
        tar.pax("g", [("path", "scripts/evil.sh")])
        tar.add("scripts/good.sh", data: Array("#!/bin/sh\necho good\n".utf8), mode: 0o755)
        tar.finish()
        let path = scratch.file("global.tar")
        try tar.write(to: path)

        // The trick is real: GNU tar applies the global header, libarchive does not.
        let raw = scratch.file("raw")
        try FileManager.default.createDirectory(atPath: raw, withIntermediateDirectories: true)
        _ = try HostToolCompatibilityTests.run("/usr/bin/tar", ["-xf", path], in: raw)
        let hostNames = Set(try UnpackedTree.read(raw).nodes.keys)

        let (inspection, out) = try Self.hostUnpacksTheListing(path, in: scratch)
        let listed = Set(inspection.entries.map(\.path))
        #expect(hostNames != listed, "GNU tar reads the original archive differently: \(hostNames.sorted()) vs \(listed.sorted())")
        #expect(try String(contentsOfFile: out + "/scripts/good.sh", encoding: .utf8) == "#!/bin/sh\necho good\n")
        #expect(!FileManager.default.fileExists(atPath: out + "/scripts/evil.sh"))
    }

    @Test func aZipWhoseHeadersUnderstateSizesIsRefused() throws {
        let scratch = try ScratchDirectory()
        let big = String(repeating: "A", count: 200_000)
        let path = try ArchiveFixture.write([
            ArchiveFixture.file("appspec.yml", "version: 0.0\nos: linux\n"),
            ArchiveFixture.file("data/big.bin", big),
        ], format: .zip, named: "liar.zip", in: scratch)
        try ZipPatch.understateSizes(path, entry: "data/big.bin", to: 100)
        #expect {
            try BundleReader.inspect(path: path)
        } throws: { error in
            // libarchive checks what it inflates against the central directory; Hoist counts
            // the data of every zip entry as well.
            "\(error)".contains("wrong size") || ("\(error)".contains("data/big.bin") && "\(error)".contains("100 bytes"))
        }
    }

    @Test func aChainOfLinksThatLeadsOutIsRefused() throws {
        let scratch = try ScratchDirectory()
        // Each link on its own points inside (its text, read against its own folder, stays
        // in the revision); followed one after the other as the host's kernel does, they leave.
        let cases: [[ArchiveFixture.Item]] = [
            [ArchiveFixture.file("file.txt", "x"), ArchiveFixture.symlink("sub/l1", to: "../file.txt"),
             ArchiveFixture.symlink("sub/l2", to: "l1/../..")],
            [ArchiveFixture.file("lib/x", "x"), ArchiveFixture.symlink("a/b/to-lib", to: "../../lib"),
             ArchiveFixture.symlink("a/b/out", to: "to-lib/../../../etc/passwd")],
            [ArchiveFixture.symlink("p/q/r", to: "../../s"), ArchiveFixture.file("s/t", "x"),
             ArchiveFixture.symlink("p/q/u", to: "r/../../../x")],
        ]
        for (index, items) in cases.enumerated() {
            let path = try ArchiveFixture.write([ArchiveFixture.file("appspec.yml", "version: 0.0\nos: linux\n")] + items,
                                                format: .tar, named: "chain\(index).tar", in: scratch)
            #expect(throws: BundleError.self, "case \(index)") { try BundleReader.inspect(path: path) }
            do {
                _ = try BundleReader.inspect(path: path)
            } catch {
                #expect("\(error)".contains("resolves outside the revision"), "case \(index): \(error)")
            }
        }
    }

    @Test func aLinkThatLeavesOnlyOnceTheLeadingFolderIsStrippedIsRefused() throws {
        let scratch = try ScratchDirectory()
        let path = try ArchiveFixture.write([
            ArchiveFixture.file("app/appspec.yml", "version: 0.0\nos: linux\n"),
            ArchiveFixture.symlink("app/secret", to: "../x"),
        ], format: .tar, named: "strip.tar", in: scratch)
        #expect { try BundleReader.inspect(path: path) } throws: { "\($0)".contains("resolves outside the revision") }
    }

    @Test func loopsAndLinksToTheRootOrAnAncestorAreRefused() throws {
        let scratch = try ScratchDirectory()
        let cases: [(String, [ArchiveFixture.Item])] = [
            ("loop", [ArchiveFixture.symlink("a", to: "b"), ArchiveFixture.symlink("b", to: "a")]),
            ("revision root", [ArchiveFixture.symlink("all", to: ".")]),
            ("holds it", [ArchiveFixture.file("d/f", "x"), ArchiveFixture.symlink("d/e/self", to: "../..//d")]),
        ]
        for (name, items) in cases {
            let path = try ArchiveFixture.write([ArchiveFixture.file("appspec.yml", "version: 0.0\nos: linux\n")] + items,
                                                format: .tar, named: "\(name).tar", in: scratch)
            #expect(throws: BundleError.self, "\(name)") { try BundleReader.inspect(path: path) }
        }
    }

    // MARK: Links, as the CodeDeploy agent installs them

    @Test(arguments: [BundleFormat.tar, .zip, .directory])
    func aLinkToADirectoryBecomesARealDirectoryOfCopies(_ format: BundleFormat) throws {
        let scratch = try ScratchDirectory()
        let items: [ArchiveFixture.Item] = [
            ArchiveFixture.file("appspec.yml", "version: 0.0\nos: linux\n"),
            ArchiveFixture.directory("lib", mode: 0o750),
            ArchiveFixture.file("lib/a.txt", "a\n"),
            ArchiveFixture.file("lib/sub/b.sh", "#!/bin/sh\n", mode: 0o755),
            ArchiveFixture.symlink("lib/sub/to-a", to: "../a.txt"),
            ArchiveFixture.symlink("lib/up", to: "sub"),
            ArchiveFixture.symlink("shared", to: "lib"),
            ArchiveFixture.symlink("chained", to: "shared/sub"),
            ArchiveFixture.symlink("file-link", to: "lib/a.txt"),
            ArchiveFixture.symlink("dangling", to: "nowhere/at/all"),
        ]
        let path: String
        if format == .directory {
            path = try DirectoryFixture.write(items, in: scratch)
        } else {
            path = try ArchiveFixture.write(items, format: format, named: "links.\(format.rawValue)", in: scratch)
        }
        let (inspection, out) = try Self.hostUnpacksTheListing(path, in: scratch)
        let kinds = Dictionary(uniqueKeysWithValues: inspection.entries.map { ($0.path, $0.kind) })
        #expect(kinds["shared"] == .directory)
        #expect(kinds["shared/a.txt"] == .file)
        #expect(kinds["shared/sub/b.sh"] == .file)
        #expect(kinds["shared/sub/to-a"] == .symlink(target: "../a.txt"), "a link to a file stays a link")
        #expect(kinds["shared/up"] == .directory, "links inside the copies are expanded too")
        #expect(kinds["chained"] == .directory)
        #expect(kinds["chained/b.sh"] == .file)
        #expect(kinds["file-link"] == .symlink(target: "lib/a.txt"))
        #expect(kinds["dangling"] == .symlink(target: "nowhere/at/all"))
        #expect(inspection.entries.first { $0.path == "shared" }?.mode == 0o750, "the copy has the directory's mode")
        #expect(try String(contentsOfFile: out + "/shared/a.txt", encoding: .utf8) == "a\n")
        #expect(try String(contentsOfFile: out + "/chained/b.sh", encoding: .utf8) == "#!/bin/sh\n")
        #expect(inspection.expandedLinks["shared"] == "lib")
    }

    @Test func hardlinksAndSparseFilesArriveAsPlainFiles() throws {
        let scratch = try ScratchDirectory()
        let revision = scratch.file("rev")
        try FileManager.default.createDirectory(atPath: revision, withIntermediateDirectories: true)
        try scratch.write("rev/appspec.yml", "version: 0.0\nos: linux\n")
        try scratch.write("rev/data/a", "same bytes\n")
        #expect(link(revision + "/data/a", revision + "/data/b") == 0)
        #expect(truncate(try scratch.write("rev/data/sparse", ""), 8 << 20) == 0)
        let result = try HostToolCompatibilityTests.run("/usr/bin/tar", ["-S", "-C", "rev", "-cf", "gnu.tar", "."], in: scratch.path)
        #expect(result.status == 0)
        let types = try TarBytes.headerTypes(of: scratch.file("gnu.tar"))
        #expect(types.contains("1") && types.contains("S"), "GNU tar wrote a hardlink and a sparse file: \(types)")

        let (inspection, out) = try Self.hostUnpacksTheListing(scratch.file("gnu.tar"), in: scratch)
        #expect(inspection.copies["data/b"] == "data/a" || inspection.copies["data/a"] == "data/b")
        #expect(try String(contentsOfFile: out + "/data/b", encoding: .utf8) == "same bytes\n")
        let size = try FileManager.default.attributesOfItem(atPath: out + "/data/sparse")[.size] as? Int
        #expect(size == 8 << 20)
    }

    // MARK: What is sent

    @Test func theCanonicalTarOfTheCanonicalTarIsTheSameBytes() throws {
        let scratch = try ScratchDirectory()
        let path = try ArchiveFixture.write([
            ArchiveFixture.directory("app"),
            ArchiveFixture.file("app/appspec.yml", "version: 0.0\nos: linux\n"),
            ArchiveFixture.file("app/lib/x", "x"),
            ArchiveFixture.symlink("app/shared", to: "lib"),
            ArchiveFixture.file("app/\(String(repeating: "long", count: 40))/ü", "pax name"),
        ], format: .tarGzip, named: "app.tar.gz", in: scratch)
        let first = try CanonicalBundle.write(revision: path, inspection: try BundleReader.inspect(path: path), to: scratch.file("one.tar"))
        let second = try CanonicalBundle.write(revision: first.path, inspection: try BundleReader.inspect(path: first.path), to: scratch.file("two.tar"))
        #expect(first.sha256 == second.sha256, "a rollback from the cached bundle sends the same bytes")
        let inspection = try BundleReader.inspect(path: first.path)
        #expect(inspection.strippedPrefix == nil, "the leading folder is stripped before sending")
        #expect(inspection.entries.contains { $0.path == "appspec.yml" })
    }

    @Test func aRevisionThatChangedAfterItWasCheckedIsNotSent() throws {
        let (scratch, revision, inspection) = try Self.checkedRevision()
        try scratch.write("rev/www/index.html", "changed afterwards\n")
        #expect(throws: BundleError.self) {
            try CanonicalBundle.write(revision: revision, inspection: inspection, to: scratch.file("out.tar"))
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.tar")))
        try scratch.write("rev/www/index.html", "checked\n")
        try scratch.write("rev/www/new.html", "added afterwards\n")
        #expect(throws: BundleError.self) {
            try CanonicalBundle.write(revision: revision, inspection: inspection, to: scratch.file("out.tar"))
        }
    }

    /// A two-file directory revision, and what the check read of it.
    static func checkedRevision() throws -> (ScratchDirectory, String, BundleInspection) {
        let scratch = try ScratchDirectory()
        let revision = scratch.file("rev")
        try scratch.write("rev/appspec.yml", "version: 0.0\nos: linux\n")
        try scratch.write("rev/www/index.html", "checked\n")
        return (scratch, revision, try BundleReader.inspect(path: revision))
    }

    /// A file removed after the check is the revision changing, as a file that grew is, also
    /// when it goes between the writer's second look and its read (then "cannot be read any
    /// more", where it said "cannot open" and deploy exited 1).
    @Test func aFileRemovedAfterTheCheckIsAChangedRevision() throws {
        let (scratch, revision, inspection) = try Self.checkedRevision()
        try FileManager.default.removeItem(atPath: scratch.file("rev/www/index.html"))
        let error = #expect(throws: BundleError.self) {
            try CanonicalBundle.write(revision: revision, inspection: inspection, to: scratch.file("out.tar"))
        }
        guard case .changed? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(error?.isInvalidInput == true)
    }

    /// Every problem in one pass: a link loop and a link to the revision root were reported
    /// only once the FIFO and the link out beside them had been removed.
    @Test func entryAndLinkProblemsAreReportedTogether() throws {
        let scratch = try ScratchDirectory()
        try scratch.write("rev/appspec.yml", "version: 0.0\nos: linux\n")
        let rev = scratch.file("rev")
        #expect(mkfifo(rev + "/fifo", 0o644) == 0)
        for (name, target) in [("pw", "/etc/passwd"), ("l1", "l2"), ("l2", "l1"), ("self", ".")] {
            try FileManager.default.createSymbolicLink(atPath: rev + "/" + name, withDestinationPath: target)
        }
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: rev) }
        guard case .unsafeEntries(_, let problems)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(problems.compactMap(\.entry).sorted() == ["fifo", "l1", "l2", "pw", "self"], "\(problems)")
    }

    // MARK: Item 5: names and paths the host cannot hold

    @Test func namesAndPathsLongerThanLinuxAllowsAreRefused() throws {
        let scratch = try ScratchDirectory()
        let longName = String(repeating: "n", count: 256)
        let deep = (0..<20).map { _ in String(repeating: "d", count: 250) }.joined(separator: "/") + "/f"
        let path = try ArchiveFixture.write([
            ArchiveFixture.file("appspec.yml", "version: 0.0\nos: linux\n"),
            ArchiveFixture.file("ok/\(String(repeating: "n", count: 255))", "fits"),
            ArchiveFixture.file("www/\(longName)", "too long a name"),
            ArchiveFixture.file(deep, "too long a path"),
        ], format: .tar, named: "long.tar", in: scratch)
        do {
            _ = try BundleReader.inspect(path: path)
            Issue.record("a 256-byte name and a 5,000-byte path were accepted")
        } catch {
            let text = "\(error)"
            #expect(text.contains("is 256 bytes long; Linux allows 255 bytes per name"), "\(text)")
            #expect(text.contains("Linux allows 4095 bytes"), "\(text)")
            #expect(!text.contains("ok/"), "a 255-byte name fits: \(text)")
        }
    }
}

/// A folder on disk as `lstat` sees it: path → what is there.
struct UnpackedTree {
    enum Node: Equatable, CustomStringConvertible {
        case file(mode: UInt32, size: Int64)
        case directory(mode: UInt32)
        case symlink(String)
        var isDirectory: Bool { if case .directory = self { return true } else { return false } }
        var description: String {
            switch self {
            case .file(let mode, let size): return "file \(String(mode, radix: 8)) \(size) bytes"
            case .directory(let mode): return "directory \(String(mode, radix: 8))"
            case .symlink(let text): return "symlink -> \(text)"
            }
        }
    }

    var nodes: [String: Node] = [:]
    /// SHA-256 of each file, by path.
    var digests: [String: String] = [:]

    static func read(_ root: String, digests: Bool = false) throws -> UnpackedTree {
        var tree = UnpackedTree()
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            let full = root + "/" + relative
            var info = stat()
            guard lstat(full, &info) == 0 else { continue }
            let mode = UInt32(info.st_mode) & 0o7777
            switch UInt32(info.st_mode) & 0o170000 {
            case 0o040000: tree.nodes[relative] = .directory(mode: mode)
            case 0o120000: tree.nodes[relative] = .symlink(try FileManager.default.destinationOfSymbolicLink(atPath: full))
            default:
                tree.nodes[relative] = .file(mode: mode, size: Int64(info.st_size))
                if digests {
                    tree.digests[relative] = HexText.encode(SHA256Hasher.hash(Array(try Data(contentsOf: URL(fileURLWithPath: full)))))
                }
            }
        }
        return tree
    }
}

/// Writes fixture items as a real directory revision.
enum DirectoryFixture {
    static func write(_ items: [ArchiveFixture.Item], in scratch: ScratchDirectory) throws -> String {
        let root = scratch.file("dir-revision")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for item in items {
            let path = root + "/" + String(decoding: item.entry.pathBytes, as: UTF8.self)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            switch item.entry.kind {
            case .file:
                try Data(item.contents).write(to: URL(fileURLWithPath: path))
                chmod(path, mode_t(item.entry.mode))
            case .directory:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                chmod(path, mode_t(item.entry.mode))
            case .symlink(let target):
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: String(decoding: target, as: UTF8.self))
            default:
                continue
            }
        }
        return root
    }
}

/// Rewrites the uncompressed size a zip states for one entry (central directory, local header
/// and data descriptor), leaving its deflated data as it is: what `unzip` unpacks is then far
/// more than the headers say.
enum ZipPatch {
    static func understateSizes(_ path: String, entry name: String, to size: UInt32) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func put32(_ at: Int, _ value: UInt32) { for i in 0..<4 { bytes[at + i] = UInt8((value >> (8 * i)) & 0xFF) } }
        let nameBytes = Array(name.utf8)
        var patched = 0
        var i = 0
        while i + 46 <= bytes.count {
            let signature = u32(i)
            if signature == 0x0201_4B50, Array(bytes[(i + 46)..<(i + 46 + u16(i + 28))]) == nameBytes {
                put32(i + 24, size)
                patched += 1
            } else if signature == 0x0403_4B50, Array(bytes[(i + 30)..<(i + 30 + u16(i + 26))]) == nameBytes {
                if u32(i + 22) != 0 { put32(i + 22, size) }
                patched += 1
                // The data descriptor that follows this entry's data, when it has one.
                if bytes[i + 6] & 0x08 != 0 {
                    var j = i + 30
                    while j + 16 <= bytes.count, u32(j) != 0x0807_4B50 { j += 1 }
                    if j + 16 <= bytes.count { put32(j + 12, size) }
                }
            }
            i += 1
        }
        guard patched >= 2 else { throw CocoaError(.fileReadCorruptFile) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
