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
        public struct Problem: Error, CustomStringConvertible {
            public var description: String
        }

        /// The defaults, changed by the variables that are set (and not empty). `unlimited`
        /// lifts a limit; 0 keeps only the bundles in use.
        public init(environment: [String: String]) throws(Problem) {
            self = .default
            if let text = environment[Self.bundlesVariable], !text.isEmpty {
                if text == "unlimited" {
                    maxBundles = .max
                } else if let count = Int(text), count >= 0 {
                    maxBundles = count
                } else {
                    throw Problem(description: "\(Self.bundlesVariable)=\(text) is not a number of bundles; use a whole number such as 100, or unlimited")
                }
            }
            if let text = environment[Self.sizeVariable], !text.isEmpty {
                guard let bytes = Self.bytes(text) else {
                    throw Problem(description: "\(Self.sizeVariable)=\(text) is not a size; use bytes or a whole number with K, M, G or T (KiB, MiB, GiB, TiB), such as 2G, or unlimited")
                }
                maxBytes = bytes
            }
        }

        /// `2G`, `500MiB`, `1048576`, `unlimited`; units are powers of 1024, in either case.
        static func bytes(_ text: String) -> Int64? {
            if text == "unlimited" { return .max }
            var digits = Substring(text)
            var unit = ""
            while let last = digits.last, !last.isNumber {
                unit = String(last) + unit
                digits = digits.dropLast()
            }
            let shifts: [String: Int64] = ["": 0, "B": 0, "K": 10, "KIB": 10, "M": 20, "MIB": 20, "G": 30, "GIB": 30, "T": 40, "TIB": 40]
            guard let shift = shifts[unit.uppercased()], let value = Int64(digits), value >= 0,
                  value <= Int64.max >> shift else { return nil }
            return value << shift
        }
    }
}
