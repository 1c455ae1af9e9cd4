import HoistCore

/// `validate --json`'s document (described in the command's help). Absent values are
/// written as null so every key is always there.
struct ValidationReport: Encodable {
    var check: RevisionCheck

    init(_ check: RevisionCheck) { self.check = check }

    private enum Keys: String, CodingKey { case path, valid, format, sha256, entries, diagnostics, hooks, files }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(check.path, forKey: .path)
        try container.encode(check.isValid, forKey: .valid)
        try container.encode(check.inspection?.format.rawValue, forKey: .format)
        try container.encode(check.inspection?.sha256, forKey: .sha256)
        try container.encode(check.inspection?.entries.count, forKey: .entries)
        try container.encode(check.diagnostics.map(DiagnosticJSON.init), forKey: .diagnostics)
        let hooks = check.appSpec?.hooks ?? [:]
        try container.encode(Dictionary(uniqueKeysWithValues: hooks.map { ($0.key.rawValue, $0.value) }), forKey: .hooks)
        try container.encode(check.plan?.files ?? [], forKey: .files)
    }
}

/// A diagnostic with every key present (null when absent), for JSON readers.
struct DiagnosticJSON: Encodable {
    var diagnostic: Diagnostic

    init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }

    private enum Keys: String, CodingKey { case severity, file, line, column, keyPath, message, hint }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(diagnostic.severity.rawValue, forKey: .severity)
        try container.encode(diagnostic.file, forKey: .file)
        try container.encode(diagnostic.line, forKey: .line)
        try container.encode(diagnostic.column, forKey: .column)
        try container.encode(diagnostic.keyPath, forKey: .keyPath)
        try container.encode(diagnostic.message, forKey: .message)
        try container.encode(diagnostic.hint, forKey: .hint)
    }
}
