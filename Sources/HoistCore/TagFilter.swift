/// One tag filter of a deployment group, with CodeDeploy's three kinds: KEY_ONLY matches a
/// host having the key (any value), VALUE_ONLY matches any tag with that value, and
/// KEY_AND_VALUE matches the key with exactly that value.
public struct TagFilter: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        case keyOnly = "KEY_ONLY"
        case valueOnly = "VALUE_ONLY"
        case keyAndValue = "KEY_AND_VALUE"
    }

    public var key: String?
    public var value: String?

    /// A filter needs a key, a value, or both.
    public init?(key: String?, value: String?) {
        guard key != nil || value != nil else { return nil }
        self.key = key
        self.value = value
    }

    public static func key(_ key: String) -> TagFilter { TagFilter(key: key, value: nil)! }
    public static func value(_ value: String) -> TagFilter { TagFilter(key: nil, value: value)! }
    public static func keyAndValue(_ key: String, _ value: String) -> TagFilter { TagFilter(key: key, value: value)! }

    public var kind: Kind {
        switch (key, value) {
        case (.some, .some): return .keyAndValue
        case (.some, .none): return .keyOnly
        default: return .valueOnly
        }
    }

    public func matches(_ tag: Tag) -> Bool {
        switch kind {
        case .keyOnly: return tag.key == key
        case .valueOnly: return tag.value == value
        case .keyAndValue: return tag.key == key && tag.value == value
        }
    }

    public func matches(_ host: HostSpec) -> Bool { host.tags.contains(where: matches) }

    /// `role=web`, `canary` (key only), `=blue` (value only).
    public var description: String {
        switch kind {
        case .keyAndValue: return "\(key!)=\(value!)"
        case .keyOnly: return key!
        case .valueOnly: return "=\(value!)"
        }
    }
}

/// A tag group: a host belongs to it when it has ANY of the filters. A deployment group's
/// hosts are those in EVERY tag group (CodeDeploy's tag sets).
public struct TagGroup: Sendable, Hashable, Codable, CustomStringConvertible {
    public var filters: [TagFilter]
    /// Where the group was written in the playbook, for messages about it.
    public var line: Int?
    public var column: Int?

    public init(_ filters: [TagFilter], line: Int? = nil, column: Int? = nil) {
        self.filters = filters
        self.line = line
        self.column = column
    }

    /// CodeDeploy's limits: 3 tag groups, 10 filters in each.
    public static let maximumGroups = 3
    public static let maximumFilters = 10

    public var description: String { filters.map(\.description).joined(separator: " OR ") }
}
