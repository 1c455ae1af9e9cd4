import Foundation
import HoistCore
import Yams

/// Loads YAML text into a `YAMLNode` tree, turning every Yams/libyaml error into a
/// `Diagnostic` with a place, and optionally refusing what Ruby's Psych 4 `YAML.load`
/// refuses (aliases, dates), so Hoist rejects the files CodeDeploy's agent would.
public enum YAMLDocument {
    /// What the loader accepts beyond plain YAML.
    public struct Options: Sendable {
        /// `*alias` references (anchors alone are always fine).
        public var allowAliases: Bool
        /// Unquoted dates and times (`2024-01-01`), which Psych 4 refuses to load.
        public var allowTimestamps: Bool

        public init(allowAliases: Bool = true, allowTimestamps: Bool = true) {
            self.allowAliases = allowAliases
            self.allowTimestamps = allowTimestamps
        }

        /// Plain YAML: everything Yams reads.
        public static let standard = Options()
        /// What CodeDeploy's agent accepts (Ruby ≥ 3.1, Psych 4 safe `YAML.load`).
        public static let psych4SafeLoad = Options(allowAliases: false, allowTimestamps: false)
    }

    /// The root node (nil when the document is empty or could not be read) and the problems
    /// found while reading it.
    public static func load(_ text: String, file: String, options: Options = .standard) -> (root: YAMLNode?, diagnostics: [Diagnostic]) {
        let reader = YAMLReader(file: file, text: text)
        let root = load(text, into: reader, options: options)
        return (root, reader.diagnostics)
    }

    /// Same, recording into an existing reader (so a parser keeps one list of diagnostics).
    /// A leading byte order mark is dropped first: libyaml, as Yams drives it, refuses one
    /// that Psych and PyYAML accept ("did not find expected <document start>").
    public static func load(_ text: String, into reader: YAMLReader, options: Options = .standard) -> YAMLNode? {
        let text = TextLines.withoutByteOrderMark(text)
        let parser: Parser
        let node: Node?
        do {
            parser = try Parser(yaml: text)
            node = try parser.singleRoot()
        } catch {
            report(error, text: text, into: reader)
            return nil
        }
        guard let node else { return nil }
        let root = YAMLNode(node: node, keyPath: "")
        // Anchors are held weakly by nodes and strongly by the parser: keep it alive while
        // looking for aliases.
        withExtendedLifetime(parser) {
            var checker = PsychChecker(text: text, options: options, reader: reader)
            checker.visit(root)
        }
        return root
    }

    private static func report(_ error: Error, text: String, into reader: YAMLReader) {
        guard let yamlError = error as? YamlError else {
            reader.report(.error, "could not read the YAML: \(error)", line: 1, column: 1, keyPath: nil)
            return
        }
        switch yamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            let (message, hint) = YAMLSyntaxError.describe(problem: problem, context: context, mark: mark, text: text)
            reader.report(.error, message, line: mark.line, column: mark.column, keyPath: nil, hint: hint)
        case let .duplicatedKeysInMapping(duplicates, context):
            reader.report(.error, "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", ")) in the same map",
                line: context.mark.line, column: context.mark.column, keyPath: nil,
                hint: "keep one of them; YAML maps cannot repeat a key")
        case let .reader(problem, offset, _, _):
            let line = offset.map { lineNumber(ofByteOffset: $0, in: text) } ?? 1
            reader.report(.error, "invalid YAML text: \(problem)", line: line, column: 1, keyPath: nil,
                hint: "save the file as UTF-8 without control characters")
        default:
            reader.report(.error, "could not read the YAML: \(yamlError)", line: 1, column: 1, keyPath: nil)
        }
    }

    static func lineNumber(ofByteOffset offset: Int, in text: String) -> Int {
        TextLines.lines(String(decoding: text.utf8.prefix(max(0, offset)), as: UTF8.self)).count
    }
}

/// Walks a freshly loaded tree in document order and reports aliases and dates as Psych 4's
/// safe load would refuse them.
private struct PsychChecker {
    let lines: [Substring]
    let options: YAMLDocument.Options
    let reader: YAMLReader
    var anchorsSeen = Set<ObjectIdentifier>()
    /// Where the last non-alias node started: aliases are searched for after it.
    var cursor = (line: 1, column: 1)

    init(text: String, options: YAMLDocument.Options, reader: YAMLReader) {
        self.lines = TextLines.lines(text)
        self.options = options
        self.reader = reader
    }

    mutating func visit(_ node: YAMLNode) {
        if let anchor = node.node.anchor, !anchorsSeen.insert(ObjectIdentifier(anchor)).inserted {
            // Yams resolves `*name` to the anchored node itself (with the anchor's place), so
            // a second sighting of the same anchor is an alias.
            if !options.allowAliases {
                let place = locate("*" + anchor.rawValue)
                reader.report(.error, "YAML aliases (`*\(anchor.rawValue)`) are not allowed: CodeDeploy's agent loads the AppSpec with Ruby's Psych 4, which refuses them",
                    line: place.line, column: place.column, keyPath: node.keyPath,
                    hint: "write the value out in full instead of referring to `&\(anchor.rawValue)`")
            }
            return
        }
        if let line = node.line, let column = node.column, (line, column) > cursor { cursor = (line, column) }
        switch node.node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                let name = key.scalar?.string ?? "?"
                let keyNode = node.child(key: name, node: key)
                visit(keyNode)
                visit(node.child(key: name, node: value))
            }
        case .sequence(let sequence):
            for (i, item) in sequence.enumerated() { visit(node.child(index: i, node: item)) }
        case .scalar:
            if !options.allowTimestamps, node.isPlainScalar, node.tagName == .timestamp {
                reader.error("`\(node.scalarText ?? "")` is read as a date, which CodeDeploy's agent (Ruby Psych 4 safe load) refuses to load",
                    at: node, hint: "quote it: \"\(node.scalarText ?? "")\"")
            }
        case .alias:
            break
        }
    }

    /// The first occurrence of `needle` at or after the cursor; the cursor itself if none.
    mutating func locate(_ needle: String) -> (line: Int, column: Int) {
        var lineIndex = cursor.line - 1
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            let startColumn = lineIndex == cursor.line - 1 ? cursor.column - 1 : 0
            let scalars = Array(line.unicodeScalars)
            let target = Array(needle.unicodeScalars)
            var i = max(0, startColumn)
            while i + target.count <= scalars.count {
                if Array(scalars[i..<(i + target.count)]) == target {
                    let after = i + target.count
                    let boundary = after == scalars.count || !Self.isAnchorCharacter(scalars[after])
                    if boundary {
                        cursor = (lineIndex + 1, after + 1)
                        return (lineIndex + 1, i + 1)
                    }
                }
                i += 1
            }
            lineIndex += 1
        }
        return cursor
    }

    static func isAnchorCharacter(_ s: Unicode.Scalar) -> Bool {
        !(s == " " || s == "\t" || s == "," || s == "]" || s == "}" || s == "\r")
    }
}
