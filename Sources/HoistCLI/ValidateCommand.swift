import ArgumentParser
import Foundation
import HoistArchive
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
            in the revision (a hook script with Windows line endings is a warning), and that the \
            install plan computes without conflicts. Every problem is \
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

    @Argument(help: "The revision: a directory holding appspec.yml, or a bundle archive.", completion: Completions.revision)
    var path: String

    @Flag(help: "Print one JSON report instead of text.")
    var json = false

    func run() throws {
        let limits: BundleLimits
        do { limits = try configuredBundleLimits() } catch { throw ExitCode(HoistExitCode.invalidInput) }
        let check = checkRevision(path: path, limits: limits)
        if json {
            Console.shared.out(try CommandJSON.encode(ValidationReport(check)))
        } else {
            if !check.diagnostics.isEmpty {
                printToStderr(check.diagnostics.map(\.description).joined(separator: "\n"))
            }
            if let loaded = check.loaded { Console.shared.outText(Self.summary(loaded)) }
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
