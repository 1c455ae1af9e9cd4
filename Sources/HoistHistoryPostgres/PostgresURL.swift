import Foundation
import HoistCore

/// A `postgresql://user[:password]@host[:port]/database?sslmode=…` history URL, with the
/// password found as libpq finds it: in the URL, else `PGPASSWORD`, else `~/.pgpass` (or
/// `PGPASSFILE`). `description` never shows the password.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// libpq's sslmode values; `prefer` is libpq's default.
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of the certificate authorities to trust (`sslrootcert`); default: the system's.
    public var sslRootCert: String?

    /// Whether `text` is meant as a server URL rather than a history file's path.
    public static func isServerURL(_ text: String) -> Bool {
        if case .server = HistoryAddress(text) { return true }
        return false
    }

    /// Parses `text`, taking a missing password from `environment` (`PGPASSWORD`, then the
    /// pgpass file). Throws a message naming what is wrong and how to write it.
    public init(_ text: String, environment: [String: String]) throws(PostgresURLError) {
        guard Self.isServerURL(text), let parts = URLComponents(string: text) else {
            throw PostgresURLError("'\(Self.redacting(text))' is not a PostgreSQL URL; write postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=require]")
        }
        guard let host = parts.host, !host.isEmpty else {
            throw PostgresURLError("'\(Self.redacting(text))' names no server; write postgresql://USER@HOST[:PORT]/DATABASE")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = parts.port ?? 5432
        let user = parts.user.flatMap { $0.removingPercentEncoding } ?? environment["PGUSER"] ?? environment["USER"] ?? ""
        guard !user.isEmpty else {
            throw PostgresURLError("'\(Self.redacting(text))' names no user; write postgresql://USER@HOST/DATABASE")
        }
        self.user = user
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        self.database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        self.sslMode = .prefer
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(SSLMode.init(rawValue:)) else {
                    let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw PostgresURLError("sslmode=\(item.value ?? "") in '\(Self.redacting(text))' is not one of \(modes)")
                }
                sslMode = mode
            case "sslrootcert":
                sslRootCert = item.value
            case "application_name", "connect_timeout":
                continue
            default:
                throw PostgresURLError("'\(item.name)' in '\(Self.redacting(text))' is not a parameter Hoist knows; use sslmode or sslrootcert")
            }
        }
        password = parts.password.flatMap { $0.removingPercentEncoding }
            ?? environment["PGPASSWORD"]
            ?? PgpassFile.password(
                path: environment["PGPASSFILE"] ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.pgpass"),
                host: self.host, port: port, database: database, user: user)
    }

    /// The URL without its password, as messages show it.
    public var description: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let query = sslMode == .prefer ? "" : "?sslmode=\(sslMode.rawValue)"
        return "postgresql://\(user)@\(shownHost):\(port)/\(database)\(query)"
    }

    /// `text` without its password (`postgresql://user@…`), for commands Hoist suggests: the
    /// password then comes from PGPASSWORD or ~/.pgpass, never from the screen.
    public static func withoutPassword(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", range: scheme.upperBound..<text.endIndex),
              let colon = text.range(of: ":", range: scheme.upperBound..<at.lowerBound)
        else { return text }
        return text.replacingCharacters(in: colon.lowerBound..<at.lowerBound, with: "")
    }

    /// `text` with any `:password@` replaced, for messages about a URL that did not parse.
    static func redacting(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text.range(of: "@", range: scheme.upperBound..<text.endIndex),
              let colon = text.range(of: ":", range: scheme.upperBound..<at.lowerBound)
        else { return text }
        return text.replacingCharacters(in: colon.upperBound..<at.lowerBound, with: "***")
    }
}

/// Why a history URL cannot be used, as a sentence.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// libpq's password file: `host:port:database:user:password` lines, `*` matching anything,
/// `\:` and `\\` escaped; the first matching line wins.
enum PgpassFile {
    static func password(path: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let wanted = [host, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = split(String(line))
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func split(_ line: String) -> [String] {
        var fields = [""]
        var escaped = false
        for c in line {
            if escaped { fields[fields.count - 1].append(c); escaped = false }
            else if c == "\\" { escaped = true }
            else if c == ":" && fields.count < 5 { fields.append("") }
            else { fields[fields.count - 1].append(c) }
        }
        return fields
    }
}
