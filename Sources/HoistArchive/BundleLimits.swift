/// Ceilings that stop a compression bomb before it fills a disk: inspection stops reading as soon
/// as one is passed, and the bundle is refused.
public struct BundleLimits: Sendable, Hashable, Codable {
    /// Sum of the sizes of all files once unpacked.
    public var maxExpandedSize: Int64
    /// Number of entries (files, directories, links).
    public var maxEntryCount: Int
    /// Largest AppSpec file read into memory.
    public var maxAppSpecSize: Int

    public init(
        maxExpandedSize: Int64 = 8 << 30, maxEntryCount: Int = 200_000,
        maxAppSpecSize: Int = 1 << 20
    ) {
        self.maxExpandedSize = maxExpandedSize
        self.maxEntryCount = maxEntryCount
        self.maxAppSpecSize = maxAppSpecSize
    }

    public static let `default` = BundleLimits()

    public static let entriesVariable = "HOIST_BUNDLE_MAX_ENTRIES"
    public static let sizeVariable = "HOIST_BUNDLE_MAX_SIZE"

    /// A variable that says neither a count nor a size, in words.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// The defaults, changed by the variables that are set (and not empty): a real
    /// application's revision (a `node_modules` of 300,000 files) may pass them, and then
    /// only raising them lets it deploy.
    public init(environment: [String: String]) throws(Problem) {
        self = .default
        do {
            if let count = try LimitVariable.count(Self.entriesVariable, in: environment, least: 1, unit: "entries",
                                                   example: "500000", unlimited: false) { maxEntryCount = count }
            if let bytes = try LimitVariable.size(Self.sizeVariable, in: environment, example: "16G", unlimited: false, zero: false) {
                maxExpandedSize = bytes
            }
        } catch {
            throw Problem(description: error.description)
        }
    }

    /// What to say after a limit is passed: how to raise it, and what it guards against.
    static func advice(_ variable: String) -> String {
        "; raise it with \(variable) if the revision really is this large (for an archive it may be a compression bomb)"
    }
}
