import ArgumentParser
import Foundation
import HoistCore

/// `hoist validate PATH`: every check Hoist can make on a revision without a host, so a
/// broken bundle is caught before a deployment takes hosts out of service.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a revision (directory or archive) without contacting any host.",
        discussion: """
            Checks that the archive is safe to unpack (no entry leaving the revision, no devices, \
            no bombs), that appspec.yml parses, that every hook script and every `files` source is \
            in the revision, and that the install plan computes without conflicts. Every problem is \
            printed as FILE:LINE:COLUMN: severity: key.path: message (hint), where FILE is \
            DIR/appspec.yml for a directory and ARCHIVE!appspec.yml for an archive.

            --json prints one document instead (and nothing on stderr):
              {"path": the revision as given, "valid": bool,
               "format": "directory" | "tar" | "tar.gz" | "tar.zst" | "zip" | null,
               "sha256": archive digest | null, "entries": count | null,
               "diagnostics": [{"severity": "error" | "warning", "file", "line", "column",
                                "keyPath", "message", "hint"}]   (absent values are null),
               "hooks": {EVENT: [{"location", "timeout", "runas", "sudo", "position"}]},
               "files": [every destination file, in install order]}

            Exit codes: 0 valid (warnings allowed), 2 invalid.
            """)

    @Argument(help: "The revision: a directory holding appspec.yml, or a bundle archive.")
    var path: String

    @Flag(help: "Print one JSON report instead of text.")
    var json = false

    func run() throws {
        let check = checkRevision(path: path)
        if json {
            print(try CommandJSON.encode(ValidationReport(check)))
        } else {
            if !check.diagnostics.isEmpty {
                printToStderr(check.diagnostics.map(\.description).joined(separator: "\n"))
            }
            if let loaded = check.loaded { print(Self.summary(loaded), terminator: "") }
        }
        if !check.isValid { throw ExitCode(HoistExitCode.invalidInput) }
    }

    /// A few lines saying what the revision holds and would do.
    static func summary(_ revision: LoadedRevision) -> String {
        let inspection = revision.inspection
        var out = "\(revision.path): valid revision\n"
        out += "format: \(inspection.format.rawValue)\n"
        if let sha = inspection.sha256 { out += "sha256: \(sha)\n" }
        out += "entries: \(inspection.entries.count)"
        if let prefix = inspection.strippedPrefix { out += " (leading directory \(prefix)/ stripped, as CodeDeploy does)" }
        out += "\n"
        let events = LifecycleEvent.allCases.filter { !revision.appSpec.scripts(for: $0).isEmpty }
        out += events.isEmpty ? "hooks: none\n" : "hooks:\n"
        for event in events {
            out += "  \(event.rawValue): "
                + revision.appSpec.scripts(for: event).map(ScriptText.describe).joined(separator: ", ") + "\n"
        }
        out += ListText.limited("files to install", revision.plan.files)
        return out
    }
}

/// Short texts for hook scripts, shared by `validate` and `plan`.
enum ScriptText {
    /// `scripts/start.sh (timeout 300 s, runas app)`; the default timeout is not repeated.
    static func describe(_ script: HookScript) -> String {
        var details: [String] = []
        if script.timeout != HookScript.defaultTimeout { details.append("timeout \(script.timeout) s") }
        if let runas = script.runas { details.append("runas \(runas)") }
        if script.sudo { details.append("sudo") }
        return details.isEmpty ? script.location : "\(script.location) (\(details.joined(separator: ", ")))"
    }
}

/// Long lists on a terminal: the first `limit` items, then how many more.
enum ListText {
    static let defaultLimit = 20

    static func limited(_ title: String, _ items: [String], limit: Int = defaultLimit, indent: String = "") -> String {
        if items.isEmpty { return "\(indent)\(title): none\n" }
        var out = "\(indent)\(title) (\(items.count)):\n"
        for item in items.prefix(limit) { out += "\(indent)  \(item)\n" }
        if items.count > limit { out += "\(indent)  … and \(items.count - limit) more\n" }
        return out
    }
}

/// Pretty, key-sorted JSON, the one form Hoist's `--json` outputs use.
enum CommandJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

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
