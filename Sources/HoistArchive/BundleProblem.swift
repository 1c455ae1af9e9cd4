/// One reason a bundle is refused, tied to the entry that caused it (nil for the whole bundle).
public struct BundleProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The entry's name as stored in the bundle, with unprintable and non-UTF-8 bytes escaped.
    public var entry: String?
    public var reason: String

    public init(entry: String?, reason: String) {
        self.entry = entry
        self.reason = reason
    }

    /// `entry "../etc/passwd": path escapes the revision (contains "..")`
    public var description: String {
        guard let entry else { return reason }
        return "entry \"\(entry)\": \(reason)"
    }
}
