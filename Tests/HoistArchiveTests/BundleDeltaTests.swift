import Foundation
import HoistCore
import HoistDigest
import HoistPlanning
import HoistTestSupport
import Testing
@testable import HoistArchive

/// Delta uploads end to end on this machine: the coordinator's encoder, then the host's
/// applier (`BundleDeltaApplier`, run by this machine's perl as a host runs it), which must
/// give back the new bundle byte for byte. (On fleet hosts: DeltaUploadTests.)
@Suite struct BundleDeltaTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("hoist-bundle-delta")
    }

    /// A tar of `files` (name, bytes), in order.
    static func tar(_ files: [(String, [UInt8])]) -> [UInt8] {
        var tar = TarBytes()
        for (name, data) in files { tar.add(name, data: data) }
        tar.finish()
        return tar.bytes
    }

    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &+ 0x9e37_79b9_7f4a_7c15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }

    static let app: [(String, [UInt8])] = [
        ("app/a.bin", noise(70_000, seed: 1)), ("app/b.txt", Array("version 1\n".utf8)),
        ("app/c.bin", noise(200_000, seed: 2)), ("app/d.bin", noise(1_000, seed: 3)),
    ]

    /// Encodes `target` against `base`, applies it with the host's program; returns the
    /// rebuilt bytes, the delta's size and the applier's status.
    func roundTrip(base: [UInt8], target: [UInt8], cut: Int = 0, baseName: String = "base.tar") async throws
        -> (rebuilt: [UInt8], deltaSize: Int64, status: Int32?) {
        var delta: [UInt8] = []
        let size = try base.withUnsafeBytes { b in
            try target.withUnsafeBytes { t in try BundleDeltaEncoder.encode(base: Bytes(bytes: b), target: Bytes(bytes: t)) { delta += $0 } }
        }
        #expect(size == Int64(delta.count))
        let basePath = scratch.file(baseName)
        try Data(base).write(to: URL(fileURLWithPath: basePath))
        try Data(delta.dropLast(cut)).write(to: URL(fileURLWithPath: scratch.file("delta")))
        let out = scratch.file("rebuilt")
        let (result, _, err) = try await LocalShell.capture(
            "\(BundleDeltaApplier.command(base: basePath)) <\(shellQuote(scratch.file("delta"))) >\(shellQuote(out))")
        if result.exitStatus == 0 { #expect(err.isEmpty) }
        return (Array(try Data(contentsOf: URL(fileURLWithPath: out))), size, result.exitStatus)
    }

    @Test func aChangedFileIsTheOnlyDataSent() async throws {
        var next = Self.app
        next[1].1 = Array("version 2\n".utf8)
        let target = Self.tar(next)
        let trip = try await roundTrip(base: Self.tar(Self.app), target: target)
        #expect(trip.status == 0)
        #expect(trip.rebuilt == target)
        // The changed member's header and data block, and the copy lines around them.
        #expect(trip.deltaSize < 1_200)
    }

    @Test func filesThatMovedAreStillCopied() async throws {
        // A new file first shifts every later member; a removed one shifts them back.
        var next = [("app/0-new.bin", Self.noise(5_000, seed: 9))] + Self.app
        next.remove(at: 3)
        let target = Self.tar(next)
        let trip = try await roundTrip(base: Self.tar(Self.app), target: target)
        #expect(trip.status == 0)
        #expect(trip.rebuilt == target)
        #expect(trip.deltaSize < 7_000)
    }

    /// A fresh checkout gives every file a new modification time, so every header differs:
    /// the headers are sent and the data is still copied.
    @Test func newHeadersAloneAreSentWithTheDataCopied() async throws {
        var tar = TarBytes()
        for (name, data) in Self.app { tar.add(name, data: data, mode: 0o600) }
        tar.finish()
        let trip = try await roundTrip(base: Self.tar(Self.app), target: tar.bytes)
        #expect(trip.status == 0)
        #expect(trip.rebuilt == tar.bytes)
        #expect(trip.deltaSize < Int64(Self.app.count * 512 + 400))
    }

    /// The new bundle is read a megabyte at a time: changes that straddle a piece's end, a
    /// shift of every later block, new data longer than a piece, and an unaligned tail.
    @Test func changesAcrossPiecesComeThrough() async throws {
        let base = Self.noise(3 << 20, seed: 12)
        var target = base
        for k in (1 << 20) - 700..<(1 << 20) + 900 { target[k] ^= 0xff }
        target.insert(contentsOf: Self.noise(512, seed: 13), at: 2 << 20)
        target += Self.noise((1 << 20) + 300, seed: 14)
        let trip = try await roundTrip(base: base, target: target)
        #expect(trip.status == 0)
        #expect(trip.rebuilt == target)
        // The new megabyte and tail, the four changed blocks, the inserted one, the lines.
        let sent: Int = (1 << 20) + 300 + 5 * 512 + 400
        #expect(trip.deltaSize < Int64(sent))
    }

    @Test func unrelatedBytesAndAnUnalignedTailComeThrough() async throws {
        for (base, target) in [(Self.noise(3_000, seed: 4), Self.noise(10_001, seed: 5)),
                               ([], Self.noise(700, seed: 6)), (Self.noise(1_024, seed: 7), []),
                               (Self.tar(Self.app), Self.tar(Self.app))] {
            let trip = try await roundTrip(base: base, target: target)
            #expect(trip.status == 0)
            #expect(trip.rebuilt == target)
        }
    }

    @Test func aStreamCutShortFails() async throws {
        var next = Self.app
        next[0].1 = Self.noise(70_000, seed: 8)
        for cut in [2, 100] {
            let trip = try await roundTrip(base: Self.tar(Self.app), target: Self.tar(next), cut: cut)
            #expect(trip.status != 0)
        }
    }

    @Test func aHostileBasePathIsOneWord() async throws {
        let name = "it's $(touch pwned) `x`; \"b\" *.tar"
        var next = Self.app
        next[3].1 = Self.noise(1_000, seed: 10)
        let target = Self.tar(next)
        let trip = try await roundTrip(base: Self.tar(Self.app), target: target, baseName: name)
        #expect(trip.status == 0)
        #expect(trip.rebuilt == target)
        #expect(!FileManager.default.fileExists(atPath: scratch.file("pwned")))
        #expect(!FileManager.default.fileExists(atPath: "pwned"))
    }

    /// The cache's side: a delta only from a bundle it holds, and only when it saves enough.
    @Test func deltasComeFromCachedBundlesAndOnlyWhenWorthIt() async throws {
        let cache = BundleCache(folder: scratch.path)
        func admit(_ bytes: [UInt8]) throws -> (String, String) {
            let temp = cache.temporaryPath()
            try Data(bytes).write(to: URL(fileURLWithPath: temp))
            let digest = try FileSHA256.hex(path: temp)
            return (try cache.admit(temp, sha256: digest), digest)
        }
        var next = Self.app
        next[1].1 = Array("version 3\n".utf8)
        let (_, oldDigest) = try admit(Self.tar(Self.app))
        let (new, newDigest) = try admit(Self.tar(next))
        let (_, unrelatedDigest) = try admit(Self.noise(300_000, seed: 11))
        let deltas = BundleDeltas(cache: cache, target: new, targetSHA256: newDigest)
        let delta = try #require(await deltas.delta(from: oldDigest))
        #expect(delta.baseSHA256 == oldDigest)
        #expect(delta.size < 1_200)
        let stream = try Data(contentsOf: URL(fileURLWithPath: delta.path))
        #expect(Int64(stream.count) == delta.size)
        // Asked again (another host): the same stream, not a second one.
        #expect(await deltas.delta(from: oldDigest) == delta)
        #expect(await deltas.delta(from: unrelatedDigest) == nil)
        #expect(await deltas.delta(from: String(repeating: "e", count: 64)) == nil)
        #expect(await deltas.delta(from: newDigest) == nil)
    }

    /// A base the cache does not hold is read from the host that offers it: once however many
    /// hosts ask, kept only when its digest is the one asked for, and never put in the cache.
    @Test func aBaseTheCacheLacksIsReadOnceFromAHostAndNeverCached() async throws {
        let cache = BundleCache(folder: scratch.path)
        let old = Self.tar(Self.app)
        var next = Self.app
        next[1].1 = Array("version 4\n".utf8)
        let temp = cache.temporaryPath()
        try Data(Self.tar(next)).write(to: URL(fileURLWithPath: temp))
        let newDigest = try FileSHA256.hex(path: temp)
        let new = try cache.admit(temp, sha256: newDigest)
        let oldFile = scratch.file("held.tar")
        try Data(old).write(to: URL(fileURLWithPath: oldFile))
        let oldDigest = try FileSHA256.hex(path: oldFile)

        let reads = Locked<[String]>([])
        func source(_ host: String, serving bytes: [UInt8]) -> HeldBundleSource {
            HeldBundleSource(host: host) { localPath, maxBytes in
                reads.withLock { $0.append(host) }
                #expect(maxBytes == Int64(BundleDeltas.largestBundle))
                try Data(bytes).write(to: URL(fileURLWithPath: localPath))
            }
        }
        let deltas = BundleDeltas(cache: cache, target: new, targetSHA256: newDigest)
        let answers = await withTaskGroup(of: BundleDelta?.self) { group in
            for host in ["h1", "h2", "h3"] {
                group.addTask { await deltas.delta(from: oldDigest, readingFrom: source(host, serving: old)) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(reads.current.count == 1, "read once: \(reads.current)")
        let delta = try #require(answers.first ?? nil)
        #expect(answers.allSatisfy { $0 == delta })
        #expect(delta.baseReadFrom == reads.current.first)
        #expect(delta.size < 1_200)
        #expect(cache.find(sha256: oldDigest) == nil, "a bundle read back is no cached bundle")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.hasPrefix("delta-") },
                "nothing is left behind")
        // The delta rebuilds the new bundle from the held one, as a host does.
        try Data(contentsOf: URL(fileURLWithPath: delta.path)).write(to: URL(fileURLWithPath: scratch.file("delta")))
        let out = scratch.file("rebuilt")
        let (result, _, _) = try await LocalShell.capture(
            "\(BundleDeltaApplier.command(base: oldFile)) <\(shellQuote(scratch.file("delta"))) >\(shellQuote(out))")
        #expect(result.exitStatus == 0)
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: out))) == Self.tar(next))

        // Bytes that are not the bundle asked for (a held bundle changed since its host
        // recorded it): no delta, and the bundle goes whole.
        var tampered = old
        tampered[tampered.count / 2] ^= 1
        let other = BundleDeltas(cache: cache, target: new, targetSHA256: newDigest)
        #expect(await other.delta(from: oldDigest, readingFrom: source("h4", serving: tampered)) == nil)
        // A host that cannot be read from.
        let failing = HeldBundleSource(host: "h5") { _, _ in throw CancellationError() }
        #expect(await BundleDeltas(cache: cache, target: new, targetSHA256: newDigest).delta(from: oldDigest, readingFrom: failing) == nil)
    }
}

/// Bytes in memory as an encoder's input (the coordinator reads files: `BundleFileInput`).
private struct Bytes: BundleDeltaEncoder.Input {
    let bytes: UnsafeRawBufferPointer
    var count: Int { bytes.count }
    func read(at offset: Int, into: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = max(0, min(into.count, bytes.count - offset))
        if n > 0 { into.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: n) }
        return n
    }
}
