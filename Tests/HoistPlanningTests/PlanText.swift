import HoistConfig
import HoistCore
import HoistPlanning
import Testing

/// One line per plan step, so expected plans can be written out by hand.
func describe(_ step: InstallPlan.Step) -> String {
    switch step {
    case .ensureDirectory(let path): return "dir \(path)"
    case .copy(let from, let to): return "copy \(from) -> \(to)"
    case .symlink(let target, let at): return "link \(target) -> \(at)"
    case .setPermissions(let p):
        var parts = ["perm", p.path, p.target.rawValue]
        if let mode = p.mode { parts.append("mode=\(mode.text)") }
        if let acl = p.acl { parts.append("acl=" + acl.map(\.description).joined(separator: ",")) }
        if let context = p.context { parts.append("context=\(context.type)") }
        if let owner = p.owner { parts.append("owner=\(owner)") }
        if let group = p.group { parts.append("group=\(group)") }
        return parts.joined(separator: " ")
    }
}

/// Bundle entries from short specs: "dir/" is a directory, "a -> b" a symlink, else a file.
func entries(_ specs: [String]) -> [BundleEntry] {
    specs.map { spec in
        if spec.hasSuffix("/") { return BundleEntry(path: String(spec.dropLast()), kind: .directory, mode: 0o755) }
        if let arrow = spec.range(of: " -> ") {
            return BundleEntry(path: String(spec[..<arrow.lowerBound]), kind: .symlink(target: String(spec[arrow.upperBound...])))
        }
        return BundleEntry(path: spec, kind: .file, mode: 0o644, size: 1)
    }
}

/// Parses an AppSpec body (after the version/os header), failing the test on parse errors.
func appSpec(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> AppSpec {
    let (spec, diagnostics) = AppSpecParser.parse("version: 0.0\nos: linux\n" + body)
    #expect(!diagnostics.hasErrors, "\(diagnostics)", sourceLocation: sourceLocation)
    return try #require(spec, sourceLocation: sourceLocation)
}
