import Foundation
import HoistTestSupport
import Testing

/// The coordinator's bundle cache as a user sees it, through `hoist local` (which builds and
/// caches the bundle as `deploy` does): where it lives, that it stays within its limits,
/// least recently used out first, and that a running deployment's bundle is never removed.
/// It used to ignore $HOME and keep every bundle ever built (2.3 GB on a CI box).
@Suite struct BundleCacheTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory("hoist-bundle-cache")
    }

    /// A revision folder whose one file holds `tag`, so each tag is a bundle of its own;
    /// `hook` runs in AfterInstall.
    @discardableResult
    func revision(_ tag: String, hook: String = "exit 0") throws -> String {
        try scratch.write("\(tag)/appspec.yml", """
            version: 0.0
            os: linux
            files:
              - source: web
                destination: \(scratch.file("www-\(tag)"))
            hooks:
              AfterInstall:
                - location: hook.sh
            """)
        try scratch.write("\(tag)/hook.sh", "#!/bin/sh\n\(hook)\n", mode: 0o755)
        try scratch.write("\(tag)/web/index.html", "<h1>\(tag)</h1>\n")
        return scratch.file(tag)
    }

    var cache: String { scratch.file("cache/hoist/bundles") }

    /// HOME is the scratch folder and XDG_CACHE_HOME the scratch `cache` unless `environment`
    /// says otherwise.
    func environment(_ more: [String: String]) -> [String: String] {
        ["HOME": scratch.path, "XDG_CACHE_HOME": scratch.file("cache"), "HOIST_BUNDLE_CACHE_MAX_BUNDLES": "",
         "HOIST_BUNDLE_CACHE_MAX_SIZE": ""].merging(more) { $1 }
    }

    func local(_ tag: String, _ more: [String: String] = [:]) async throws -> HoistBinary.Output {
        let out = try await HoistBinary.runDetached(["local", scratch.file(tag), "--deployment-root", scratch.file("root")],
                                                    environment: environment(more))
        #expect(out.status == 0, "hoist local \(tag): \(out.stdout)\(out.stderr)")
        return out
    }

    func bundles(in folder: String? = nil) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: folder ?? cache)) ?? []).filter { $0.hasSuffix(".tar") })
    }

    /// The bundle a deployment added to the cache.
    func added(_ tag: String, _ more: [String: String] = [:]) async throws -> String {
        let before = bundles()
        _ = try await local(tag, more)
        let new = bundles().subtracting(before)
        try #require(new.count == 1, "one new bundle for \(tag): \(new)")
        return new.first!
    }

    /// Without XDG_CACHE_HOME the cache is under $HOME/.cache, as the XDG spec says (it went
    /// to the account's home folder whatever HOME said); a relative XDG_CACHE_HOME counts as
    /// unset.
    @Test func theCacheIsUnderXDGCacheHomeElseHome() async throws {
        try revision("v1")
        _ = try await local("v1", ["XDG_CACHE_HOME": ""])
        #expect(bundles(in: scratch.file(".cache/hoist/bundles")).count == 1)
        try revision("v2")
        _ = try await local("v2", ["XDG_CACHE_HOME": "relative/cache"])
        #expect(bundles(in: scratch.file(".cache/hoist/bundles")).count == 2)
        try revision("v3")
        _ = try await local("v3")
        #expect(bundles().count == 1, "XDG_CACHE_HOME/hoist/bundles")
    }

    /// A limit that is neither a count nor a size is input: exit 2, said once (the end of the
    /// command read the limits again and said it a second time), and nothing installed.
    @Test func aBadLimitIsSaidOnceAndInstallsNothing() async throws {
        try revision("bad")
        let out = try await HoistBinary.runDetached(["local", scratch.file("bad"), "--deployment-root", scratch.file("root")],
                                                    environment: environment(["HOIST_BUNDLE_CACHE_MAX_SIZE": "lots"]))
        #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
        #expect(out.stderr.components(separatedBy: "HOIST_BUNDLE_CACHE_MAX_SIZE=lots").count == 2, "once: \(out.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("www-bad")))
    }

    /// Past HOIST_BUNDLE_CACHE_MAX_BUNDLES, the bundle used least recently goes: one deployed
    /// again counts as used again.
    @Test func theLeastRecentlyUsedBundlesGoPastTheLimit() async throws {
        let limit = ["HOIST_BUNDLE_CACHE_MAX_BUNDLES": "2"]
        for tag in ["v1", "v2", "v3", "v4"] { try revision(tag) }
        let v1 = try await added("v1", limit)
        let v2 = try await added("v2", limit)
        #expect(bundles() == [v1, v2])
        let v3 = try await added("v3", limit)
        #expect(bundles() == [v2, v3], "v1 was used least recently")
        _ = try await local("v2", limit)
        #expect(bundles() == [v2, v3])
        let before = bundles()
        _ = try await local("v4", limit)
        let v4 = try #require(bundles().subtracting(before).first)
        #expect(bundles() == [v2, v4], "v3 was used less recently than v2")
    }

    /// HOIST_BUNDLE_CACHE_MAX_SIZE bounds the bytes, once the deployment is over too (the
    /// bundle it used, held while it ran, stayed past the limit until the next deployment);
    /// a size that is not one is refused in words.
    @Test func theSizeLimitKeepsOnlyWhatFits() async throws {
        for tag in ["v1", "v2"] { try revision(tag) }
        // Each bundle is about 5 KiB: one fits in 6 KiB, two do not, and none in 1 KiB.
        let v1 = try await added("v1", ["HOIST_BUNDLE_CACHE_MAX_SIZE": "6K"])
        #expect(bundles() == [v1])
        let v2 = try await added("v2", ["HOIST_BUNDLE_CACHE_MAX_SIZE": "6K"])
        #expect(bundles() == [v2], "v1 was used less recently")
        _ = try await local("v1", ["HOIST_BUNDLE_CACHE_MAX_SIZE": "1K"])
        #expect(bundles().isEmpty, "none fits, and none is in use once the deployment is over")
        let bad = try await HoistBinary.runDetached(["local", scratch.file("v1"), "--deployment-root", scratch.file("root")],
                                                    environment: environment(["HOIST_BUNDLE_CACHE_MAX_SIZE": "2 gigs"]))
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("HOIST_BUNDLE_CACHE_MAX_SIZE=2 gigs is not a size"), "\(bad.stderr)")
    }

    /// A deployment still running holds its bundle: another coordinator's prune leaves it,
    /// and a prune after it ended removes it.
    @Test(.timeLimit(.minutes(10))) func aRunningDeploymentsBundleIsNeverPruned() async throws {
        let go = scratch.file("go"), started = scratch.file("started")
        try revision("slow", hook: "touch '\(started)'; while [ ! -e '\(go)' ]; do sleep 0.1; done")
        try revision("v2")
        try revision("v3")
        let none = ["HOIST_BUNDLE_CACHE_MAX_BUNDLES": "0"]
        let running = try HoistBinary.start(["local", scratch.file("slow"), "--deployment-root", scratch.file("root")],
                                            environment: environment([:]))
        let hookStarted = await eventually(within: 300) { FileManager.default.fileExists(atPath: started) }
        guard hookStarted else {
            running.send(SIGKILL)
            _ = await Self.finish(running)
            Issue.record("the slow deployment's hook did not start")
            return
        }
        let slow = try #require(bundles().first)
        _ = try await local("v2", none)
        #expect(bundles() == [slow], "the running deployment's bundle is kept; v2's goes once v2 is over")
        _ = FileManager.default.createFile(atPath: go, contents: nil)
        let finished = await Self.finish(running)
        #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
        #expect(bundles() == [slow], "within the default limits")
        _ = try await local("v3", none)
        #expect(bundles().isEmpty, "nothing is in use")
    }

    /// Waits for the process on a thread of its own, not one of the cooperative pool's.
    static func finish(_ running: RunningHoist) async -> HoistBinary.Output {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: running.finish()) }.start()
        }
    }
}
