import HoistCore

/// The remote programs of the deployment-group lock, rendered as text. The lock lives on the
/// hosts themselves (`HostLayout.lockDir`), so laptops, CI and cron see the same lock whoever
/// starts a deployment. Every program is one round trip, judges time with the host's own
/// clock (`HostClock`: the resident shell's, else `date +%s` in the same program), and answers
/// with marker lines that `GroupLockReply.parse` reads.
///
/// The lock directory is never visible without its owner.json: it is built under a private
/// name and renamed into place with `mv -T` (rename(2), atomic; it fails when the lock exists,
/// because a lock directory is never empty). GNU coreutils is assumed on hosts, as elsewhere.
public struct GroupLockCommands: Sendable, Hashable {
    public var layout: HostLayout
    public var become: Bool

    public init(layout: HostLayout, become: Bool) {
        self.layout = layout
        self.become = become
    }

    /// Takes the lock for `owner`: fresh, again when it is already ours (refreshing it), or
    /// over a stale holder whose heartbeat is older than its lease. `token` makes this
    /// attempt's scratch names unique. Answers `taken`, `ours`, `tookover` (with the stale
    /// owner) or `held` (with the holder). Once the lock is ours it names, one `orphan` line
    /// each, the group's hook runs still alive (`sweep`).
    public func take(owner: LockOwner, token: String) -> String {
        let q = shellQuote
        let staged = layout.lockDir + ".new." + token
        let stale = layout.lockDir + ".stale." + token
        return wrap(fileOps: prelude(defaultLease: owner.leaseSeconds) + sweep + """
            s=\(q(staged))
            old=\(q(stale))
            [ -d \(q(layout.instructionsDir)) ] || mkdir -p \(q(layout.instructionsDir)) || exit 70
            # Scratch of coordinators that died between two steps (.new, .stale, .released);
            # the shell's glob looks first, so `find` runs only when there is some.
            for x in \(q(layout.lockDir + "."))*; do
              [ -e "$x" ] && find \(q(layout.instructionsDir)) -maxdepth 1 -name \(q(layout.groupID + ".lock."))'*' -mmin +10 -exec rm -rf {} + 2>/dev/null
              break
            done
            [ ! -e "$s" ] || rm -rf "$s"
            { mkdir "$s" && \(writeOwner(owner, to: "$s/owner.json")); } || { echo "could not write $s/owner.json" >&2; exit 71; }
            if mv -T "$s" "$d" 2>/dev/null; then sweep; printf '%staken 0\\n' "$m"; exit 0; fi
            if owned \(q(Self.deploymentNeedle(owner.deploymentID))); then
              mv -f "$s/owner.json" "$d/owner.json" || exit 71
              rm -rf "$s"; sweep; printf '%sours 0\\n' "$m"; exit 0
            fi
            inspect
            if [ "$age" -gt "$lease" ]; then
              # Only the one who creates takeover/ inside this very lock directory may move it
              # aside, so two coordinators cannot both take over, nor move a fresh lock: under
              # it, an unchanged owner.json means no heartbeat and no other taker came between.
              seen=$owner; seenage=$age
              if mkdir "$d/takeover" 2>/dev/null; then
                inspect
                if [ "$owner" = "$seen" ] && mv -T "$d" "$old" 2>/dev/null; then
                  if mv -T "$s" "$d" 2>/dev/null; then
                    rm -rf "$old"; sweep
                    printf '%stookover %s\\n' "$m" "$seenage"; printf '%sowner %s\\n' "$m" "$seen"; exit 0
                  fi
                  rm -rf "$old"; inspect
                else
                  rmdir "$d/takeover" 2>/dev/null
                fi
              elif [ $((now - $(mtime "$d/takeover"))) -gt 60 ]; then
                # A takeover that died half-way (it takes milliseconds); let the next one run.
                rmdir "$d/takeover" 2>/dev/null
              fi
            fi
            if [ ! -e "$d" ] && mv -T "$s" "$d" 2>/dev/null; then sweep; printf '%staken 0\\n' "$m"; exit 0; fi
            rm -rf "$s"
            printf '%sheld %s\\n' "$m" "$age"; printf '%sowner %s\\n' "$m" "$owner"
            exit 0
            """)
    }

    /// `sweep` names the hook runs of this group still alive, one `orphan <scratch>` line each.
    /// While we hold the group's lock no other deployment of it runs, so such a run was left by
    /// a coordinator that is gone without its channel closing (a laptop that went to sleep, a
    /// network cut off): it would go on changing the host under this deployment, and nobody will
    /// hear how it ends. (A coordinator that was killed closes its channels, and the hook runner
    /// stops its script itself.) The shell's own glob and reads find them, no program: the
    /// runner's `.pid` names it and its script, and the script must still be that runner's
    /// child, as the kill program checks it (`HookInvocation.validRun`, `ownedByWrapper`).
    private var sweep: String {
        """
        \(HookInvocation.ownedByWrapper)
        \(HookInvocation.validRun)
        sweep() {
          for p in \(shellQuote(layout.groupDir))/*/logs/.hook-*.pid; do
            [ -s "$p" ] || continue
            wp=; sp=; read -r wp sp 2>/dev/null <"$p" || continue
            valid_run && run_owned && printf '%sorphan %s\\n' "$m" "${p%.pid}"
          done
          return 0
        }

        """
    }

    /// Refreshes the heartbeat in owner.json when the lock is still `owner`'s (`beat`), or says
    /// it was lost (`lost`, with whoever holds it now) — only when it was: the lock folder is
    /// gone, or its owner.json names another deployment. A refresh that could not be written
    /// (a full disk, an unreadable owner.json) answers `beatfailed`: the lock is still ours,
    /// and the next heartbeat tries again. Then lists the stop requests written by `hoist
    /// stop`, one `stop` line each, and the continue requests written by `hoist continue`, one
    /// `continue` line each.
    ///
    /// The ownership check and the rewrite are two steps: a heartbeat delayed past its own
    /// lease, racing a takeover of exactly that lock, could rewrite the new owner's file. By
    /// then the lock was already judged dead; a lease three heartbeats long makes it unlikely.
    public func heartbeat(owner: LockOwner) -> String {
        wrap(fileOps: prelude(defaultLease: owner.leaseSeconds) + """
            if owned \(shellQuote(Self.deploymentNeedle(owner.deploymentID))); then
              if \(writeOwner(owner, to: "$d/owner.json.tmp")) && mv -f "$d/owner.json.tmp" "$d/owner.json"; then
                printf '%sbeat 0\\n' "$m"
              else
                printf '%sbeatfailed 0\\n' "$m"
              fi
            elif [ ! -d "$d" ]; then
              printf '%slost 0\\n' "$m"
            else
              inspect
              if [ -n "$owner" ]; then
                printf '%slost %s\\n' "$m" "$age"; printf '%sowner %s\\n' "$m" "$owner"
              else
                printf '%sbeatfailed 0\\n' "$m"
              fi
            fi
            for f in stop continue; do
              if [ -f "$d/$f" ]; then
                while IFS= read -r line || [ -n "$line" ]; do printf '%s%s %s\\n' "$m" "$f" "$line"; done <"$d/$f"
              fi
            done
            exit 0
            """)
    }

    /// Removes the lock only if `deploymentID` holds it, checked in the same program.
    /// Answers `released` or `notours`.
    public func release(deploymentID: String, token: String) -> String {
        let gone = layout.lockDir + ".released." + token
        return wrap(fileOps: prelude(defaultLease: LockOwner.defaultLeaseSeconds) + """
            gone=\(shellQuote(gone))
            if owned \(shellQuote(Self.deploymentNeedle(deploymentID))) && mv -T "$d" "$gone" 2>/dev/null; then
              rm -rf "$gone"; printf '%sreleased 0\\n' "$m"
            else
              printf '%snotours 0\\n' "$m"
            fi
            exit 0
            """)
    }

    /// Removes the lock whoever holds it. Answers `released` (with the owner it removed) or `free`.
    public func forceRelease(token: String) -> String {
        let gone = layout.lockDir + ".released." + token
        return wrap(fileOps: prelude(defaultLease: LockOwner.defaultLeaseSeconds) + """
            gone=\(shellQuote(gone))
            if [ -d "$d" ]; then
              inspect
              mv -T "$d" "$gone" && rm -rf "$gone" || exit 73
              printf '%sreleased %s\\n' "$m" "$age"; printf '%sowner %s\\n' "$m" "$owner"
            else
              printf '%sfree 0\\n' "$m"
            fi
            exit 0
            """)
    }

    /// Reads the lock: `free`, or `held` with the heartbeat's age on the host's clock and the
    /// owner. `defaultLease` judges a lock whose owner.json says nothing.
    public func status(defaultLease: Int = LockOwner.defaultLeaseSeconds) -> String {
        wrap(prelude(defaultLease: defaultLease) + """
            if [ -d "$d" ]; then
              inspect; printf '%sheld %s\\n' "$m" "$age"; printf '%sowner %s\\n' "$m" "$owner"
            else
              printf '%sfree 0\\n' "$m"
            fi
            exit 0
            """)
    }

    /// Appends a stop request to `<lockDir>/stop` when `deploymentID` holds the lock, for its
    /// heartbeat to find. `request` is one line such as `graceful bob@ci`. Answers `stopped`,
    /// or `notheld` with whoever holds the lock instead.
    public func requestStop(deploymentID: String, request: String) -> String {
        append(request, to: "stop", deploymentID: deploymentID, answer: .stopped)
    }

    /// Appends a continue request to `<lockDir>/continue` when `deploymentID` holds the lock:
    /// `hoist continue` from any machine that reaches the hosts; the blue/green deployment's
    /// heartbeat finds it and ends its ready wait. Answers `continued`, or `notheld`.
    public func requestContinue(deploymentID: String, request: String) -> String {
        append(request, to: "continue", deploymentID: deploymentID, answer: .continued)
    }

    /// The request files inside the lock directory, which go away with the lock itself.
    private func append(_ request: String, to file: String, deploymentID: String, answer: GroupLockReply.Outcome) -> String {
        let line = request.split(whereSeparator: \.isNewline).joined(separator: " ")
        return wrap(prelude(defaultLease: LockOwner.defaultLeaseSeconds) + """
            if owned \(shellQuote(Self.deploymentNeedle(deploymentID))); then
              printf '%s\\n' \(shellQuote(line)) >>"$d/\(file)" || exit 74
              printf '%s\(answer.rawValue) 0\\n' "$m"
            else
              inspect; printf '%snotheld %s\\n' "$m" "$age"; printf '%sowner %s\\n' "$m" "$owner"
            fi
            exit 0
            """)
    }

    /// owner.json as rendered by `ownerJSONPrefix`: compact, keys sorted, heartbeatTime last so
    /// the host can append its own clock. The key/value text `owned` looks for.
    public static func deploymentNeedle(_ deploymentID: String) -> String {
        "\"deploymentID\":" + jsonString(deploymentID)
    }

    /// owner.json up to the heartbeat's value; the host appends `<date +%s>}`. Rendering by
    /// hand keeps this module free of Foundation and the shape fixed for `sed` and `owned`
    /// (a key inside a string value is always escaped, so it never matches).
    public static func ownerJSONPrefix(_ owner: LockOwner) -> String {
        "{\"command\":\(jsonString(owner.command)),\"deploymentID\":\(jsonString(owner.deploymentID)),"
            + "\"leaseSeconds\":\(owner.leaseSeconds),\"machine\":\(jsonString(owner.machine)),\"pid\":\(owner.pid),"
            + (owner.processStart.map { "\"processStart\":\(jsonString($0))," } ?? "")
            + "\"startTime\":\(owner.startTime),\"status\":\(jsonString(owner.status)),\"user\":\(jsonString(owner.user)),"
            + "\"heartbeatTime\":"
    }

    private func writeOwner(_ owner: LockOwner, to path: String) -> String {
        "printf '%s%s}\\n' \(shellQuote(Self.ownerJSONPrefix(owner))) \"$now\" >\"\(path)\""
    }

    /// Shared head of every program: where the lock is, the host's clock, and `inspect`, which
    /// sets `owner` (one line of JSON, maybe empty), `age` (seconds since the heartbeat, or
    /// since the directory changed when there is no owner.json) and `lease`.
    private func prelude(defaultLease: Int) -> String {
        """
        set -u
        umask 022
        d=\(shellQuote(layout.lockDir))
        \(RemoteProgram.markerVariable)
        \(HostClock.nowAssignment)
        mtime() { stat -c %Y "$1" 2>/dev/null || echo "$now"; }
        # owner.json is one line: the shell's own `read` finds the needle, no grep process.
        owned() { o=; IFS= read -r o 2>/dev/null <"$d/owner.json"; case $o in *"$1"*) return 0 ;; esac; return 1; }
        inspect() {
          owner=$(cat "$d/owner.json" 2>/dev/null | tr -d '\\n')
          hb=$(printf '%s' "$owner" | sed -n 's/.*"heartbeatTime":\\([0-9][0-9]*\\).*/\\1/p')
          lease=$(printf '%s' "$owner" | sed -n 's/.*"leaseSeconds":\\([0-9][0-9]*\\).*/\\1/p')
          [ -n "$hb" ] || hb=$(mtime "$d")
          [ -n "$lease" ] || lease=\(defaultLease)
          age=$((now - hb))
        }

        """
    }

    private func wrap(_ program: String) -> String {
        RemoteProgram.wrap(program, sudo: become)
    }

    /// The lock's programs that rename and remove its folders (`ResidentFileOps`).
    private func wrap(fileOps program: String) -> String {
        RemoteProgram.wrap(fileOps: program, sudo: become)
    }

    static func jsonString(_ value: String) -> String { JSONText.quote(value) }
}

/// What a lock program answered: its outcome word, the heartbeat age it measured on the host,
/// the owner.json it read (if any) and the stop and continue requests it found.
public struct GroupLockReply: Sendable, Hashable {
    public enum Outcome: String, Sendable {
        case taken, ours, tookover, held, free, beat, beatfailed, lost, released, notours, stopped, notheld, continued
    }
    public var outcome: Outcome
    public var heartbeatAgeSeconds: Int
    public var ownerJSON: String?
    public var stopRequests: [String]
    public var continueRequests: [String]
    /// The scratch prefixes of hook runs left alive by a coordinator that is gone (`take`).
    public var orphans: [String]

    public init(outcome: Outcome, heartbeatAgeSeconds: Int = 0, ownerJSON: String? = nil, stopRequests: [String] = [],
                continueRequests: [String] = [], orphans: [String] = []) {
        self.outcome = outcome
        self.heartbeatAgeSeconds = heartbeatAgeSeconds
        self.ownerJSON = ownerJSON
        self.stopRequests = stopRequests
        self.continueRequests = continueRequests
        self.orphans = orphans
    }

    /// Reads the marker lines of `stdout`; nil when no outcome line is there.
    public static func parse(_ stdout: String) -> GroupLockReply? {
        var outcome: Outcome?
        var age = 0
        var owner: String?
        var stops: [String] = []
        var continues: [String] = []
        var orphans: [String] = []
        for (key, value) in RemoteProgram.replies(stdout.split(separator: "\n"), separator: " ") {
            switch key {
            case "owner": owner = value.isEmpty ? nil : value
            // The program always prints `stop <request>` and `continue <request>`; a cut-off
            // line asks for nothing.
            case "stop": if !value.isEmpty { stops.append(value) }
            case "continue": if !value.isEmpty { continues.append(value) }
            case "orphan": if !value.isEmpty { orphans.append(value) }
            default:
                if let o = Outcome(rawValue: key) {
                    outcome = o
                    age = Int(value) ?? 0
                }
            }
        }
        return outcome.map { GroupLockReply(outcome: $0, heartbeatAgeSeconds: age, ownerJSON: owner, stopRequests: stops, continueRequests: continues,
                                                   orphans: orphans) }
    }
}
