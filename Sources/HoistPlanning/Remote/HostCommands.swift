import HoistCore

/// The remote programs of a deployment other than hooks and Install, rendered as text. Every
/// value passes through `shellQuote`; nothing here touches a socket, so tests compare strings
/// and run them with a local shell.
public struct HostCommands: Sendable {
    public var layout: HostLayout
    public var deploymentID: String
    /// Run the programs under `sudo -n` because the SSH user is not root and `become` is set.
    public var become: Bool
    /// The SSH user: under `become`, uploads land in its private staging folder.
    public var sshUser: String
    /// `application<TAB>group`, which the probe keeps in the group folder (`groupOwnerFile`):
    /// `<application>_<group>` names one folder for `foo_bar`+`baz` and `foo`+`bar_baz`, and
    /// the second group's Install deleted the first one's files. Nil: not checked.
    public var groupOwner: String?

    public init(layout: HostLayout, deploymentID: String, become: Bool, sshUser: String = "root", groupOwner: String? = nil) {
        self.layout = layout
        self.deploymentID = deploymentID
        self.become = become
        self.sshUser = sshUser
        self.groupOwner = groupOwner
    }

    /// The line `groupOwner` is kept as.
    public static func groupOwner(application: String, group: String) -> String { "\(application)\t\(group)" }

    /// Under `become` the SSH user cannot write the deployment folder, so the bundle is
    /// uploaded here first: a folder of the SSH user's own, mode 0700, that the probe (as root)
    /// makes sure nobody else planted. No other user can create, swap or read what is in it.
    public var stagingDir: String { "/tmp/hoist-staging-\(sshUser)" }

    /// Where the bundle is uploaded: the deployment folder, or under `become` the staging
    /// folder, from which `unpack` moves it in.
    public var uploadTarget: String {
        become ? "\(stagingDir)/\(layout.groupID)-\(deploymentID).bundle" : layout.bundleFile(deploymentID)
    }

    /// Removes what a deployment left on a host whose turn never came (its folder, made by
    /// the probe, with the bundle sent ahead; under `become`, the staged upload too), so a
    /// skipped host keeps nothing of the deployment.
    public var discardDeployment: String {
        let paths = [layout.deploymentDir(deploymentID)] + (become ? [uploadTarget] : [])
        return wrap(fileOps: "rm -rf -- " + paths.map(shellQuote).joined(separator: " "))
    }

    /// Wraps a program for the host: as it is, or under sudo.
    public func wrap(_ program: String) -> String {
        RemoteProgram.wrap(program, sudo: become)
    }

    /// The same for a program that moves, removes or makes files (`ResidentFileOps`).
    func wrap(fileOps program: String) -> String {
        RemoteProgram.wrap(fileOps: program, sudo: become)
    }

    /// Prepares the deployment's folders and reports what the host holds for this group: the
    /// last successful and most recent revisions, the last successful revision's AppSpec (for
    /// ApplicationStop and the block-traffic hooks), and the digests of bundles already on the
    /// host (so an identical bundle is not uploaded again), and the free space of the group
    /// folder's filesystem (`df`, the one program it adds: the engine checks the revision fits
    /// before ApplicationStop). One round trip.
    ///
    /// Where the host has perl it also writes the hook runner (`HookInvocation.perlRunner`)
    /// into the deployment's folder, with the shell's own printf, and names it in its reply:
    /// the hooks then send only their arguments. The resident shell reads each command one
    /// byte at a time (`ShellFraming`), so the runner sent with each of five hooks cost a host
    /// about 1 ms per hook.
    ///
    /// What it makes is no wider than owner and group (the deployment root, the group and
    /// deployment folders, logs and scripts.log), and it removes the partial uploads of a
    /// coordinator killed mid-transfer (the uploader's `.NAME.hoist-RANDOM.tmp` files).
    public var probe: String {
        let q = shellQuote
        let dir = layout.deploymentDir(deploymentID)
        let ownerCheck = groupOwner.map { owner in
            let file = q(layout.groupDir + "/" + HostLayout.groupOwnerFileName)
            return """
                # Whose the group folder is: another application and group whose names join
                # to the same folder name must not touch it.
                if [ -f \(file) ]; then
                  have=; IFS= read -r have <\(file)
                  if [ "$have" != \(q(owner)) ]; then
                    printf 'the folder %s on this host belongs to application %s, deployment group %s, whose names join to the same folder name; rename this application or deployment group\\n' \(q(layout.groupDir)) "${have%%\t*}" "${have#*\t}" >&2
                    exit 71
                  fi
                fi
                """
        } ?? ""
        let ownerWrite = groupOwner.map { "[ -f \(q(layout.groupDir + "/" + HostLayout.groupOwnerFileName)) ] || printf '%s\\n' \(q($0)) >\(q(layout.groupDir + "/" + HostLayout.groupOwnerFileName)) || exit 70" } ?? ""
        return wrap(fileOps: """
            set -u
            umask 027
            \(ownerCheck)
            mkdir -p \(q(layout.instructionsDir)) \(q(dir + "/logs")) || exit 70
            \(ownerWrite)
            chmod 750 \(q(layout.root)) \(q(layout.instructionsDir)) \(q(layout.groupDir)) \(q(dir)) \(q(dir + "/logs")) || exit 70
            : >>\(q(layout.logFile(deploymentID))) || exit 70
            # The shell's glob looks first: `rm` runs only when there is a partial upload.
            for x in \(q(layout.groupDir))/*/.bundle.tar.hoist-*.tmp; do
              if [ -e "$x" ]; then rm -f \(q(layout.groupDir))/*/.bundle.tar.hoist-*.tmp; fi
              break
            done
            \(become ? stagingProgram : "")
            \(RemoteProgram.markerVariable)
            if command -v perl >/dev/null 2>&1; then
              printf '%s' \(q(HookInvocation.perlRunner)) >\(q(layout.hookRunnerFile(deploymentID))) || exit 70
              printf '%shookrunner=%s\\n' "$m" \(q(layout.hookRunnerFile(deploymentID)))
            fi
            # One-line files are read with the shell's own `read`: no process per file.
            last=; IFS= read -r last 2>/dev/null <\(q(layout.lastSuccessfulPointer))
            recent=; IFS= read -r recent 2>/dev/null <\(q(layout.mostRecentPointer))
            printf '%slast=%s\\n' "$m" "$last"
            printf '%srecent=%s\\n' "$m" "$recent"
            if [ -n "$last" ]; then
              for f in appspec.yml appspec.yaml; do
                if [ -f "$last/deployment-archive/$f" ]; then
                  printf '%sappspec=%s ' "$m" "$f"; base64 -w0 <"$last/deployment-archive/$f"; echo; break
                fi
              done
            fi
            # A blue/green rollback runs the block hooks of the most recent revision: after a
            # deployment that failed before its Install ended, that is not the last successful one.
            if [ -n "$recent" ] && [ "$recent" != "$last" ]; then
              for f in appspec.yml appspec.yaml; do
                if [ -f "$recent/deployment-archive/$f" ]; then
                  printf '%srecentappspec=%s ' "$m" "$f"; base64 -w0 <"$recent/deployment-archive/$f"; echo; break
                fi
              done
            fi
            # The free space where the bundle and the unpacked revision go (`HostSpaceNeed`):
            # df's line for the filesystem, the one after its header.
            if space=$(df -Pk -- \(q(layout.groupDir)) 2>/dev/null); then printf '%sdf=%s\\n' "$m" "${space#*
            }"; fi
            for f in \(q(layout.groupDir))/*/bundle.sha256; do
              sum=; [ -f "${f%.sha256}.tar" ] && IFS= read -r sum 2>/dev/null <"$f"
              [ -n "$sum" ] && printf '%sbundle=%s %s\\n' "$m" "$sum" "${f%/bundle.sha256}"
            done
            exit 0
            """)
    }

    /// Makes sure the staging folder is the SSH user's own, mode 0700, not a link: anything
    /// else (planted by another user) is removed and made again. Then removes this group's
    /// leftovers in it (the lock keeps the group's deployments one at a time).
    private var stagingProgram: String {
        let q = shellQuote
        let owner = q(sshUser + " 700")
        return """
            s=\(q(stagingDir))
            private() { [ ! -L "$s" ] && [ -d "$s" ] && [ "$(stat -c '%U %a' -- "$s")" = \(owner) ]; }
            if ! private; then
              rm -rf -- "$s"; mkdir -m 700 -- "$s" && chown -- \(q(sshUser + ":")) "$s" && private || { echo "cannot make the private staging folder $s" >&2; exit 70; }
            fi
            rm -f -- "$s"/\(q(layout.groupID + "-"))* "$s"/.\(q(layout.groupID + "-"))*
            """
    }

    /// Removes old deployment folders of the group, as the agent does at the start of
    /// DownloadBundle: keep `maxRevisions` including this one, never the last successful one.
    /// The shell counts the folders itself and finds the oldest of those that are neither this
    /// deployment's nor the last successful one with its own `-ot` (no `ls`), once for each
    /// folder to go, until none is left that may go.
    public func retention(maxRevisions: Int) -> String {
        retentionChoice(maxRevisions: maxRevisions, skip: "", take: "rm -rf \"$oldest\"")
    }

    /// Prints (`freed=KiB`) what `retention` would remove, measured with one `du` over exactly
    /// the folders it would choose, removing nothing: the space check counts it as free
    /// before it refuses a host (`HostSpaceNeed`). No reply when `du` fails.
    public func retentionSize(maxRevisions: Int) -> String {
        wrap("""
            set -u
            \(RemoteProgram.markerVariable)
            set --
            \(retentionChoice(maxRevisions: maxRevisions, skip: "for c; do [ \"$c\" != \"$old\" ] || continue 2; done",
                              take: "set -- \"$@\" \"$oldest\""))
            if [ $# -eq 0 ]; then printf '%sfreed=0\\ttotal\\n' "$m"
            elif r=$(du -skc -- "$@" 2>/dev/null); then printf '%sfreed=%s\\n' "$m" "${r##*
            }"; fi
            exit 0
            """)
    }

    /// Retention's choice of folders: `take` gets each chosen one (`$oldest`) in turn; `skip`
    /// (for a choice that removes nothing) passes over a candidate (`$old`) already taken.
    private func retentionChoice(maxRevisions: Int, skip: String, take: String) -> String {
        let q = shellQuote
        return """
            current=\(q(layout.deploymentDir(deploymentID)))
            last=; { IFS= read -r last <\(q(layout.lastSuccessfulPointer)); } 2>/dev/null || true
            others=0
            for old in \(q(layout.groupDir))/d-*/; do
              if [ -d "$old" ] && [ "${old%/}" != "$current" ]; then others=$((others + 1)); fi
            done
            extra=$((others - \(maxRevisions) + 1))
            while [ "$extra" -gt 0 ]; do
              oldest=
              for old in \(q(layout.groupDir))/d-*/; do
                old=${old%/}\(skip.isEmpty ? "" : "\n    " + skip)
                if [ -d "$old" ] && [ "$old" != "$current" ] && [ "$old" != "$last" ]; then
                  if [ -z "$oldest" ] || [ "$old" -ot "$oldest" ]; then oldest=$old; fi
                fi
              done
              [ -n "$oldest" ] || break
              \(take)
              extra=$((extra - 1))
            done
            """
    }

    /// Exit status of `unpack` when the deployment folder it was to reuse the bundle from is
    /// gone (removed after the probe saw it): the caller uploads the bundle instead.
    public static let reusedBundleGone: Int32 = 73

    /// DownloadBundle after the bundle is on the host (uploaded to `bundleFile`, or to be
    /// linked from `reuseFrom`, a deployment folder holding the same digest): unpacks it with
    /// the host's tar and records the most recent install. The bundle is the canonical tar the
    /// coordinator wrote (leading folder already stripped, links to directories already
    /// copies), so the host unpacks exactly the listing that was checked.
    ///
    /// A bundle reused from an earlier deployment folder is hashed again first: it has lain on
    /// the host since, and its digest file only says what it was. An uploaded bundle is not:
    /// the upload put it in place only after the host's digest of the bytes it received was
    /// `sha256` (`HostSession.upload`), and it has not left root's folders since (under
    /// `become`, the SSH user's private staging folder, which only root and that user can write,
    /// and that user may already run anything under sudo). Hashing 200 MB again on every host
    /// cost more CPU than anything else in DownloadBundle but `tar -x` itself.
    public func unpack(sha256: String, stagedUpload: String?, reuseFrom: String?, maxRevisions: Int) -> String {
        let q = shellQuote
        let dir = layout.deploymentDir(deploymentID)
        let bundle = layout.bundleFile(deploymentID)
        let archive = layout.archiveDir(deploymentID)
        var lines = ["set -eu", "umask 022"]
        if let reuseFrom {
            let old = reuseFrom + "/bundle.tar"
            lines.append("""
                ln -f \(q(old)) \(q(bundle)) 2>/dev/null || cp -p \(q(old)) \(q(bundle)) 2>/dev/null || {
                  echo \(q("the bundle in \(reuseFrom) is gone; it will be uploaded")) >&2; exit \(Self.reusedBundleGone); }
                """)
        } else if let stagedUpload {
            lines.append("mv -f \(q(stagedUpload)) \(q(bundle))")
        }
        // Retention after the bundle is in place: the folder it is reused from may be one of
        // those retention removes.
        lines.append(retention(maxRevisions: maxRevisions))
        if reuseFrom != nil {
            lines.append("""
                got=$({ \(HostDigest.sha256OfStdin); } <\(q(bundle))); got=${got%% *}
                if [ "$got" != \(q(sha256)) ]; then echo "bundle digest on the host is $got, expected \(sha256)" >&2; exit 71; fi
                """)
        }
        lines.append("""
            printf '%s\\n' \(q(sha256)) >\(q(layout.bundleDigestFile(deploymentID)))
            if [ -e \(q(archive)) ]; then rm -rf \(q(archive)); fi
            # The Install program's folder too: made here, it costs the Install a process fewer.
            mkdir -p \(q(archive)) \(q(layout.installWorkDir))
            # A tar cut short (a full disk, more files than inodes) leaves no half revision to
            # fill the disk: the rollback it calls for has to unpack too.
            tar -x --no-same-owner --same-permissions --delay-directory-restore -f \(q(bundle)) -C \(q(archive)) || {
              hoist_rc=$?; rm -rf \(q(archive)); echo 'unpacking failed; what it had unpacked was removed' >&2; exit $hoist_rc; }
            # Anything in the archive folder, found by the shell's glob (no `ls`).
            set -- \(q(archive))/* \(q(archive))/.[!.]* \(q(archive))/..?*
            for x; do if [ -e "$x" ] || [ -L "$x" ]; then set -- found; break; fi; done
            [ "${1:-}" = found ] || { echo 'the bundle unpacked to nothing' >&2; exit 72; }
            """)
        lines.append(writePointer(layout.mostRecentPointer, value: dir))
        return wrap(fileOps: lines.joined(separator: "\n"))
    }

    /// Writes a pointer file atomically.
    public func writePointer(_ path: String, value: String) -> String {
        RemoteProgram.atomicWrite(path, value: value)
    }

    /// Runs the Install program, which it reads from stdin (it grows with the revision, and
    /// an exec request cannot), and, when it succeeds, records this revision as the last
    /// successful install (the source of the next deployment's ApplicationStop scripts). The
    /// program is read whole into a file before it runs, so nothing it runs can eat its text;
    /// the file stays in the deployment's folder (`install.sh`), for whoever asks later what
    /// Install did. It runs in a subshell of this program's shell (`.`, not `sh FILE`: a
    /// program fewer), told where its working lists go (`$0` is not its file there). The
    /// program ends the subshell itself (`exit`) once its last line ran; a program that ends
    /// before that line arrived incomplete, and ran none of its steps (`InstallCommands`).
    public var install: String {
        let file = shellQuote(layout.installProgramFile(deploymentID))
        return wrap(fileOps: """
            cat > \(file) || { echo \(shellQuote("Could not write the Install program to " + layout.installProgramFile(deploymentID) + ".")) >&2; exit 4; }
            ( hoist_tmp=\(shellQuote(layout.installWorkDir)); . \(file)
              echo \(shellQuote(Self.installCutShort(layout.installProgramFile(deploymentID)))) >&2; exit 4 ) < /dev/null || exit
            \(writePointer(layout.lastSuccessfulPointer, value: layout.deploymentDir(deploymentID)))
            """)
    }

    /// Install's message for a program that ended before its last line.
    static func installCutShort(_ file: String) -> String {
        "The Install program in \(file) arrived incomplete (the connection broke while it was sent); none of its steps ran."
    }

    /// Writes this host's deployment record (its JSON) and points the group's last-deployment
    /// pointer at it, so a person on another machine can see what the host last received. A
    /// record of up to `inlineRecordLimit` bytes is part of the command, which costs a host
    /// less than the programs (`head`, `cat`, `wc`) that stdin takes. A longer one (its
    /// messages can be as long as a revision's list of conflicts) comes on stdin, as `input`,
    /// and replaces the record only when all of it arrived.
    public func writeRecord(_ json: String) -> (command: String, input: [UInt8]?) {
        let file = layout.recordFile(deploymentID)
        let tmp = shellQuote(file + ".tmp")
        let dir = shellQuote(layout.deploymentDir(deploymentID))
        let input = Array((json + "\n").utf8)
        let inline = json.utf8.count <= Self.inlineRecordLimit
        let write = inline ? "printf '%s\\n' \(shellQuote(json)) >\(tmp)" : "cat >\(tmp) && [ \"$(wc -c <\(tmp))\" -eq \(input.count) ]"
        let command = wrap(fileOps: "{ [ -d \(dir) ] || mkdir -p \(dir); } && \(write) && mv -f \(tmp) \(shellQuote(file)) && "
            + writePointer(layout.lastDeploymentPointer, value: file))
        return (command, inline ? nil : input)
    }

    /// The longest record `writeRecord` puts in its command, in bytes.
    public static let inlineRecordLimit = 4096

    /// Prints this deployment's record on the host and the group's latest record, each after
    /// a reply marker line (`this`, `latest`); `HostRecordsReply.parse` splits them.
    public var readRecords: String {
        wrap("""
            \(RemoteProgram.markerVariable)
            printf '%sthis\\n' "$m"; cat \(shellQuote(layout.recordFile(deploymentID))) 2>/dev/null
            printf '%slatest\\n' "$m"; f=$(cat \(shellQuote(layout.lastDeploymentPointer)) 2>/dev/null) && cat "$f" 2>/dev/null
            exit 0
            """)
    }

    /// Blue/green: where the group's live fleet is recorded on a host.
    public var liveFleetFile: String { layout.instructionsDir + "/\(layout.groupID)_live_fleet" }

    /// Blue/green: where the fleet that was live when the group's last deployment began is
    /// recorded, the fleet `--blue-green-rollback` goes back to. The live record alone cannot
    /// say it: a deployment that failed before traffic moved leaves it unchanged. Its first
    /// line is the fleet, its second the deployment that began (the one a rollback undoes);
    /// a Hoist that wrote only the first line, or reads only it, still agrees on the fleet.
    public var servedBeforeFile: String { layout.instructionsDir + "/\(layout.groupID)_served_before" }

    /// Records `fleet` as the group's live fleet on the host.
    public func writeLiveFleet(_ fleet: String) -> String { writeFleet(liveFleetFile, fleet) }

    /// Prints both blue/green records as reply lines (`live=`, `servedbefore=`, empty when
    /// none is), read with the shell's own `read`: one round trip for both, and a login
    /// shell's noise cannot pass for a fleet name (`BlueGreenRecords.parse`).
    public var readFleetRecords: String {
        wrap("""
            \(RemoteProgram.markerVariable)
            l=; IFS= read -r l 2>/dev/null <\(shellQuote(liveFleetFile))
            s=; d=; { IFS= read -r s; IFS= read -r d; } 2>/dev/null <\(shellQuote(servedBeforeFile))
            printf '%slive=%s\\n%sservedbefore=%s\\n%sservedbeforedeployment=%s\\n' "$m" "$l" "$m" "$s" "$m" "$d"
            """)
    }

    /// Records `fleet` as the one serving when this deployment begins.
    public func writeServedBeforeFleet(_ fleet: String) -> String {
        writeFleet(servedBeforeFile, shellWord: shellQuote(fleet) + " " + shellQuote(deploymentID))
    }

    private func writeFleet(_ file: String, _ fleet: String) -> String {
        writeFleet(file, shellWord: shellQuote(fleet))
    }

    private func writeFleet(_ file: String, shellWord lines: String) -> String {
        wrap(fileOps: "mkdir -p \(shellQuote(layout.instructionsDir)) && " + RemoteProgram.atomicWrite(file, shellWord: lines))
    }

    /// Prints, after an `installed` reply marker line, the host's record of the deployment
    /// whose Install last succeeded here (the last-successful pointer's folder): the revision
    /// the host runs. Nothing follows the marker when there is none (`HostRecordsReply`).
    public var readInstalledRecord: String {
        wrap("""
            \(RemoteProgram.markerVariable)
            printf '%sinstalled\\n' "$m"; d=$(cat \(shellQuote(layout.lastSuccessfulPointer)) 2>/dev/null) && cat "$d/\(HostLayout.recordFileName)" 2>/dev/null
            exit 0
            """)
    }
}

/// The blue/green records a host holds (`HostCommands.readFleetRecords`); nil when absent.
public struct BlueGreenRecords: Sendable, Hashable {
    public var live: String?
    public var servedBefore: String?
    /// The deployment that recorded `servedBefore` as it began (nil from an older Hoist).
    public var servedBeforeDeployment: String?

    public init(live: String? = nil, servedBefore: String? = nil, servedBeforeDeployment: String? = nil) {
        self.live = live
        self.servedBefore = servedBefore
        self.servedBeforeDeployment = servedBeforeDeployment
    }

    /// Parses the reply lines; other lines (a login shell's) are ignored.
    public static func parse(_ stdout: String) -> BlueGreenRecords {
        var records = BlueGreenRecords()
        for (key, value) in RemoteProgram.replies(stdout.split(separator: "\n"), separator: "=") where !value.isEmpty {
            if key == "live" { records.live = value }
            if key == "servedbefore" { records.servedBefore = value }
            if key == "servedbeforedeployment" { records.servedBeforeDeployment = value }
        }
        return records
    }
}

/// What the probe found on a host.
public struct HostProbeResult: Sendable, Hashable {
    public var lastSuccessfulDir: String?
    public var mostRecentDir: String?
    public var lastAppSpecName: String?
    public var lastAppSpecText: String?
    /// The most recent revision's AppSpec, when that revision is not the last successful one.
    public var recentAppSpecName: String?
    public var recentAppSpecText: String?
    /// Deployment folders holding a bundle, by digest.
    public var bundles: [String: String]
    /// The hook runner the probe wrote (the host has perl), or nil: hooks then run in the sh
    /// wrapper.
    public var hookRunner: String?
    /// The bytes free to unprivileged users on the group folder's filesystem (`df`'s
    /// Available), or nil when df failed or said something odd: then nothing is checked.
    public var freeBytes: Int64?

    public init(lastSuccessfulDir: String? = nil, mostRecentDir: String? = nil, lastAppSpecName: String? = nil,
                lastAppSpecText: String? = nil, bundles: [String: String] = [:], hookRunner: String? = nil,
                freeBytes: Int64? = nil) {
        self.freeBytes = freeBytes
        self.lastSuccessfulDir = lastSuccessfulDir
        self.mostRecentDir = mostRecentDir
        self.lastAppSpecName = lastAppSpecName
        self.lastAppSpecText = lastAppSpecText
        self.bundles = bundles
        self.hookRunner = hookRunner
    }

    /// Parses the probe's marker lines; other lines are ignored.
    public static func parse(_ lines: [String], decodeBase64: (String) -> String?) -> HostProbeResult {
        var result = HostProbeResult()
        for (key, value) in RemoteProgram.replies(lines.map { Substring($0) }, separator: "=") {
            switch key {
            case "last": result.lastSuccessfulDir = value.isEmpty ? nil : value
            case "recent": result.mostRecentDir = value.isEmpty ? nil : value
            case "appspec": (result.lastAppSpecName, result.lastAppSpecText) = appSpec(value, decodeBase64)
            case "recentappspec": (result.recentAppSpecName, result.recentAppSpecText) = appSpec(value, decodeBase64)
            case "bundle":
                let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
                if parts.count == 2 { result.bundles[parts[0]] = parts[1] }
            case "hookrunner": result.hookRunner = value.isEmpty ? nil : value
            case "df": result.freeBytes = HostSpaceReply.availableBytes(dfLine: value)
            default: continue
            }
        }
        return result
    }

    /// An AppSpec reply, `NAME BASE64`: its file name and text.
    private static func appSpec(_ value: String, _ decodeBase64: (String) -> String?) -> (String?, String?) {
        let parts = value.split(separator: " ", maxSplits: 1).map(String.init)
        return (parts.first, parts.count > 1 ? decodeBase64(parts[1]) : "")
    }
}

/// What `HostCommands.readRecords` printed: the two records' JSON text (empty when absent).
public struct HostRecordsReply: Sendable, Hashable {
    public var this: String
    public var latest: String

    public static func parse(_ stdout: String) -> HostRecordsReply {
        let found = sections(stdout)
        return HostRecordsReply(this: found["this"] ?? "", latest: found["latest"] ?? "")
    }

    /// The text after each reply marker line, up to the next one, by the marker's key
    /// (`readRecords`' `this` and `latest`, `readInstalledRecord`'s `installed`).
    public static func sections(_ stdout: String) -> [String: String] {
        var sections: [String: [Substring]] = [:]
        var current: String?
        for line in stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == RemoteProgram.marker, let key = RemoteProgram.replies([line], separator: " ").first?.key {
                current = key
                continue
            }
            if let current { sections[current, default: []].append(line) }
        }
        return sections.mapValues { $0.joined(separator: "\n") }
    }
}
