import Foundation
import HoistCore

/// The machine nginx runs on, as the nginx driver needs it: read the upstream file, replace
/// it atomically, run nginx's commands. This machine or a host behind a `HostSession`.
protocol NginxHostAccess: Sendable {
    /// `this machine` or the inventory host name, for messages.
    var location: String { get }
    /// The file's text, or nil when it does not exist.
    func read(_ path: String) async throws -> String?
    /// Writes a temporary file beside `path`, then renames it over `path`, so nginx never
    /// reads half a file.
    func replace(_ path: String, with text: String) async throws
    func remove(_ path: String) async throws
    /// Runs a command with `sh -c` semantics and collects its output.
    func run(_ command: String) async throws -> (CommandResult, stdout: String, stderr: String)
}

/// Why a file operation on the nginx host failed.
struct NginxHostError: Error, CustomStringConvertible {
    var description: String
}

/// nginx on this machine: files through the file system, commands through `/bin/sh -c`.
struct LocalNginxHost: NginxHostAccess {
    var location: String { "this machine" }

    func read(_ path: String) async throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw NginxHostError(description: "cannot read \(path): \(error.localizedDescription)")
        }
    }

    func replace(_ path: String, with text: String) async throws {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).hoist-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: 0o644]) else {
            throw NginxHostError(description: "cannot write \(temporary.path) (does \(url.deletingLastPathComponent().path) exist and is it writable?)")
        }
        if rename(temporary.path, path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw NginxHostError(description: "cannot rename \(temporary.path) to \(path): \(reason)")
        }
    }

    func remove(_ path: String) async throws {
        if FileManager.default.fileExists(atPath: path) {
            try FileManager.default.removeItem(atPath: path)
        }
    }

    func run(_ command: String) async throws -> (CommandResult, stdout: String, stderr: String) {
        try await LocalShell.capture(command, timeoutSeconds: 120)
    }
}

/// nginx on another host: every file operation is a shell command through its session, with
/// every path and the file's text passed through `shellQuote`.
struct RemoteNginxHost: NginxHostAccess {
    var hostName: String
    var sessionFor: @Sendable (String) async throws -> any HostSession

    var location: String { hostName }

    /// Exit status meaning "no such file" from `read`.
    static let absentStatus: Int32 = 3

    /// Marks the end of the file in `read`'s output: sessions hand back whole lines, which
    /// would lose whether the file ended with a newline, and a restored file must be the same.
    static let endMarker = "#hoist-end-of-file"

    func read(_ path: String) async throws -> String? {
        let quoted = shellQuote(path)
        let (result, stdout, stderr) = try await run(
            "if [ -e \(quoted) ]; then cat \(quoted) && printf '\\n%s\\n' \(shellQuote(Self.endMarker)); else exit \(Self.absentStatus); fi")
        if result.exitStatus == Self.absentStatus { return nil }
        guard result.succeeded, stdout.hasSuffix("\n" + Self.endMarker) || stdout == Self.endMarker else {
            throw NginxHostError(description: "cannot read \(path) on \(hostName): \(stderr)")
        }
        return stdout == Self.endMarker ? "" : String(stdout.dropLast(Self.endMarker.count + 1))
    }

    func replace(_ path: String, with text: String) async throws {
        let (result, _, stderr) = try await run(Self.replaceCommand(path: path, text: text))
        guard result.succeeded else { throw NginxHostError(description: "cannot replace \(path) on \(hostName): \(stderr)") }
    }

    func remove(_ path: String) async throws {
        let (result, _, stderr) = try await run("rm -f -- \(shellQuote(path))")
        guard result.succeeded else { throw NginxHostError(description: "cannot remove \(path) on \(hostName): \(stderr)") }
    }

    func run(_ command: String) async throws -> (CommandResult, stdout: String, stderr: String) {
        try await sessionFor(hostName).capture(command, timeoutSeconds: 120)
    }

    /// Temporary file in the same directory (so `mv` is a rename), then `mv -f` over the file.
    static func replaceCommand(path: String, text: String) -> String {
        let directory = parentFolder(of: path)
        let template = (directory.isEmpty ? "." : directory) + "/.hoist-upstream.XXXXXX"
        return "tmp=$(mktemp \(shellQuote(template))) && printf '%s' \(shellQuote(text)) > \"$tmp\" && chmod 644 \"$tmp\" && mv -f -- \"$tmp\" \(shellQuote(path)) || { rm -f -- \"$tmp\"; exit 1; }"
    }
}
