import HoistCore
import Yams

/// Collects diagnostics while a parser walks a YAML document, and offers typed accessors that
/// record a precise error (file:line:column, key path, what was expected) instead of failing,
/// so one pass reports every problem of a file. Not thread-safe: one reader per parse.
public final class YAMLReader {
    public let file: String
    /// Number of lines in the text, for clamping places to the file (libyaml can point one
    /// line past the end on errors at end of input).
    public let lineCount: Int
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: String, text: String) {
        self.file = file
        self.lineCount = max(1, TextLines.lines(text).count)
    }

    public var hasErrors: Bool { diagnostics.hasErrors }

    // MARK: Reporting

    /// Records a diagnostic at `node` (its line, column and key path).
    public func report(
        _ severity: Diagnostic.Severity, _ message: String, at node: YAMLNode?, keyPath: String? = nil,
        hint: String? = nil
    ) {
        report(severity, message, line: node?.line, column: node?.column, keyPath: keyPath ?? node?.keyPath, hint: hint)
    }

    /// Records a diagnostic at an explicit place.
    public func report(
        _ severity: Diagnostic.Severity, _ message: String, line: Int?, column: Int?, keyPath: String?,
        hint: String? = nil
    ) {
        let clampedLine = line.map { min(max(1, $0), lineCount) }
        diagnostics.append(Diagnostic(
            severity, file: file, line: clampedLine, column: clampedLine == nil ? nil : max(1, column ?? 1),
            keyPath: keyPath, message: message, hint: hint))
    }

    public func error(_ message: String, at node: YAMLNode?, keyPath: String? = nil, hint: String? = nil) {
        report(.error, message, at: node, keyPath: keyPath, hint: hint)
    }

    public func warning(_ message: String, at node: YAMLNode?, keyPath: String? = nil, hint: String? = nil) {
        report(.warning, message, at: node, keyPath: keyPath, hint: hint)
    }

    /// Adds diagnostics produced elsewhere (e.g. by the YAML loader).
    public func append(_ more: [Diagnostic]) { diagnostics.append(contentsOf: more) }

    // MARK: Typed accessors

    /// The node as a map with string keys; records "expected a map" otherwise.
    public func map(_ node: YAMLNode, hint: String? = nil) -> YAMLMap? {
        guard case .mapping(let mapping) = node.node else {
            expected("a map (key: value pairs)", at: node, hint: hint)
            return nil
        }
        var entries: [YAMLMap.Entry] = []
        for (key, value) in mapping {
            let keyNode = YAMLNode(node: key, keyPath: node.keyPath)
            guard case .scalar(let scalar) = key else {
                error("map keys must be plain names, found \(keyNode.kindDescription)", at: keyNode)
                continue
            }
            entries.append(YAMLMap.Entry(
                key: scalar.string, keyNode: node.child(key: scalar.string, node: key),
                value: node.child(key: scalar.string, node: value)))
        }
        return YAMLMap(node: node, entries: entries)
    }

    /// The node's items; records "expected a list" otherwise.
    public func list(_ node: YAMLNode, hint: String? = nil) -> [YAMLNode]? {
        guard case .sequence(let sequence) = node.node else {
            expected("a list", at: node, hint: hint)
            return nil
        }
        return sequence.enumerated().map { node.child(index: $0.offset, node: $0.element) }
    }

    /// A scalar's text (numbers and booleans as written); records an error for maps, lists
    /// and null.
    public func string(_ node: YAMLNode, hint: String? = nil) -> String? {
        guard let text = node.scalarText, !node.isNull else {
            expected("a string", at: node, hint: hint)
            return nil
        }
        return text
    }

    /// An integer (unquoted, or quoted digits); records an error otherwise.
    public func int(_ node: YAMLNode, hint: String? = nil) -> Int? {
        if let value = node.integerValue { return value }
        if let text = node.scalarText, !node.isNull, let value = Int(text) { return value }
        expected("a whole number", at: node, hint: hint)
        return nil
    }

    /// `true`/`false` (YAML 1.1 also reads yes/no/on/off); records an error otherwise.
    public func bool(_ node: YAMLNode, hint: String? = nil) -> Bool? {
        if node.isPlainScalar, node.tagName == .bool, let value = node.node.bool { return value }
        expected("true or false", at: node, hint: hint)
        return nil
    }

    /// Records "expected X, found Y" at `node`.
    public func expected(_ what: String, at node: YAMLNode, hint: String? = nil) {
        error("expected \(what), found \(node.kindDescription)", at: node, hint: hint)
    }

    /// Reports each key of `map` not in `known`, with a did-you-mean hint. CodeDeploy ignores
    /// unknown keys, so callers usually pass `.warning`.
    public func checkKeys(
        _ map: YAMLMap, known: [String], severity: Diagnostic.Severity = .warning, ignoredNote: String? = nil
    ) {
        for entry in map.entries where !known.contains(entry.key) {
            let hint = DidYouMean.hint(for: entry.key, among: known)
                ?? "known keys: \(known.joined(separator: ", "))"
            report(severity, "unknown key `\(entry.key)`" + (ignoredNote.map { "; \($0)" } ?? ""),
                at: entry.keyNode, hint: hint)
        }
    }
}
