import Foundation
import HoistTestSupport
import Testing
@testable import HoistArchive

/// The bundle cache's parts on a scratch folder: where it is, taking a bundle in, holding,
/// pruning and its limits. (Through the command line: HoistCLITests' BundleCacheTests.)
@Suite struct BundleCacheUnitTests {
    let scratch: ScratchDirectory
    var folder: String { scratch.path }

    init() throws {
        scratch = try ScratchDirectory("hoist-bundle-cache-unit")
    }

    static func digest(_ n: Int) -> String { String(repeating: String(n % 10), count: 64) }

    /// A bundle file `<digest(n)>.tar` of `size` bytes, last used `age` seconds ago.
    @discardableResult
    func bundle(_ n: Int, size: Int = 100, age: TimeInterval) throws -> String {
        let path = folder + "/" + Self.digest(n) + ".tar"
        try Data(count: size).write(to: URL(fileURLWithPath: path))
        try setAge(path, age)
        return path
    }

    func setAge(_ path: String, _ age: TimeInterval) throws {
        let date = Date().addingTimeInterval(-age)
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    var names: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []) }

    @Test func theFolderFollowsXDGCacheHomeThenHome() {
        #expect(BundleCache.folder(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/h"]) == "/x/cache/hoist/bundles")
        #expect(BundleCache.folder(environment: ["XDG_CACHE_HOME": "/x/cache/", "HOME": "/h"]) == "/x/cache/hoist/bundles")
        #expect(BundleCache.folder(environment: ["XDG_CACHE_HOME": "rel", "HOME": "/h"]) == "/h/.cache/hoist/bundles")
        #expect(BundleCache.folder(environment: ["HOME": "/h"]) == "/h/.cache/hoist/bundles")
        #expect(BundleCache.folder(environment: ["HOME": ""]) == NSHomeDirectory() + "/.cache/hoist/bundles")
    }

    @Test func limitsComeFromTheEnvironmentAndSayWhatIsWrong() throws {
        #expect(try BundleCache.Limits(environment: [:]) == .default)
        #expect(BundleCache.Limits.default == BundleCache.Limits(maxBundles: 100, maxBytes: 2 << 30))
        let set = try BundleCache.Limits(environment: ["HOIST_BUNDLE_CACHE_MAX_BUNDLES": "7", "HOIST_BUNDLE_CACHE_MAX_SIZE": "500MiB"])
        #expect(set == BundleCache.Limits(maxBundles: 7, maxBytes: 500 << 20))
        #expect(LimitVariable.bytes("2G") == 2 << 30 && LimitVariable.bytes("2g") == 2 << 30)
        #expect(LimitVariable.bytes("1048576") == 1 << 20 && LimitVariable.bytes("0") == 0)
        #expect(LimitVariable.bytes("unlimited") == .max)
        for bad in ["", "G", "-1G", "2 G", "2X", "1.5G", "99999999999T"] {
            #expect(LimitVariable.bytes(bad) == nil, "\(bad)")
        }
        #expect(throws: BundleCache.Limits.Problem.self) { try BundleCache.Limits(environment: ["HOIST_BUNDLE_CACHE_MAX_BUNDLES": "-1"]) }
        do {
            _ = try BundleCache.Limits(environment: ["HOIST_BUNDLE_CACHE_MAX_BUNDLES": "many"])
            Issue.record("accepted")
        } catch {
            #expect(error.description == "HOIST_BUNDLE_CACHE_MAX_BUNDLES=many is not a number of bundles; use a whole number such as 100, or unlimited")
        }
    }

    @Test func pruneRemovesTheLeastRecentlyUsedUntilWithinBothLimits() throws {
        for n in 1...5 { try bundle(n, size: 100, age: Double(100 * n)) }
        // Bundle 5 is the oldest.
        var cache = BundleCache(folder: folder, limits: BundleCache.Limits(maxBundles: 4, maxBytes: .max))
        var pruned = cache.prune()
        #expect(pruned.removed == [Self.digest(5) + ".tar"])
        #expect(pruned.bundles == 4 && pruned.bytes == 400)
        cache.limits = BundleCache.Limits(maxBundles: 10, maxBytes: 250)
        pruned = cache.prune()
        #expect(pruned.removed == [Self.digest(4) + ".tar", Self.digest(3) + ".tar"])
        #expect(names == [Self.digest(1) + ".tar", Self.digest(2) + ".tar"])
        // Within its limits, a prune removes nothing.
        #expect(cache.prune().removed.isEmpty)
    }

    /// A bundle this process holds (or another's: the lock is the file's) is never removed,
    /// but still counts; a vanished one counts as removed.
    @Test func aHeldBundleIsKeptAndAVanishedOneIsNoError() throws {
        let old = try bundle(1, age: 1000)
        try bundle(2, age: 500)
        try bundle(3, age: 10)
        let cache = BundleCache(folder: folder, limits: BundleCache.Limits(maxBundles: 1, maxBytes: .max))
        #expect(cache.find(sha256: Self.digest(1)) == old)
        let pruned = cache.prune()
        #expect(pruned.removed == [Self.digest(2) + ".tar", Self.digest(3) + ".tar"])
        #expect(names == [Self.digest(1) + ".tar"])
        #expect(BundleCache.remove(folder + "/" + Self.digest(7) + ".tar") == .gone)
    }

    /// Taking a bundle in links it under its digest, never over a copy there (another
    /// deployment may be uploading from it), holds it and marks it used; the build's file goes.
    @Test func admittingKeepsTheCopyThereAndMarksItUsed() throws {
        let existing = try bundle(1, size: 100, age: 1000)
        var before = stat()
        stat(existing, &before)
        let cache = BundleCache(folder: folder, limits: BundleCache.Limits(maxBundles: 0, maxBytes: 0))
        let built = cache.temporaryPath()
        try Data(count: 100).write(to: URL(fileURLWithPath: built))
        #expect(try cache.admit(built, sha256: Self.digest(1)) == existing)
        var after = stat()
        stat(existing, &after)
        #expect(after.st_ino == before.st_ino, "the copy there is kept")
        #expect(after.st_mtim.tv_sec > before.st_mtim.tv_sec, "and marked used")
        #expect(!FileManager.default.fileExists(atPath: built))
        #expect(cache.prune().removed.isEmpty, "it is held")

        let fresh = cache.temporaryPath()
        try Data(count: 50).write(to: URL(fileURLWithPath: fresh))
        #expect(try cache.admit(fresh, sha256: Self.digest(2)) == folder + "/" + Self.digest(2) + ".tar")
        #expect(names == [Self.digest(1) + ".tar", Self.digest(2) + ".tar"])
    }

    /// A build's file left by a coordinator that is gone goes after a day; a build under way,
    /// and files that are not bundles, stay.
    @Test func abandonedBuildsGoAndOtherFilesStay() throws {
        let abandoned = folder + "/building-old.tar", partial = folder + "/building-old.tar.partial-123"
        let current = folder + "/building-new.tar", other = folder + "/notes.txt"
        for path in [abandoned, partial, current, other] { try Data(count: 10).write(to: URL(fileURLWithPath: path)) }
        try setAge(abandoned, 2 * 86400)
        try setAge(partial, 2 * 86400)
        try setAge(other, 30 * 86400)
        let pruned = BundleCache(folder: folder, limits: BundleCache.Limits(maxBundles: 0, maxBytes: 0)).prune()
        #expect(pruned.removed.isEmpty && pruned.bundles == 0)
        #expect(names == ["building-new.tar", "notes.txt"])
    }

    @Test func bundleNamesAreDigests() {
        #expect(BundleCache.isBundleName(Self.digest(1) + ".tar"))
        #expect(BundleCache.isBundleName(String(repeating: "a", count: 64) + ".tar.gz"))
        #expect(!BundleCache.isBundleName(String(repeating: "A", count: 64) + ".tar"))
        #expect(!BundleCache.isBundleName(String(repeating: "a", count: 63) + ".tar"))
        #expect(!BundleCache.isBundleName(String(repeating: "a", count: 64) + ".zip"))
        #expect(!BundleCache.isBundleName("building-x.tar"))
    }
}
