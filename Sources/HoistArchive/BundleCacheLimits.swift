import Foundation

extension BundleCache {
    /// How much the bundle cache keeps: at most `maxBundles` bundles and `maxBytes` bytes,
    /// whichever is reached first (bundles in use are never removed, and still count). The
    /// defaults keep a rollback's bundle for the recent deployments of a busy machine and
    /// bound the cache at 2 GiB; `HOIST_BUNDLE_CACHE_MAX_BUNDLES` and
    /// `HOIST_BUNDLE_CACHE_MAX_SIZE` change them (docs/bundles.md).
    public struct Limits: Sendable, Equatable {
        public var maxBundles: Int
        public var maxBytes: Int64

        public init(maxBundles: Int, maxBytes: Int64) {
            self.maxBundles = maxBundles
            self.maxBytes = maxBytes
        }

        public static let `default` = Limits(maxBundles: 100, maxBytes: 2 << 30)

        public static let bundlesVariable = "HOIST_BUNDLE_CACHE_MAX_BUNDLES"
        public static let sizeVariable = "HOIST_BUNDLE_CACHE_MAX_SIZE"

        /// A variable that says neither a count nor a size, in words.
        public typealias Problem = BundleLimits.Problem

        /// The defaults, changed by the variables that are set (and not empty). `unlimited`
        /// lifts a limit; 0 keeps only the bundles in use.
        public init(environment: [String: String]) throws(Problem) {
            self = .default
            do {
                if let count = try LimitVariable.count(Self.bundlesVariable, in: environment, least: 0, unit: "bundles",
                                                       example: "100", unlimited: true) { maxBundles = count }
                if let bytes = try LimitVariable.size(Self.sizeVariable, in: environment, example: "2G", unlimited: true) { maxBytes = bytes }
            } catch {
                throw Problem(description: error.description)
            }
        }
    }
}
