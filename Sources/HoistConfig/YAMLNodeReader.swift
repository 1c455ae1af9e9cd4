import HoistCore
import Yams

/// Walks a composed YAML tree (`Yams.compose` -> `Node`) into Hoist values while collecting
/// every problem as a `Diagnostic` with line, column and key path, so that a person sees all
/// the mistakes of a file at once instead of the first one.
final class YAMLNodeReader {
    /// One `key: value` pair of a mapping, with the key as text.
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
    }

    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    var hasErrors: Bool { diagnostics.hasErrors }

    // MARK: Reporting

    func error(_ node: Node?, _ path: String, _ message: String, hint: String? = nil) {
        report(.error, node?.mark, path, message, hint)
    }

    func warning(_ node: Node?, _ path: String, _ message: String, hint: String? = nil) {
        report(.warning, node?.mark, path, message, hint)
    }

    func error(line: Int?, column: Int?, _ path: String, _ message: String, hint: String? = nil) {
        diagnostics.append(Diagnostic(
            .error, file: file, line: line, column: column, keyPath: path, message: message, hint: hint))
    }

    func append(_ more: [Diagnostic]) { diagnostics += more }

    private func report(_ severity: Diagnostic.Severity, _ mark: Mark?, _ path: String, _ message: String, _ hint: String?) {
        diagnostics.append(Diagnostic(
            severity, file: file, line: mark?.line, column: mark?.column, keyPath: path,
            message: message, hint: hint))
    }

    // MARK: Documents

    /// The document's root, or nil with a diagnostic when the text is not YAML. An empty
    /// document gives nil and no diagnostic; callers decide whether that is allowed.
    /// A leading byte order mark is dropped first, as `YAMLDocument.load` does.
    func compose(_ text: String) -> Node? {
        let text = TextLines.withoutByteOrderMark(text)
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let (message, hint) = YAMLSyntaxError.describe(problem: problem, context: context, mark: mark, text: text)
                diagnostics.append(Diagnostic(file: file, line: mark.line, column: mark.column, message: message, hint: hint))
            case .duplicatedKeysInMapping(let duplicates, let context):
                let names = duplicates.joined(separator: ", ")
                diagnostics.append(Diagnostic(
                    file: file, line: context.mark.line, column: context.mark.column,
                    message: "duplicate key \(names) in one mapping",
                    hint: "each key may appear once; remove or rename the repeated one"))
            default:
                diagnostics.append(Diagnostic(file: file, message: "invalid YAML: \(error)"))
            }
            return nil
        } catch {
            diagnostics.append(Diagnostic(file: file, message: "invalid YAML: \(error)"))
            return nil
        }
    }

    // MARK: Shapes

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .any || scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// The pairs of a mapping, or nil with a diagnostic when the node is something else.
    func mapping(_ node: Node, _ path: String, what: String = "a mapping of keys to values") -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            error(node, path, "must be \(what), not \(describe(node))")
            return nil
        }
        var entries: [Entry] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                error(key, path, "keys must be plain words, not \(describe(key))")
                continue
            }
            entries.append(Entry(key: scalar.string, keyNode: key, value: value))
        }
        return entries
    }

    /// The pairs of a mapping with YAML merge keys taken in (`<<: *common`, or a list of
    /// mappings), as PyYAML and so Ansible read them: the mapping's own keys win, then
    /// mappings earlier in the list over later ones. Only for files another tool defines
    /// (Ansible's inventories); Hoist's own formats refuse `<<` as an unknown key.
    func mappingMergingKeys(_ node: Node, _ path: String, what: String) -> [Entry]? {
        guard let entries = mapping(node, path, what: what) else { return nil }
        var merged = Set<String>()
        return mergingKeys(entries, path, &merged)
    }

    /// `merged` holds the places of mappings already taken in: merging one again adds no
    /// key, and aliases that each merge the one before twice would double the work per level.
    private func mergingKeys(_ entries: [Entry], _ path: String, _ merged: inout Set<String>) -> [Entry] {
        func isMerge(_ entry: Entry) -> Bool {
            guard case .scalar(let scalar) = entry.keyNode else { return false }
            return scalar.string == "<<" && (scalar.style == .plain || scalar.style == .any)
        }
        var out = entries.filter { !isMerge($0) }
        var keys = Set(out.map(\.key))
        for entry in entries where isMerge(entry) {
            let sources: [Node]
            if case .sequence(let list) = entry.value { sources = Array(list) } else { sources = [entry.value] }
            for source in sources {
                if let mark = source.mark, !merged.insert("\(mark.line):\(mark.column)").inserted { continue }
                guard let more = mapping(source, join(path, "<<"), what: "a mapping or a list of mappings to merge") else { continue }
                for pair in mergingKeys(more, path, &merged) where keys.insert(pair.key).inserted { out.append(pair) }
            }
        }
        return out
    }

    /// Reports every key that is not in `allowed`, with the closest allowed key as a hint.
    func rejectUnknownKeys(_ entries: [Entry], allowed: [String], _ path: String) {
        for entry in entries where !allowed.contains(entry.key) {
            let hint = didYouMean(entry.key, in: allowed).map { "did you mean '\($0)'?" }
                ?? "allowed keys: \(allowed.joined(separator: ", "))"
            error(entry.keyNode, join(path, entry.key), "unknown key '\(entry.key)'", hint: hint)
        }
    }

    /// The items of a sequence, or nil with a diagnostic.
    func sequence(_ node: Node, _ path: String, what: String = "a list") -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error(node, path, "must be \(what), not \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    // MARK: Scalars

    /// A scalar's text; numbers and booleans are read as the text written.
    func string(_ node: Node, _ path: String, allowEmpty: Bool = false) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            error(node, path, "must be a text value, not \(describe(node))")
            return nil
        }
        if !allowEmpty && scalar.string.isEmpty {
            error(node, path, "must not be empty")
            return nil
        }
        return scalar.string
    }

    /// One text or a list of texts.
    func stringList(_ node: Node, _ path: String) -> [String]? {
        if case .sequence = node {
            guard let items = sequence(node, path) else { return nil }
            var out: [String] = []
            for (index, item) in items.enumerated() {
                guard let text = string(item, "\(path)[\(index)]") else { return nil }
                out.append(text)
            }
            return out
        }
        return string(node, path).map { [$0] }
    }

    func int(_ node: Node, _ path: String, in range: ClosedRange<Int>, what: String) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.trimming(" \t")) else {
            error(node, path, "must be \(what), not \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, path, "must be \(what), not \(value)")
            return nil
        }
        return value
    }

    func seconds(_ node: Node, _ path: String, allowZero: Bool = true) -> Double? {
        let what = allowZero ? "a number of seconds, 0 or more" : "a positive number of seconds"
        guard case .scalar(let scalar) = node, let value = Double(scalar.string.trimming(" \t")),
            value.isFinite
        else {
            error(node, path, "must be \(what), not \(describe(node))")
            return nil
        }
        guard allowZero ? value >= 0 : value > 0 else {
            error(node, path, "must be \(what), not \(scalar.string)")
            return nil
        }
        guard value <= LongestDuration.seconds else {
            error(node, path, "must be at most \(LongestDuration.described), not \(scalar.string)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ path: String) -> Bool? {
        if case .scalar(let scalar) = node {
            switch scalar.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        error(node, path, "must be true or false, not \(describe(node))")
        return nil
    }

    /// One of an enumeration's raw values; the message lists the allowed ones.
    func choice<E: RawRepresentable & CaseIterable>(
        _ node: Node, _ path: String, _ type: E.Type, aliases: [String: E] = [:], caseInsensitive: Bool = false
    ) -> E? where E.RawValue == String {
        choice(node, path, Array(E.allCases), aliases: aliases, caseInsensitive: caseInsensitive)
    }

    /// One of `cases`, for enumerations that are not CaseIterable.
    func choice<E: RawRepresentable>(
        _ node: Node, _ path: String, _ cases: [E], aliases: [String: E] = [:], caseInsensitive: Bool = false
    ) -> E? where E.RawValue == String {
        let allowed = cases.map(\.rawValue)
        if case .scalar(let scalar) = node, !Self.isNull(node) {
            let text = scalar.string
            if let value = E(rawValue: text) ?? aliases[text] { return value }
            if caseInsensitive, let value = cases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) {
                return value
            }
            let hint = didYouMean(text, in: allowed).map { "did you mean '\($0)'?" }
            error(node, path, "must be one of \(allowed.joined(separator: ", ")), not '\(text)'", hint: hint)
            return nil
        }
        error(node, path, "must be one of \(allowed.joined(separator: ", ")), not \(describe(node))")
        return nil
    }

    /// How a node reads in a message: `a list`, `a mapping`, `'abc'`, `nothing`.
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if Self.isNull(node) { return "nothing" }
            return "'\(scalar.string)'"
        }
    }
}

/// Appends a key to a dotted key path.
func join(_ path: String, _ key: String) -> String {
    path.isEmpty ? key : "\(path).\(key)"
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo,
/// or the one `word` abbreviates.
func didYouMean(_ word: String, in candidates: [String]) -> String? {
    let lower = word.lowercased()
    if lower.count >= 3, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(lower) }) { return prefixed }
    let scored = candidates.map { ($0, editDistance(lower, $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    return best.1 <= max(2, word.count / 3) ? best.0 : nil
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
