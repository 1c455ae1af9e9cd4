import Foundation
import HoistArchive
import HoistTestSupport
import Testing

/// Zips that unzip (and so the CodeDeploy agent) and libarchive read differently are refused,
/// naming what differs; zips they read alike are taken. An adversarial run crafted each of
/// these; all but the first were taken before Hoist compared libarchive's members with
/// unzip's listing one by one (`ZipIndexes`).
@Suite struct ZipReadingTests {
    typealias Member = CraftedZip.Member

    struct Case: CustomStringConvertible, Sendable {
        var label: String
        var zip: @Sendable () -> CraftedZip
        var reason: String
        var description: String { label }
    }

    static let refused: [Case] = [
        Case(label: "the local header names another file", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt", localName: "b.txt")])
        }, reason: "member 2 is 'a.txt' to unzip but 'b.txt' to libarchive"),
        Case(label: "a member past the count the end record states", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt"), Member(name: "x.txt", localName: "evil.txt")], statedCount: 2)
        }, reason: "does not list"),
        Case(label: "a long comment makes libarchive read local headers alone", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt"), Member(name: "evil.txt", listed: false)],
                       comment: [UInt8](repeating: UInt8(ascii: "c"), count: 20_000))
        }, reason: "'evil.txt' its central directory does not list"),
        Case(label: "a Unicode path field of version 2, which unzip ignores", zip: {
            let field = CraftedZip.unicodePath("x.txt", for: "a.txt", version: 2)
            return CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt", extra: field)])
        }, reason: "'a.txt' to unzip but 'x.txt' to libarchive"),
        Case(label: "two Unicode path fields: unzip takes the first, libarchive each in turn", zip: {
            let fields = CraftedZip.unicodePath("x.txt", for: "a.txt") + CraftedZip.unicodePath("y.txt", for: "x.txt")
            return CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt", extra: fields)])
        }, reason: "'x.txt' to unzip but 'y.txt' to libarchive"),
        Case(label: "a backslash in a name made on Unix", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "dir\\evil.txt")])
        }, reason: "'dir\\evil.txt' to unzip but 'dir/evil.txt' to libarchive"),
        Case(label: "a folder's mode on a name without a slash", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "scripts", mode: 0o040755)])
        }, reason: "is 'scripts' to unzip but 'scripts/' to libarchive"),
        Case(label: "two members on one local header", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt"), Member(name: "b.txt", sharesLocalHeaderOf: 1)])
        }, reason: "share one local header"),
        Case(label: "data that fails its CRC", zip: {
            CraftedZip(members: [CraftedZip.appSpec, Member(name: "a.txt", badCRC: true)])
        }, reason: "CRC"),
    ]

    @Test(arguments: refused)
    func refuses(_ hostile: Case) throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("hostile.zip")
        try Data(hostile.zip().bytes()).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: BundleError.self) { try BundleReader.inspect(path: path) }
        guard case .unreadable(_, let reason) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(reason.contains(hostile.reason), "\(reason)")
    }

    /// What both read alike is taken: a zip made on MS-DOS with backslashes (both read them
    /// as folders), and a Unicode path field whose checksum matches.
    @Test func takesWhatBothReadAlike() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("alike.zip")
        let zip = CraftedZip(members: [
            CraftedZip.appSpec,
            Member(name: "dir\\a.txt", madeBy: 0),
            Member(name: "b.txt", extra: CraftedZip.unicodePath("bé.txt", for: "b.txt")),
        ])
        try Data(zip.bytes()).write(to: URL(fileURLWithPath: path))
        let inspection = try BundleReader.inspect(path: path)
        #expect(Set(inspection.entries.map(\.path)).isSuperset(of: ["appspec.yml", "dir/a.txt", "bé.txt"]), "\(inspection.entries.map(\.path))")
    }
}
