import HoistCore

/// Accumulates steps and CodeDeploy's bookkeeping (copy targets, mkdir targets, permission
/// targets) while the AppSpec's entries are added in order.
struct InstallPlanBuilder {
    let index: BundleIndex
    let fileName: String
    private(set) var steps: [InstallPlan.Step] = []
    private(set) var diagnostics: [Diagnostic] = []
    /// Destination → bundle source, in insertion order (`copyOrder`).
    private var copyTargets: [String: String] = [:]
    private var copyOrder: [String] = []
    /// Destinations installed as symbolic links: permissions pass them by, since chmod and
    /// chown would change what the link points to (a retained file, or one outside the
    /// install), which this deployment did not install.
    private var linkTargets: Set<String> = []
    private var directorySet: Set<String> = []
    private var directoryOrder: [String] = []
    private var permissionTargets: Set<String> = []
    /// Where the entry being added was written, for diagnostics.
    private var place: (position: SourcePosition?, keyPath: String) = (nil, "")

    init(index: BundleIndex, fileName: String) {
        self.index = index
        self.fileName = fileName
    }

    // MARK: files

    mutating func add(_ mapping: FileMapping, keyPath: String) {
        place = (mapping.position, keyPath)
        guard let source = PathSyntax.normalizeRelative(mapping.source) else {
            error("the source (\(mapping.source)) leaves the revision bundle through `..`", hint: "sources are relative to the bundle root")
            return
        }
        guard let destination = PathSyntax.normalizeAbsolute(mapping.destination) else {
            error("the destination (\(mapping.destination)) must be an absolute path", hint: "write the full path, e.g. /var/www/app")
            return
        }
        if index.isDirectory(source) {
            // A directory's contents go into the destination, which is created if missing.
            for ancestor in PathSyntax.ancestors(ofAbsolute: destination) { ensureDirectory(ancestor) }
            ensureDirectory(destination)
            copyTree(source, into: destination)
        } else if let kind = index.kind(source) {
            // Anything else lands in destination/<basename>: the destination is a directory.
            let target = PathSyntax.join(destination, PathSyntax.basename(source))
            for ancestor in PathSyntax.ancestors(ofAbsolute: target) { ensureDirectory(ancestor) }
            place(source, kind: kind, at: target)
        } else {
            // `source: /*` is copied from real AppSpecs; the agent fails it at copy time.
            let wildcard = mapping.source.contains { "*?[".contains($0) }
            error("the source (\(mapping.source)) is not in the revision bundle",
                hint: wildcard
                    ? "a source names one file or folder as it is, with no wildcards; write `source: /` to install the whole revision"
                    : "sources are relative to the bundle root; check the spelling and the bundle's contents")
        }
    }

    private mutating func copyTree(_ source: String, into destination: String) {
        for child in index.children[source] ?? [] {
            let target = PathSyntax.join(destination, PathSyntax.basename(child))
            if index.isDirectory(child) {
                ensureDirectory(target)
                copyTree(child, into: target)
            } else if let kind = index.kind(child) {
                place(child, kind: kind, at: target)
            }
        }
    }

    private mutating func place(_ source: String, kind: BundleEntry.Kind, at target: String) {
        guard recordable(target) else { return }
        if let other = copyTargets[target] {
            error(InstallPlanMessages.twoSources(source, other, target), hint: "map each destination file from one source only")
            return
        }
        if directorySet.contains(target) {
            error(InstallPlanMessages.fileOnDirectory(source, target), hint: "a path cannot be both a directory and a file")
            return
        }
        copyTargets[target] = source
        copyOrder.append(target)
        switch kind {
        case .symlink(let linkText):
            linkTargets.insert(target)
            steps.append(.symlink(target: linkText, at: target))
        case .file, .directory: steps.append(.copy(from: source, to: target))
        }
    }

    private mutating func ensureDirectory(_ path: String) {
        guard path != "/", recordable(path) else { return }
        if let source = copyTargets[path] {
            error(InstallPlanMessages.directoryOnFile(path, source), hint: "a path cannot be both a file and a directory")
            return
        }
        guard directorySet.insert(path).inserted else { return }
        directoryOrder.append(path)
        steps.append(.ensureDirectory(path: path))
    }

    /// The cleanup file holds one path per line, so a path with a newline cannot be installed.
    /// No Linux path holds a NUL: the host's shell drops it, so `/srv/a<NUL>b` would be
    /// installed as `/srv/ab`, past the conflict checks made on the name with it.
    private mutating func recordable(_ path: String) -> Bool {
        if path.utf8.contains(0) {
            error("the path \(path.debugDescription) contains a NUL byte, which no path on the host can hold",
                hint: "remove it from the destination or the file's name")
            return false
        }
        if path.contains("\n") || path.contains("\r") {
            error("the path \(path.debugDescription) contains a line break, which the cleanup file cannot record",
                hint: "rename the file in the bundle or change the destination")
            return false
        }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > Self.maxNameBytes }) {
            error("the destination \(String(path.prefix(60)).debugDescription)… has a name of \(long.utf8.count) bytes; Linux allows \(Self.maxNameBytes) bytes per name",
                hint: "shorten the file name in the bundle or the destination")
            return false
        }
        if path.utf8.count > Self.maxPathBytes {
            error("the destination \(String(path.prefix(60)).debugDescription)… is \(path.utf8.count) bytes long; Linux allows \(Self.maxPathBytes) bytes",
                hint: "shorten the paths in the bundle or the destination")
            return false
        }
        return true
    }

    /// NAME_MAX, and PATH_MAX less its NUL: a host's `cp` fails past these, after
    /// ApplicationStop and the upload, so the plan refuses them first.
    static let maxNameBytes = 255
    static let maxPathBytes = 4095

    // MARK: permissions

    mutating func add(_ permission: Permission, keyPath: String) {
        place = (permission.position, keyPath)
        guard let object = PathSyntax.normalizeAbsolute(permission.object) else {
            error("the object (\(permission.object)) must be an absolute path", hint: "permissions apply under an installed path such as /var/www/app")
            return
        }
        let hasDefaultACL = permission.acls?.contains(where: \.isDefault) ?? false
        if copyTargets[object] != nil {
            // The object is itself a file being installed.
            guard permission.types.contains(.file), !linkTargets.contains(object) else { return }
            if permission.pattern != Permission.recursivePattern {
                error(InstallPlanMessages.filePattern(object, permission.pattern), hint: "a file object takes no pattern; remove `pattern:`")
                return
            }
            if !permission.except.isEmpty {
                error(InstallPlanMessages.fileExcept(permission.except, object), hint: "a file object takes no `except:`")
                return
            }
            if hasDefaultACL {
                error(InstallPlanMessages.defaultACLOnFile, hint: "remove the d:/default: entries for a file object")
                return
            }
            set(permission, on: object, target: .file)
            return
        }
        // Otherwise the object is a directory (created here or already there): the rules
        // apply to the installed paths under it, never to the object itself.
        if permission.types.contains(.file) {
            for path in copyOrder where !linkTargets.contains(path) && matches(path, permission, object: object) {
                if hasDefaultACL {
                    error(InstallPlanMessages.defaultACLOnFile, hint: "limit this entry to `type: [directory]`, or drop the d: entries")
                    return
                }
                set(permission, on: path, target: .file)
            }
        }
        if permission.types.contains(.directory) {
            for path in directoryOrder where matches(path, permission, object: object) {
                set(permission, on: path, target: .directory)
            }
        }
    }

    private func matches(_ path: String, _ permission: Permission, object: String) -> Bool {
        let base = object == "/" ? "/" : object + "/"
        guard path.hasPrefix(base) else { return false }
        let relative = String(path.dropFirst(base.count))
        if permission.except.contains(where: { SimpleGlob.matches(relative, pattern: $0) }) { return false }
        return permission.pattern == Permission.recursivePattern || SimpleGlob.matches(relative, pattern: permission.pattern)
    }

    private mutating func set(_ permission: Permission, on path: String, target: PermissionStep.Target) {
        guard permissionTargets.insert(path).inserted else {
            error(InstallPlanMessages.permissionTwice(path), hint: "make the permissions entries match disjoint paths (use `except:` or narrower objects)")
            return
        }
        let step = PermissionStep(
            path: path, target: target, mode: permission.mode, acl: permission.acls, context: permission.context,
            owner: permission.owner, group: permission.group, position: permission.position)
        if !step.isEmpty { steps.append(.setPermissions(step)) }
    }

    private mutating func error(_ message: String, hint: String?) {
        diagnostics.append(Diagnostic(
            .error, file: fileName, line: place.position?.line, column: place.position?.column,
            keyPath: place.keyPath, message: message, hint: hint))
    }
}
