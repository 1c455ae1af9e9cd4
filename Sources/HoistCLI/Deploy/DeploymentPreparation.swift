import Foundation
import HoistArchive
import HoistConfig
import HoistCore
import HoistDigest
import HoistEngine
import HoistPlanning

/// The archive hosts receive for a revision: the canonical tar Hoist writes from the entries
/// it read and checked (docs/bundles.md), kept in the user's cache under its digest. The same
/// revision gives the same bytes, so hosts that hold it already are not sent it again, and a
/// rollback finds it by the digest its deployment recorded. The bundle keeps the files'
/// modification times, as CodeDeploy's copies do: with every file at 1970, a changed file of
/// the same size keeps its web server ETag (mtime + size), and clients that cached the old
/// content are told it did not change.
struct PreparedBundle: Sendable {
    var path: String
    var sha256: String
    var size: Int64
}

func prepareBundle(_ revision: LoadedRevision) throws -> PreparedBundle {
    let cache = try bundleCache()
    try makeCache(cache.folder)
    let temp = cache.temporaryPath()
    let written: CanonicalBundle.Written
    do {
        written = try CanonicalBundle.write(revision: revision.path, inspection: revision.inspection, to: temp,
                                            limits: try configuredBundleLimits())
    } catch let error as BundleError {
        guard case .changed = error else { throw error }
        // Input, like any other problem of the revision: exit 2, in the diagnostics' form.
        let diagnostics = RevisionPaths.diagnostics(for: error, path: RevisionPaths.trimmed(revision.path))
        printToStderr(diagnostics.map(\.description).joined(separator: "\n"))
        throw InvalidInput(diagnostics: diagnostics)
    }
    let path = try cache.admit(temp, sha256: written.sha256)
    cache.prune()
    return PreparedBundle(path: path, sha256: written.sha256, size: written.size)
}

/// Once a command's deployments are over: the cache back within its limits. The bundle they
/// used was held (in use) while they ran, so a cache over its limits stayed so until the next
/// deployment (a 6 GiB revision kept 6 GiB against a 2 GiB limit).
func pruneBundleCacheAfterUse() {
    BundleCache.releaseHolds()
    _ = try? configuredBundleCache().prune()
}

/// The cache holds the revisions deployed from this machine lately: 0700, like the history.
func makeCache(_ bundles: String) throws {
    try PrivateFiles.makeFolder(parentFolder(of: bundles), narrowExisting: true)
    try PrivateFiles.makeFolder(bundles, narrowExisting: true)
}

/// The bundle cache this process uses, where the environment puts it and with the limits it
/// sets; a limit that is neither a count nor a size is printed and thrown as `InvalidInput`.
func bundleCache() throws -> BundleCache {
    do {
        return try configuredBundleCache()
    } catch {
        printToStderr("hoist: \(error)")
        throw InvalidInput(diagnostics: [])
    }
}

/// The same cache, for callers after the command's first use of it: a bad limit was printed
/// then, once.
func configuredBundleCache() throws(BundleCache.Limits.Problem) -> BundleCache {
    let env = ProcessInfo.processInfo.environment
    return BundleCache(folder: BundleCache.folder(environment: env), limits: try BundleCache.Limits(environment: env))
}

/// Reads an AppSpec found on a host (the last successful revision's) for its hooks.
let hostAppSpecHooks: @Sendable (String, String) -> Result<HookTable, HookParseFailure> = { text, name in
    let (spec, diagnostics) = AppSpecParser.parse(text, fileName: name)
    if let spec { return .success(spec.hooks) }
    let errors = diagnostics.filter { $0.severity == .error }.map(\.description)
    return .failure(HookParseFailure(errors.joined(separator: "; ")))
}

/// Who is deploying, as `user@machine`.
func currentCreator() -> String {
    "\(currentUser())@\(ProcessInfo.processInfo.hostName)"
}

/// The user running Hoist, as a lock's owner names it (its machine is a field of its own).
func currentUser() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["USER"] ?? env["LOGNAME"] ?? getpwuid(getuid()).flatMap { String(cString: $0.pointee.pw_name) } ?? "unknown"
}

/// Builds the engine's view of a revision.
func deployableRevision(_ revision: LoadedRevision, bundle: PreparedBundle, fileExistsBehavior: FileExistsBehavior,
                        displayName: String? = nil) -> DeployableRevision {
    let plan = revision.plan
    // Install's program and its working lists are written beside the unpacked revision before
    // anything of the previous one goes: a revision of long paths made them 1.2 MB that the
    // free-space check left out, and Install ran out of space after ApplicationStop.
    let install = InstallCommands.render(plan: plan, revisionRoot: String(repeating: "/r", count: 48), cleanupFile: String(repeating: "/c", count: 48),
                                         fileExistsBehavior: fileExistsBehavior)
    let unpacked = HostSpaceNeed.diskBytes(of: revision.inspection.entries)
        .addingReportingOverflow(HostSpaceNeed.installBytes(programBytes: install.utf8.count))
    var deployable = DeployableRevision(
        displayName: displayName ?? revision.path, bundlePath: bundle.path, sha256: bundle.sha256,
        sizeBytes: bundle.size, unpackedBytes: unpacked.overflow ? .max : unpacked.partialValue, hooks: revision.appSpec.hooks,
        fileExistsBehavior: fileExistsBehavior,
        commit: GitWorkTree.commit(of: revision.path), renderInstall: { root, cleanup in
            InstallCommands.render(plan: plan, revisionRoot: root, cleanupFile: cleanup, fileExistsBehavior: fileExistsBehavior)
        })
    // The bundle is in the cache (`prepareBundle`), and so are the ones this coordinator
    // deployed before it; others are read back from a host that holds them.
    let deltas = BundleDeltas(cache: BundleCache(folder: parentFolder(of: bundle.path)),
                              target: bundle.path, targetSHA256: bundle.sha256)
    deployable.delta = { base, source in await deltas.delta(from: base, readingFrom: source) }
    return deployable
}

/// `--config` names: the predefined ones, with or without `CodeDeployDefault.`.
func parseConfigFlag(_ name: String) throws -> DeploymentConfig {
    guard let config = DeploymentConfig.predefined(name) else {
        printToStderr("hoist: --config: '\(name)' is not a predefined deployment configuration; use one of OneAtATime, HalfAtATime, AllAtOnce (with or without CodeDeployDefault.), or a custom one in the playbook")
        throw InvalidInput(diagnostics: [])
    }
    return config
}

func parseFileExistsFlag(_ value: String) throws -> FileExistsBehavior {
    guard let b = FileExistsBehavior(rawValue: value.uppercased()) else {
        printToStderr("hoist: --file-exists-behavior: '\(value)' is not one of DISALLOW, OVERWRITE, RETAIN")
        throw InvalidInput(diagnostics: [])
    }
    return b
}

/// A revision an earlier deployment recorded: what deploying it again must send, byte for byte.
struct RecordedRevision: Sendable {
    var deploymentID: String
    var sha256: String
    var commit: String?

    /// What `record` deployed, when it recorded the bundle's digest.
    init?(of record: DeploymentRecord) {
        guard let sha256 = record.revisionSHA256 else { return nil }
        self.init(deploymentID: record.id.rawValue, sha256: sha256, commit: record.revisionCommit)
    }

    init(deploymentID: String, sha256: String, commit: String?) {
        self.deploymentID = deploymentID
        self.sha256 = sha256
        self.commit = commit
    }
}

/// A revision named by path, or one an earlier deployment recorded: then its bundle from the
/// bundle cache, else read back from a host that still holds it (`HeldBundles`), else built
/// again from its path, and refused unless it has the recorded digest, so a rollback deploys
/// exactly the bytes that succeeded even when the original path changed or is gone. Checked,
/// bundled, and ready for the engine. Bad input is printed and thrown as `InvalidInput`.
func loadDeployable(path requested: String, recorded: RecordedRevision? = nil, held: HeldBundles? = nil,
                    fileExistsFlag: FileExistsBehavior?, playbookBehavior: FileExistsBehavior) async throws
    -> (loaded: LoadedRevision, deployable: DeployableRevision) {
    var path = recorded.flatMap { cachedBundle(sha256: $0.sha256) } ?? requested
    var readBack: String?
    if let recorded, path == requested, let held, let file = await held.readBack(deploymentID: recorded.deploymentID, sha256: recorded.sha256) {
        (path, readBack) = (file, file)
    }
    // Its canonical copy goes into the cache as the bundle is prepared.
    defer { if let readBack { unlink(readBack) } }
    let revision = try loadRevision(path: path)
    let behavior = revision.appSpec.effectiveFileExistsBehavior(deployment: fileExistsFlag ?? playbookBehavior)
    let bundle = try prepareBundle(revision)
    if let recorded, bundle.sha256 != recorded.sha256 {
        printToStderr("hoist: \(path) no longer matches the recorded revision (sha256 \(recorded.sha256.prefix(12)), now \(bundle.sha256.prefix(12)))"
            + (held == nil ? "" : ", and no host of the group still holds its bundle"))
        throw InvalidInput(diagnostics: [])
    }
    var deployable = deployableRevision(revision, bundle: bundle, fileExistsBehavior: behavior, displayName: requested)
    // The same bytes as the recorded deployment: its commit, which a copy from the bundle
    // cache cannot tell (a rollback was listed as `rev 4bd6aff52625`, not `rev@2a6b93828359`).
    if let commit = recorded?.commit { deployable.commit = commit }
    return (revision, deployable)
}

/// Where an earlier deployment's bundle can be read back from: the group's hosts, each of
/// which keeps the bundle of every deployment it received in that deployment's folder until
/// retention removes it. A rollback whose bundle the cache had dropped (its limits, another
/// machine, a CI runner's empty cache), with its folder changed, was refused though every
/// host held the bytes.
struct HeldBundles: Sendable {
    var hosts: [HostSpec]
    var groupID: String
    var connector: any HostConnector

    /// The bundle of `deploymentID` in a temporary file of the cache, from the first host
    /// that holds it with the digest `sha256`; nil when none does.
    func readBack(deploymentID: String, sha256: String) async -> String? {
        guard let cache = try? configuredBundleCache(), (try? makeCache(cache.folder)) != nil,
              let limits = try? BundleLimits(environment: ProcessInfo.processInfo.environment) else { return nil }
        for host in hosts {
            let remote = HostLayout(root: host.deploymentRoot, groupID: groupID).bundleFile(deploymentID)
            let local = cache.temporaryPath()
            guard let session = try? await connector.connect(host) else { continue }
            let read = (try? await session.download(remotePath: remote, to: local, maxBytes: limits.maxExpandedSize.multipliedReportingOverflow(by: 2).overflow ? .max : limits.maxExpandedSize * 2)) != nil
            await session.close()
            // A bundle's digest is that of its file's bytes; the whole check of its entries
            // follows as the revision is loaded, once.
            if read, (try? FileSHA256.hex(path: local)) == sha256 {
                printToStderr("hoist: the bundle of \(deploymentID) was read back from \(host.name), which still holds it")
                return local
            }
            unlink(local)
        }
        return nil
    }
}

/// The cached copy of a bundle with this digest, if the cache holds one (held from now on,
/// so no prune removes it while this process uses it).
func cachedBundle(sha256: String) -> String? {
    BundleCache(folder: BundleCache.folder(environment: ProcessInfo.processInfo.environment)).find(sha256: sha256)
}

/// The engine's `BundleSource`: an earlier deployment's revision from its recorded path or
/// the bundle cache, checked against its recorded digest.
struct CachedBundles: BundleSource {
    var playbookBehavior: FileExistsBehavior
    var held: HeldBundles?

    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    func revision(of record: DeploymentRecord) async throws -> DeployableRevision {
        do {
            let recorded = RecordedRevision(of: record)
            return try await loadDeployable(path: record.revisionPath, recorded: recorded, held: held,
                                            fileExistsFlag: record.fileExistsBehavior, playbookBehavior: playbookBehavior).deployable
        } catch is InvalidInput {
            throw Unusable(description: "the revision failed its checks (printed above)")
        }
    }
}
