import HoistCore

/// CodeDeploy's leading-directory strip: when the archive root holds exactly one entry, that
/// entry is a directory, and the directory directly contains something named like /appspec/i,
/// the agent moves the directory's contents up one level. Hoist applies the same rule to the
/// listing so plans see what hosts will see.
enum LeadingDirectory {
    static func prefixToStrip(_ entries: [BundleEntry]) -> String? {
        var root: Substring?
        for entry in entries {
            let first = entry.path.split(separator: "/").first!
            if let root, root != first { return nil }
            root = first
        }
        guard let root = root.map(String.init) else { return nil }
        // A directory either has its own entry or is implied by entries below it.
        if let own = entries.first(where: { $0.path == root }), own.kind != .directory { return nil }
        let holdsAppSpec = entries.contains { entry in
            let parts = entry.path.split(separator: "/")
            return parts.count == 2 && parts[1].lowercased().contains("appspec")
        }
        return holdsAppSpec ? root : nil
    }

    static func strip(_ prefix: String?, from entries: [BundleEntry]) -> [BundleEntry] {
        guard let prefix else { return entries }
        return entries.compactMap { entry in
            guard let path = stripped(prefix, entry.path) else { return nil }
            var moved = entry
            moved.path = path
            return moved
        }
    }

    /// The path below the prefix; nil for the prefix directory itself.
    static func stripped(_ prefix: String?, _ path: String) -> String? {
        guard let prefix else { return path }
        return path.hasPrefix(prefix + "/") ? String(path.dropFirst(prefix.count + 1)) : nil
    }

    /// The AppSpec names CodeDeploy looks for, in order.
    static let appSpecNames = ["appspec.yml", "appspec.yaml"]

    /// Paths (before the strip) that could become the AppSpec, so the reader keeps their text.
    static func isAppSpecCandidate(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        return parts.count <= 2 && appSpecNames.contains(String(parts.last!))
    }
}
