/// A parsed `appspec.yml`: what to copy where, which permissions to set, and which scripts
/// to run at each lifecycle event. Produced by HoistConfig's parser; consumed by the install
/// planner and the hook runner.
public struct AppSpec: Sendable, Hashable, Codable {
    /// Always "0.0" once parsed (CodeDeploy supports no other version).
    public var version: String
    /// Always "linux" once parsed.
    public var os: String
    public var files: [FileMapping]
    /// The AppSpec's own `file_exists_behavior`; nil when absent (see `effectiveFileExistsBehavior`).
    public var fileExistsBehavior: FileExistsBehavior?
    public var permissions: [Permission]
    /// Scripts per event, in the order they run. Events without scripts are absent.
    public var hooks: [LifecycleEvent: [HookScript]]

    public init(
        version: String = "0.0", os: String = "linux", files: [FileMapping] = [],
        fileExistsBehavior: FileExistsBehavior? = nil, permissions: [Permission] = [],
        hooks: [LifecycleEvent: [HookScript]] = [:]
    ) {
        self.version = version
        self.os = os
        self.files = files
        self.fileExistsBehavior = fileExistsBehavior
        self.permissions = permissions
        self.hooks = hooks
    }

    /// The scripts of one event, in run order (empty when the event has none).
    public func scripts(for event: LifecycleEvent) -> [HookScript] { hooks[event] ?? [] }

    /// CodeDeploy's precedence: the AppSpec's value wins over the deployment's, and the
    /// default is DISALLOW.
    public func effectiveFileExistsBehavior(deployment: FileExistsBehavior?) -> FileExistsBehavior {
        fileExistsBehavior ?? deployment ?? .disallow
    }
}

/// One `files` entry: copy `source` (bundle-relative; a directory's contents, or one file)
/// into the directory `destination` (absolute).
public struct FileMapping: Sendable, Hashable, Codable {
    public var source: String
    public var destination: String
    public var position: SourcePosition?

    public init(source: String, destination: String, position: SourcePosition? = nil) {
        self.source = source
        self.destination = destination
        self.position = position
    }
}

/// One script of a lifecycle event.
public struct HookScript: Sendable, Hashable, Codable {
    /// Path relative to the revision root.
    public var location: String
    /// Seconds; CodeDeploy's default is 3600.
    public var timeout: Int
    public var runas: String?
    public var sudo: Bool
    public var position: SourcePosition?

    public static let defaultTimeout = 3600

    public init(
        location: String, timeout: Int = HookScript.defaultTimeout, runas: String? = nil,
        sudo: Bool = false, position: SourcePosition? = nil
    ) {
        self.location = location
        self.timeout = timeout
        self.runas = runas
        self.sudo = sudo
        self.position = position
    }
}
