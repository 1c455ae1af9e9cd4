import Foundation

/// What a history setting (`--db`, `HOIST_HISTORY_URL`, a playbook's `history`) names: a
/// PostgreSQL server, a SQLite file, or a mistyped URL. One reading for every place that
/// takes one, so a typo such as `postgresql:/db` or `postgress://…` is refused everywhere
/// rather than becoming a local file nobody else sees.
public enum HistoryAddress: Sendable, Equatable {
    case server(String)
    case file(String)
    /// Looks like a URL (`scheme:/…`, or starts `postgres…:`) but is not a PostgreSQL one.
    case notAURL(String)

    public init(_ text: String) {
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            self = .server(text)
        } else if Self.looksLikeURL(text) {
            self = .notAURL(text)
        } else {
            self = .file(text)
        }
    }

    /// The error for a `.notAURL` value, saying how to write either kind.
    public static func mistypedMessage(_ text: String) -> String {
        "'\(text)' looks like a URL but is not a PostgreSQL one; write postgresql://USER@HOST[:PORT]/DATABASE "
            + "for a shared history, or a file path (start it with ./ if the file's name has a colon)"
    }

    private static func looksLikeURL(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon]
        if scheme.lowercased().hasPrefix("postgres") { return true }
        guard let first = scheme.first, first.isASCII, first.isLetter else { return false }
        let schemeLike = scheme.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }
        return schemeLike && text[colon...].hasPrefix(":/")
    }
}
