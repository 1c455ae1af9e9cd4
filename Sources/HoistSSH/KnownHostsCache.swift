import CLibSSH2
import Foundation
import HoistCore

/// known_hosts parsed once per version of the file, not twice per connection. libssh2 reads a
/// whole file into a list for each check, so a thousand connections against a thousand-line
/// file parsed (and allocated) two million entries, and each check walked them all. Here
/// the file is read for every connection (a cheap read, compared byte for byte with the copy
/// parsed last, so any change is seen at once), and libssh2 gets only the lines that can name
/// the host: libssh2 still does all the matching, on a list of a line or two.
///
/// A file libssh2 cannot read as a whole stays an error for every host, as before.
final class KnownHostsCache: @unchecked Sendable {
    static let shared = KnownHostsCache()

    /// libssh2 could not read the file; `text` says why.
    struct Unreadable: Error { let text: String }

    /// The lines of one version of a file, by the host names they list.
    private struct Index {
        let contents: Data
        let lines: [String]
        /// Plain host name (one of a line's comma-separated names) → line numbers (0-based).
        let byName: [String: [Int]]
        /// Hashed entries (`|1|salt|hash`), with their host field.
        let hashed: [(line: Int, field: String)]
        /// Lines libssh2 reads in its own way (markers such as `@revoked`): always passed on.
        let others: [Int]
        /// Set when libssh2 refused the file as a whole.
        let unreadable: Unreadable?
    }

    private let lock = NSLock()
    private var indexes: [String: Index] = [:]
    /// Only for validating a new version of a file; used under `lock`.
    private var parser: OpaquePointer?
    /// How many times a file was parsed (for tests: once per version).
    private(set) var parses = 0

    /// The lines of `file` that can name `address` at `port` (as libssh2 looks it up: as
    /// `[address]:port`, then as `address`), in file order; nil when the file does not exist.
    func lines(in file: String, address: String, port: Int) throws -> [String]? {
        guard let contents = FileManager.default.contents(atPath: file) else {
            if FileManager.default.fileExists(atPath: file) { throw Unreadable(text: "the file cannot be read") }
            return nil
        }
        let index = try current(file, contents: contents)
        if let unreadable = index.unreadable { throw unreadable }
        let names = ["[\(address)]:\(port)", address]
        var wanted = Set(names.flatMap { index.byName[$0] ?? [] })
        wanted.formUnion(index.others)
        for entry in index.hashed where names.contains(where: { KnownHostsFile.hostField(entry.field, matches: $0) }) {
            wanted.insert(entry.line)
        }
        return wanted.sorted().map { index.lines[$0] }
    }

    private func current(_ file: String, contents: Data) throws -> Index {
        lock.lock()
        defer { lock.unlock() }
        if let known = indexes[file], known.contents == contents { return known }
        let index = parse(file, contents: contents)
        indexes[file] = index
        return index
    }

    private func parse(_ file: String, contents: Data) -> Index {
        parses += 1
        var lines: [String] = []
        var byName: [String: [Int]] = [:]
        var hashed: [(line: Int, field: String)] = []
        var others: [Int] = []
        for (number, line) in TextLines.lines(String(decoding: contents, as: UTF8.self)).enumerated() {
            lines.append(String(line))
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            guard let field = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).first, !field.hasPrefix("#") else { continue }
            if field.hasPrefix("|") {
                hashed.append((number, String(field)))
            } else if field.hasPrefix("@") {
                others.append(number)
            } else {
                for name in field.split(separator: ",") { byName[String(name), default: []].append(number) }
            }
        }
        return Index(contents: contents, lines: lines, byName: byName, hashed: hashed, others: others,
                     unreadable: validate(file))
    }

    /// Has libssh2 read the whole file once, so that a file it refuses fails every connection
    /// with its own reason, as reading the file for each connection did.
    private func validate(_ file: String) -> Unreadable? {
        if parser == nil { parser = hoist_libssh2_session_init() }
        guard let parser, let list = libssh2_knownhost_init(parser) else {
            return Unreadable(text: "libssh2 could not allocate a known_hosts list")
        }
        defer { libssh2_knownhost_free(list) }
        if libssh2_knownhost_readfile(list, file, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0 {
            return Unreadable(text: LibSSH2Runtime.lastError(parser).text)
        }
        return nil
    }

    /// A libssh2 list on `session` holding what `lines(in:address:port:)` returns; nil when
    /// the file does not exist. The caller frees it.
    static func list(on session: OpaquePointer, file: String, address: String, port: Int,
                     cache: KnownHostsCache = .shared) throws -> OpaquePointer? {
        guard let lines = try cache.lines(in: file, address: address, port: port) else { return nil }
        guard let list = libssh2_knownhost_init(session) else {
            throw Unreadable(text: "libssh2 could not allocate a known_hosts list")
        }
        for line in lines {
            let bytes = Array((line + "\n").utf8)
            let rc = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                    libssh2_knownhost_readline(list, $0, bytes.count, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
                }
            }
            if rc < 0 {
                libssh2_knownhost_free(list)
                throw Unreadable(text: LibSSH2Runtime.lastError(session).text)
            }
        }
        return list
    }
}
