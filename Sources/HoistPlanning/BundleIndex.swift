import HoistCore

/// A bundle's entry list as a tree: what each path is, and each directory's children. Archives
/// often omit directory entries, so every ancestor of an entry counts as a directory.
struct BundleIndex {
    private(set) var kinds: [String: BundleEntry.Kind] = [:]
    private(set) var children: [String: [String]] = [:]

    init(_ entries: [BundleEntry]) {
        var childSets: [String: Set<String>] = [:]
        for entry in entries {
            guard let path = PathSyntax.normalizeRelative(entry.path), !path.isEmpty else { continue }
            if kinds[path] == nil || entry.kind == .directory { kinds[path] = entry.kind }
            var child = path
            var parent = PathSyntax.dirname(path)
            while true {
                childSets[parent, default: []].insert(child)
                if parent.isEmpty { break }
                if kinds[parent] == nil { kinds[parent] = .directory }
                child = parent
                parent = PathSyntax.dirname(parent)
            }
        }
        children = childSets.mapValues { $0.sorted() }
    }

    /// The bundle root ("") and every directory entry or implied directory.
    func isDirectory(_ path: String) -> Bool { path.isEmpty || kinds[path] == .directory }

    func kind(_ path: String) -> BundleEntry.Kind? { path.isEmpty ? .directory : kinds[path] }
}
