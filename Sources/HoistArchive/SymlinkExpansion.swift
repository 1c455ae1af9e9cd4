import HoistCore

/// What CodeDeploy's agent does with a revision's symlinks, decided on the listing before
/// anything is sent: a link that resolves to a directory of the revision becomes a real
/// directory holding copies of what that directory holds (the agent follows it when it copies);
/// a link to a file, and a dangling link, stay links. Links are resolved as the kernel would on
/// the host, one component at a time through every link on the way, so a chain of links that
/// each look harmless cannot lead out of the revision (`d/up -> ..` then `d/out -> up/..`).
struct SymlinkExpansion {
    /// How one link resolves.
    enum Resolution: Equatable {
        /// To `path` in the revision; `kind` is nil when nothing is there (a dangling link).
        case inside(path: String, kind: BundleEntry.Kind?)
        case outside
        /// To the revision root itself.
        case root
        /// More links in a row than Linux follows (40).
        case loop
    }

    static let maxHops = 40

    private(set) var entries: [BundleEntry]
    /// Entry path → the path of the original entry whose data it repeats (hardlinks and the
    /// copies made under expanded links). Always an entry read from the revision itself.
    private(set) var copies: [String: String]
    /// Each expanded link's path → the directory it resolved to.
    private(set) var expandedLinks: [String: String] = [:]
    private(set) var problems: [BundleProblem] = []
    private(set) var expandedSize: Int64
    private let limits: BundleLimits
    private var kinds: [String: BundleEntry.Kind] = [:]
    private var impliedDirectories: Set<String> = []

    init(entries: [BundleEntry], copies: [String: String], expandedSize: Int64, limits: BundleLimits) {
        self.entries = entries
        self.copies = copies
        self.expandedSize = expandedSize
        self.limits = limits
        for entry in entries { note(entry) }
    }

    /// Expands every link to a directory, repeating while copies bring in more such links,
    /// and records a problem for each link that leads out, loops or names the root.
    mutating func run() {
        // Every link is first followed in the tree as the revision holds it, so the verdict
        // does not depend on the order links are expanded in; then again after each round of
        // expansion, in the tree the host will hold.
        _ = check(expanding: false)
        var changed = true
        while changed && problems.isEmpty {
            changed = check(expanding: true)
        }
    }

    /// Resolves every link; returns whether one was expanded.
    private mutating func check(expanding: Bool) -> Bool {
        var changed = false
        for index in entries.indices {
            guard case .symlink(let text) = entries[index].kind else { continue }
            let path = entries[index].path
            switch resolve(link: path, text: text) {
            case .outside:
                problem(path, "symlink target \"\(EntryName.display(text))\" resolves outside the revision once the links on its way are followed")
            case .loop:
                problem(path, "symlink target \"\(EntryName.display(text))\" goes through more than \(Self.maxHops) links (a loop)")
            case .root:
                problem(path, "symlink target \"\(EntryName.display(text))\" is the revision root; CodeDeploy would copy the revision into itself")
            case .inside(let target, .directory?):
                if path.hasPrefix(target + "/") {
                    problem(path, "symlink target \"\(EntryName.display(text))\" is a directory that holds the link; CodeDeploy would copy it into itself forever")
                } else if expanding {
                    expand(at: index, into: target)
                    changed = true
                }
            case .inside:
                continue
            }
            if expanding && !problems.isEmpty { return false }
        }
        return changed
    }

    /// Follows `text` from the link's directory as `openat` on the host would.
    func resolve(link: String, text: String) -> Resolution {
        if text.hasPrefix("/") { return .outside }
        var resolved = link.split(separator: "/").dropLast().map(String.init)
        var pending = Array(text.split(separator: "/", omittingEmptySubsequences: true).map(String.init).reversed())
        var hops = 0
        var missing = false
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." {
                if resolved.isEmpty { return .outside }
                resolved.removeLast()
                continue
            }
            let candidate = (resolved + [part]).joined(separator: "/")
            switch missing ? nil : kind(candidate) {
            case .symlink(let next)?:
                hops += 1
                if hops > Self.maxHops { return .loop }
                if next.hasPrefix("/") { return .outside }
                pending.append(contentsOf: next.split(separator: "/", omittingEmptySubsequences: true).map(String.init).reversed())
            case .directory?:
                resolved.append(part)
            case .file?:
                resolved.append(part)
                if !pending.isEmpty { missing = true }
            case nil:
                // Past a missing name the host finds nothing (the link dangles); go on by name
                // only, so that a `..` still cannot climb out of the revision.
                resolved.append(part)
                missing = true
            }
        }
        if resolved.isEmpty { return .root }
        let path = resolved.joined(separator: "/")
        return .inside(path: path, kind: missing ? nil : kind(path))
    }

    private func kind(_ path: String) -> BundleEntry.Kind? {
        if let kind = kinds[path] { return kind }
        return impliedDirectories.contains(path) ? .directory : nil
    }

    /// Replaces the link at `index` by a directory and appends copies of what `target` holds.
    private mutating func expand(at index: Int, into target: String) {
        let link = entries[index].path
        let mode = kinds[target] == .directory ? entries.first(where: { $0.path == target })?.mode ?? 0o755 : 0o755
        entries[index] = BundleEntry(path: link, kind: .directory, mode: mode, size: 0)
        kinds[link] = .directory
        expandedLinks[link] = target
        let prefix = target + "/"
        let below = entries.filter { $0.path.hasPrefix(prefix) }
        for entry in below {
            var copy = entry
            copy.path = link + "/" + entry.path.dropFirst(prefix.count)
            if entry.kind == .file {
                copies[copy.path] = copies[entry.path] ?? entry.path
                expandedSize += entry.size
            }
            entries.append(copy)
            note(copy)
            if entries.count > limits.maxEntryCount {
                problem(link, "expanding this link to a directory takes the revision past \(limits.maxEntryCount) entries (the entry-count limit)" + BundleLimits.advice(BundleLimits.entriesVariable))
                return
            }
            if expandedSize > limits.maxExpandedSize {
                problem(link, "expanding this link to a directory takes the revision past \(limits.maxExpandedSize) bytes (the expanded-size limit)" + BundleLimits.advice(BundleLimits.sizeVariable))
                return
            }
        }
    }

    private mutating func note(_ entry: BundleEntry) {
        kinds[entry.path] = entry.kind
        for ancestor in EntryPath.ancestors(of: entry.path) { impliedDirectories.insert(ancestor) }
    }

    private mutating func problem(_ path: String, _ reason: String) {
        problems.append(BundleProblem(entry: EntryName.display(path), reason: reason))
    }
}
