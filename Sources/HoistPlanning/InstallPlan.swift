import HoistCore

/// What Install does on a host, computed without seeing the host: the ordered steps of
/// CodeDeploy's install instructions (§1.3–1.5 of the semantics notes).
///
/// Because the planner cannot know which directories already exist, every directory the
/// install needs (each destination's ancestors below `/`, each destination, each directory of
/// a copied tree) is an `ensureDirectory` step: the executor creates it only when missing and
/// records only the ones it created in the cleanup file, exactly as CodeDeploy records only
/// the directories it `mkdir`ed. Likewise permission steps apply only to paths this run
/// actually installed (a created directory, a copied file), never to pre-existing directories
/// or RETAINed files; the executor knows which those are, the plan does not.
public struct InstallPlan: Sendable, Hashable, Codable {
    /// One instruction, in execution order.
    public enum Step: Sendable, Hashable, Codable {
        /// Create the directory if it is missing (record it only then).
        case ensureDirectory(path: String)
        /// Copy a regular file from the bundle (bundle-relative `from`) to an absolute path.
        case copy(from: String, to: String)
        /// Recreate a bundle symlink with the same link text.
        case symlink(target: String, at: String)
        /// Set what a permissions entry asks for on one installed path.
        case setPermissions(PermissionStep)
    }

    public var steps: [Step]

    public init(steps: [Step]) { self.steps = steps }

    /// Every destination file path (copies and symlinks), in plan order: the paths DISALLOW
    /// checks on the host.
    public var files: [String] {
        steps.compactMap {
            switch $0 {
            case .copy(_, let to): return to
            case .symlink(_, let at): return at
            default: return nil
            }
        }
    }

    /// Every directory the install ensures, outermost first.
    public var directories: [String] {
        steps.compactMap { if case .ensureDirectory(let path) = $0 { return path } else { return nil } }
    }

    /// The permission steps, in order.
    public var permissionSteps: [PermissionStep] {
        steps.compactMap { if case .setPermissions(let step) = $0 { return step } else { return nil } }
    }
}

/// The permission commands for one installed path, run in CodeDeploy's order: chmod, then
/// `setfacl --set` (the renderer completes the ACL with base entries from the mode), then
/// `semanage fcontext -a` + `restorecon`, then chown.
public struct PermissionStep: Sendable, Hashable, Codable {
    public enum Target: String, Sendable, Hashable, Codable { case file, directory }

    public var path: String
    public var target: Target
    public var mode: FileMode?
    /// The entries as written (parsed); nil when the permission sets no ACL.
    public var acl: [ACLEntry]?
    public var context: SELinuxContext?
    public var owner: String?
    public var group: String?
    /// The permissions entry this step comes from.
    public var position: SourcePosition?

    public init(
        path: String, target: Target, mode: FileMode? = nil, acl: [ACLEntry]? = nil,
        context: SELinuxContext? = nil, owner: String? = nil, group: String? = nil,
        position: SourcePosition? = nil
    ) {
        self.path = path
        self.target = target
        self.mode = mode
        self.acl = acl
        self.context = context
        self.owner = owner
        self.group = group
        self.position = position
    }

    /// True when the step would run no command at all.
    public var isEmpty: Bool { mode == nil && acl == nil && context == nil && owner == nil && group == nil }
}
