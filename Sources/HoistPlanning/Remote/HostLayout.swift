import HoistCore

/// Where Hoist keeps things on a host, in the spirit of the CodeDeploy agent's layout:
///
///     <root>/<group-id>/<deployment-id>/bundle.tar              the uploaded bundle
///     <root>/<group-id>/<deployment-id>/bundle.sha256           its digest (skips re-uploads)
///     <root>/<group-id>/<deployment-id>/deployment-archive/     the unpacked revision
///     <root>/<group-id>/<deployment-id>/install.sh              the Install program run
///     <root>/<group-id>/<deployment-id>/hook-runner.pl          what runs each hook (with perl)
///     <root>/<group-id>/<deployment-id>/logs/scripts.log        hook output
///     <root>/<group-id>/<deployment-id>/deployment.json         this host's record
///     <root>/<group-id>/install.work/                           the last Install's working lists
///     <root>/deployment-instructions/<group-id>-cleanup         what the last Install put down
///     <root>/deployment-instructions/<group-id>_last_successful_install
///     <root>/deployment-instructions/<group-id>_most_recent_install
///     <root>/deployment-instructions/<group-id>_last_deployment  pointer to the newest record
public struct HostLayout: Sendable, Hashable {
    public var root: String
    public var groupID: String

    public init(root: String, groupID: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.groupID = groupID
    }

    public var groupDir: String { "\(root)/\(groupID)" }
    /// In the group folder: the application and group it belongs to (`HostCommands.groupOwner`).
    public static let groupOwnerFileName = ".hoist-group"
    public func deploymentDir(_ id: String) -> String { "\(groupDir)/\(id)" }
    public func archiveDir(_ id: String) -> String { "\(deploymentDir(id))/deployment-archive" }
    public func logFile(_ id: String) -> String { "\(deploymentDir(id))/logs/scripts.log" }
    public func recordFile(_ id: String) -> String { "\(deploymentDir(id))/\(Self.recordFileName)" }
    /// A host's record of a deployment, in that deployment's folder.
    public static let recordFileName = "deployment.json"
    /// The canonical tar the coordinator wrote (see docs/bundles.md), whatever the revision was.
    public func bundleFile(_ id: String) -> String { Self.bundleFile(in: deploymentDir(id)) }
    /// The bundle a deployment folder holds.
    public static func bundleFile(in deploymentDir: String) -> String { "\(deploymentDir)/bundle.tar" }
    public func bundleDigestFile(_ id: String) -> String { "\(deploymentDir(id))/bundle.sha256" }
    /// The Install program as the host received and ran it, kept for whoever asks later what
    /// Install did (retention removes it with its deployment).
    public func installProgramFile(_ id: String) -> String { "\(deploymentDir(id))/install.sh" }
    /// The Install program's working lists (`InstallScriptPrelude`), so a reader can see
    /// afterwards what the group's last Install checked. One folder for the group, not one per
    /// deployment: each Install rewrites the same files (a lock holder at a time), where a
    /// new folder would create ten files and retention delete them again, and on ext4
    /// without a journal every new file costs a search past the inodes deleted in the last
    /// minutes (docs/performance.md).
    public var installWorkDir: String { "\(groupDir)/install.work" }
    /// The perl hook runner (`HookInvocation.perlRunner`), put there once per deployment by
    /// the probe, so that each hook's program is a line of arguments, not the runner again.
    public func hookRunnerFile(_ id: String) -> String { "\(deploymentDir(id))/hook-runner.pl" }

    public var instructionsDir: String { "\(root)/deployment-instructions" }
    public var cleanupFile: String { "\(instructionsDir)/\(groupID)-cleanup" }
    public var lastSuccessfulPointer: String { "\(instructionsDir)/\(groupID)_last_successful_install" }
    public var mostRecentPointer: String { "\(instructionsDir)/\(groupID)_most_recent_install" }
    public var lastDeploymentPointer: String { "\(instructionsDir)/\(groupID)_last_deployment" }
    public var lockDir: String { "\(instructionsDir)/\(groupID).lock" }

    /// A deployment group id that is safe as a directory name: CodeDeploy names are limited to
    /// `[A-Za-z0-9._+=,@-]`, so `<application>_<group>` needs no escaping.
    public static func groupID(application: String, group: String) -> String {
        "\(application)_\(group)"
    }
}
