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
}
