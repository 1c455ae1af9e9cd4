import Foundation
import HoistArchive
import HoistConfig
import HoistCore
import HoistPlanning

/// A revision that passed every check a coordinator can make without a host: a safe bundle
/// with an AppSpec whose scripts and sources are present and whose install plan computes.
/// `validate`, `plan` and `deploy` all start from one.
public struct LoadedRevision: Sendable {
    /// The directory or archive, as the user named it.
    public var path: String
    public var inspection: BundleInspection
    public var appSpec: AppSpec
    public var plan: InstallPlan
    /// Warning diagnostics (already printed to stderr by `loadRevision`).
    public var warnings: [Diagnostic]
}

/// Everything `checkRevision` found, errors included: what `validate --json` reports. The
/// values are nil when an earlier step failed (no inspection for an unsafe archive, no plan
/// when the AppSpec does not parse).
public struct RevisionCheck: Sendable {
    public var path: String
    /// How diagnostics name the AppSpec: `<dir>/appspec.yml`, or `<archive>!appspec.yml`
    /// (the `!` separates the archive from the name inside it, as `jar:` URLs do).
    public var appSpecFile: String
    public var inspection: BundleInspection?
    public var appSpec: AppSpec?
    public var plan: InstallPlan?
    /// In the order found: bundle problems, then AppSpec, scripts, install plan.
    public var diagnostics: [Diagnostic]

    public var isValid: Bool { !diagnostics.hasErrors && appSpec != nil && plan != nil }

    /// The loaded revision when valid.
    public var loaded: LoadedRevision? {
        guard isValid, let inspection, let appSpec, let plan else { return nil }
        return LoadedRevision(path: path, inspection: inspection, appSpec: appSpec, plan: plan,
                              warnings: diagnostics.filter { $0.severity == .warning })
    }
}

/// Checks a revision (directory or archive) and returns every diagnostic, never throwing.
/// Prints nothing.
public func checkRevision(path: String, limits: BundleLimits = .default) -> RevisionCheck {
    let display = RevisionPaths.trimmed(path)
    var check = RevisionCheck(path: path, appSpecFile: RevisionPaths.appSpecFile(display, isArchive: false, inner: "appspec.yml"),
                              inspection: nil, appSpec: nil, plan: nil, diagnostics: [])
    let inspection: BundleInspection
    do {
        inspection = try BundleReader.inspect(path: path, limits: limits)
    } catch let error as BundleError {
        check.diagnostics = RevisionPaths.diagnostics(for: error, path: display)
        return check
    } catch {
        check.diagnostics = [Diagnostic(file: display, message: "\(error)")]
        return check
    }
    check.inspection = inspection
    let inner = [inspection.strippedPrefix, inspection.appSpecName ?? "appspec.yml"].compactMap { $0 }.joined(separator: "/")
    check.appSpecFile = RevisionPaths.appSpecFile(display, isArchive: inspection.format != .directory, inner: inner)
    guard let name = inspection.appSpecName else {
        check.diagnostics = [Diagnostic(
            file: check.appSpecFile,
            message: "The CodeDeploy agent did not find an AppSpec file within the unpacked revision directory at revision-relative path \"appspec.yml\". "
                + "The revision is \(display), and the AppSpec file was expected but not found at path \"\(check.appSpecFile)\".",
            hint: "add appspec.yml (or appspec.yaml) at the root of the revision")]
        return check
    }
    guard let text = inspection.appSpecText else {
        check.diagnostics = [Diagnostic(file: check.appSpecFile, message: "\(name) is not a regular file",
                                        hint: "the AppSpec must be a plain file at the root of the revision")]
        return check
    }
    let result = RevisionValidator.validate(appSpecText: text, fileName: check.appSpecFile, entries: inspection.entries) { scripts in
        // A script that cannot be read here is not checked: the bundle was read once already.
        (try? BundleReader.leadingBytes(of: scripts, in: path, inspection: inspection, count: AppSpecChecks.scriptHeadLength)) ?? [:]
    }
    check.appSpec = result.appSpec
    check.plan = result.plan
    check.diagnostics = result.diagnostics
    return check
}

/// Loads a revision for a command: prints every diagnostic (warnings too) to stderr in
/// `file:line:column: severity: keyPath: message (hint)` form, and throws `InvalidInput`
/// (exit code 2) when there is any error.
public func loadRevision(path: String, limits: BundleLimits? = nil) throws -> LoadedRevision {
    let check = checkRevision(path: path, limits: try limits ?? configuredBundleLimits())
    if !check.diagnostics.isEmpty {
        printToStderr(check.diagnostics.map(\.description).joined(separator: "\n"))
    }
    guard let loaded = check.loaded else { throw InvalidInput(diagnostics: check.diagnostics) }
    return loaded
}

/// The bundle limits, as `HOIST_BUNDLE_MAX_ENTRIES` and `HOIST_BUNDLE_MAX_SIZE` set them; a
/// value that is not one is printed and thrown as `InvalidInput`.
func configuredBundleLimits() throws -> BundleLimits {
    do {
        return try BundleLimits(environment: ProcessInfo.processInfo.environment)
    } catch {
        printToStderr("hoist: \(error)")
        throw InvalidInput(diagnostics: [])
    }
}

/// How revisions and their problems are named in diagnostics.
enum RevisionPaths {
    /// The path without trailing slashes (but `/` stays `/`).
    static func trimmed(_ path: String) -> String {
        var out = path
        while out.count > 1 && out.hasSuffix("/") { out.removeLast() }
        return out
    }

    static func appSpecFile(_ revision: String, isArchive: Bool, inner: String) -> String {
        isArchive ? "\(revision)!\(inner)" : PathSyntax.join(revision, inner)
    }

    /// One diagnostic per unsafe entry (naming it), or one for the whole bundle.
    static func diagnostics(for error: BundleError, path: String) -> [Diagnostic] {
        switch error {
        case .unsafeEntries(_, let problems):
            return problems.map { Diagnostic(file: path, message: $0.description) }
        case .unreadable(_, let reason):
            return [Diagnostic(file: path, message: "cannot read the bundle: \(reason)")]
        case .unsupportedFormat(_, let detected):
            return [Diagnostic(file: path, message: "unsupported bundle format (\(detected))",
                               hint: "use a directory or one of \(BundleFormat.knownExtensions)")]
        case .missingAppSpec:
            return [Diagnostic(file: path, message: "no appspec.yml or appspec.yaml at the root of the revision",
                               hint: "CodeDeploy needs one; add it, or point at the directory that holds it")]
        case .notFound:
            return [Diagnostic(file: path, message: "no such file or directory",
                               hint: "name a revision directory or a bundle archive")]
        case .changed(_, let reason):
            return [Diagnostic(file: path, message: "the revision is not what was checked: \(reason)",
                               hint: "if it was being written to, run the command again")]
        case .unknownOutputFormat(let p), .invalidOutput(let p, _), .io(let p, _):
            // Not expected when reading; keep the library's sentence.
            let text = error.description
            let message = text.hasPrefix("\(p): ") ? String(text.dropFirst(p.count + 2)) : text
            return [Diagnostic(file: path, message: message)]
        }
    }
}
