/// A problem found in user input (YAML, archives, inventories, flags), with the place it was
/// found and what to do about it. Every parser reports these instead of throwing the first one,
/// so that a person sees all the problems of a file at once.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case error, warning }

    public var severity: Severity
    /// The file the problem is in, as the user named it.
    public var file: String
    /// 1-based line and column; nil when the problem is not tied to a place (a missing key).
    public var line: Int?
    public var column: Int?
    /// Dotted key path inside the document, e.g. `hooks.AfterInstall[0].timeout`.
    public var keyPath: String?
    public var message: String
    /// What the user should do, when the message alone does not say it.
    public var hint: String?

    public init(
        _ severity: Severity = .error, file: String, line: Int? = nil, column: Int? = nil,
        keyPath: String? = nil, message: String, hint: String? = nil
    ) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: keyPath: message (hint)`, the form compilers use, so editors
    /// and terminals can jump to the place.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column, line != nil { place += ":\(column)" }
        var text = "\(place): \(severity.rawValue): "
        if let keyPath, !keyPath.isEmpty { text += "\(keyPath): " }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Thrown when input had at least one error-severity diagnostic; carries all of them.
public struct DiagnosticsError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
}
