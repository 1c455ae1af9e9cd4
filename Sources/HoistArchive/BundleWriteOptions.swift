import Foundation

/// How `BundleWriter` normalises what it archives. The defaults make the output a function of
/// the directory's names, contents, modes and symlinks only.
public struct BundleWriteOptions: Sendable, Hashable {
    /// Keep the files' uid/gid (numeric, no names) instead of 0/0.
    public var keepOwners: Bool
    /// Keep the files' mtimes instead of `fixedModificationTime`.
    public var keepTimes: Bool
    /// The mtime written on every entry when times are not kept.
    public var fixedModificationTime: Int64
    /// Refuse a directory without appspec.yml/appspec.yaml (CodeDeploy cannot deploy it).
    public var requireAppSpec: Bool
    public var limits: BundleLimits

    /// `fixedModificationTime` defaults to `SOURCE_DATE_EPOCH` when set, else 0 (1970-01-01).
    public init(
        keepOwners: Bool = false, keepTimes: Bool = false, fixedModificationTime: Int64? = nil,
        requireAppSpec: Bool = true, limits: BundleLimits = .default
    ) {
        self.keepOwners = keepOwners
        self.keepTimes = keepTimes
        self.fixedModificationTime = fixedModificationTime
            ?? ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap { Int64($0) } ?? 0
        self.requireAppSpec = requireAppSpec
        self.limits = limits
    }
}

/// What `BundleWriter.write` produced.
public struct BundleWriteResult: Sendable, Hashable {
    public var path: String
    public var format: BundleFormat
    /// Lowercase hex SHA-256 of the written archive.
    public var sha256: String
    /// The directory's listing as hosts will see it (after the leading-directory strip).
    public var inspection: BundleInspection
}
