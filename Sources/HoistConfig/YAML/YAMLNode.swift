import HoistCore
import Yams

/// A YAML node together with where it is (line/column) and how it was reached (key path such
/// as `hooks.AfterInstall[0].timeout`), so every diagnostic can name both.
public struct YAMLNode {
    public let node: Node
    /// Dotted key path from the document root; "" for the root itself.
    public let keyPath: String
    /// 1-based place in the file; nil only for nodes built by hand.
    public let line: Int?
    public let column: Int?

    public init(node: Node, keyPath: String, line: Int?, column: Int?) {
        self.node = node
        self.keyPath = keyPath
        self.line = line
        self.column = column
    }

    init(node: Node, keyPath: String) {
        self.init(node: node, keyPath: keyPath, line: node.mark?.line, column: node.mark?.column)
    }

    /// The node reached through `key` of this map.
    public func child(key: String, node: Node) -> YAMLNode {
        YAMLNode(node: node, keyPath: keyPath.isEmpty ? key : "\(keyPath).\(key)")
    }

    /// The node at `index` of this list.
    public func child(index: Int, node: Node) -> YAMLNode {
        YAMLNode(node: node, keyPath: "\(keyPath)[\(index)]")
    }

    /// The resolved YAML type (str, int, float, bool, null, timestamp, ...).
    public var tagName: Yams.Tag.Name { Yams.Tag.Name(rawValue: node.tag.rawValue) }

    /// True for `~`, `null`, an empty value.
    public var isNull: Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return tagName == .null
    }

    /// The scalar's text exactly as written (without quotes), or nil for maps and lists.
    public var scalarText: String? {
        if case .scalar(let s) = node { return s.string }
        return nil
    }

    /// True for an unquoted scalar, whose type YAML infers (so `0644` is a number).
    public var isPlainScalar: Bool {
        if case .scalar(let s) = node { return s.style == .plain || s.style == .any }
        return false
    }

    /// The scalar as an integer when YAML reads it as one (unquoted), e.g. `0644` → 420.
    public var integerValue: Int? {
        guard isPlainScalar, tagName == .int else { return nil }
        return node.int
    }

    /// "a map", "a list", "the number 5", "the text \"x\"", "nothing (null)": for messages.
    public var kindDescription: String {
        switch node {
        case .mapping: return "a map"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let s):
            if isNull { return "nothing (null)" }
            if isPlainScalar {
                switch tagName {
                case .int, .float: return "the number \(s.string)"
                case .bool: return "the boolean \(s.string)"
                default: break
                }
            }
            return "the text \"\(s.string)\""
        }
    }
}

/// A YAML map's entries in file order, with string keys.
public struct YAMLMap {
    /// One `key: value` pair; `keyNode` carries the key's own position.
    public struct Entry {
        public let key: String
        public let keyNode: YAMLNode
        public let value: YAMLNode
    }

    /// The map node itself (for "missing key" diagnostics, which point at the map).
    public let node: YAMLNode
    public let entries: [Entry]

    public subscript(key: String) -> YAMLNode? { entries.first(where: { $0.key == key })?.value }

    /// The entry for `key`, with the key's position.
    public func entry(_ key: String) -> Entry? { entries.first(where: { $0.key == key }) }

    /// The value for `key`, or nil when absent or null (YAML's `key:` with nothing after it).
    public func value(_ key: String) -> YAMLNode? {
        guard let v = self[key], !v.isNull else { return nil }
        return v
    }

    public var keys: [String] { entries.map(\.key) }
}

extension YAMLNode {
    /// The node's place as a core `SourcePosition`.
    public var position: SourcePosition? {
        line.map { SourcePosition(line: $0, column: column ?? 1) }
    }

    /// The value as Ruby would print it (`to_s`): scalars bare, lists `["a", 1]`, maps
    /// `{"k"=>"v"}`, null empty. CodeDeploy's messages interpolate values this way.
    public var rubyText: String {
        if isNull { return "" }
        return rubyInspect(top: true)
    }

    private func rubyInspect(top: Bool) -> String {
        switch node {
        case .scalar(let s):
            if isNull { return "nil" }
            if top || (isPlainScalar && [Yams.Tag.Name.int, .float, .bool].contains(tagName)) { return s.string }
            return "\"" + s.string.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .sequence(let items):
            return "[" + items.map { YAMLNode(node: $0, keyPath: "").rubyInspect(top: false) }.joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map {
                YAMLNode(node: $0.key, keyPath: "").rubyInspect(top: false) + "=>"
                    + YAMLNode(node: $0.value, keyPath: "").rubyInspect(top: false)
            }.joined(separator: ", ") + "}"
        case .alias:
            return "nil"
        }
    }
}
