import HoistCore

/// One hook script to run on a host, as the AppSpec and the deployment describe it.
public struct HookInvocation: Sendable, Hashable {
    public var event: LifecycleEvent
    /// The script's `location` as written in the AppSpec (relative to the revision root).
    public var location: String
    /// The revision root the script comes from; also the script's working directory.
    public var revisionRoot: String
    public var timeoutSeconds: Int
    public var runAs: String?
    public var sudo: Bool
    /// Run the whole wrapper under `sudo -n` because the SSH user is not root and `become`
    /// is set.
    public var become: Bool
    public var environment: [(String, String)]
    public var logFile: String
    /// Seconds between TERM and KILL when the timeout passes.
    public var killGraceSeconds: Int
    /// The first script of its event writes the event's `LifecycleEvent - <Name>` line to the
    /// host log; the others only their `Script - <location>` line, as the CodeDeploy agent does.
    public var firstInEvent: Bool
    /// Makes this run's scratch names unique (see `scratch`); the coordinator picks it, so it
    /// can find the run again to kill it.
    public var token: String
    /// Folders above the revision that Hoist keeps to owner and group (the deployment root,
    /// group and deployment folders): a `runas` user is granted passage through them (an ACL
    /// entry, or o+x where setfacl is missing) so it can reach its script.
    public var traverse: [String]

    public init(
        event: LifecycleEvent, location: String, revisionRoot: String, timeoutSeconds: Int,
        runAs: String? = nil, sudo: Bool = false, become: Bool = false,
        environment: [(String, String)] = [], logFile: String, killGraceSeconds: Int = 5,
        firstInEvent: Bool = true, token: String = HookInvocation.newToken(), traverse: [String] = []
    ) {
        self.event = event
        self.location = location
        self.revisionRoot = revisionRoot
        self.timeoutSeconds = timeoutSeconds
        self.runAs = runAs
        self.sudo = sudo
        self.become = become
        self.environment = environment
        self.logFile = logFile
        self.killGraceSeconds = killGraceSeconds
        self.firstInEvent = firstInEvent
        self.token = token
        self.traverse = traverse
    }

    public static func == (a: HookInvocation, b: HookInvocation) -> Bool {
        a.rendered == b.rendered
    }
    public func hash(into h: inout Hasher) { h.combine(rendered) }

    /// 64 random bits in hex: unique among the runs of one host.
    public static func newToken() -> String {
        String(UInt64.random(in: .min ... .max), radix: 16)
    }

    public var absolutePath: String {
        var loc = location
        while loc.hasPrefix("./") { loc.removeFirst(2) }
        return revisionRoot + "/" + loc
    }

    /// The prefix of this run's scratch files on the host (`.o`, `.e` FIFOs, `.pid`, and the
    /// `.killed`/`.timedout` flags), next to the log, inside the deployment folder: only root
    /// (or the SSH user) can write there, so no other user can plant or change them.
    public var scratch: String {
        let folder = logFile.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (folder.isEmpty && logFile.hasPrefix("/") ? "" : folder) + "/.hook-" + token
    }

    /// The command that starts the script, as the CodeDeploy agent builds it: the path,
    /// `su <user> -c <path>` for `runas` (the user's own login shell runs it, so a user whose
    /// shell is nologin cannot run hooks, and SHELL is that shell), `sudo` in front when asked;
    /// environment travels through `env`.
    var runner: String {
        var words: [String] = []
        if sudo { words.append("sudo -n") }
        let env = environment.map { "\($0.0)=\(shellQuote($0.1))" }.joined(separator: " ")
        words.append("env " + env)
        if let runAs {
            words.append("su \(shellQuote(runAs)) -c \(shellQuote(shellQuote(absolutePath)))")
        } else {
            words.append(shellQuote(absolutePath))
        }
        return words.joined(separator: " ")
    }

    /// A POSIX sh program that runs the script and reports how it ended. Its own lines go to
    /// stderr, each starting with `HookStatusReader.marker` and a key: the first line gives
    /// the key, read from the kernel's random UUID for this run only, and the others carry it
    /// (see `HookStatusReader`). The key lives in an unexported shell variable of the wrapper,
    /// never on a command line or in an environment, so the script cannot print a line that
    /// passes for the wrapper's; nor can it tell the coordinator what to kill: the kill program
    /// reads the process ids from the scratch `.pid` file, which the script has no handle to.
    ///
    /// Why it is shaped this way:
    /// - output passes through FIFOs read by one relay process per stream (`relayFunction`),
    ///   which passes each line on and appends it, timestamped as the CodeDeploy agent writes
    ///   it, to scripts.log (no shell loop per line);
    /// - when the script exits but a background child still holds its output, the relays do
    ///   not end: after a second the wrapper looks for the holder in /proc (only then), hands
    ///   the FIFOs to drainers that keep the child's output in the host log, and ends the SSH
    ///   channel instead of hanging until the timeout (after a timeout or a kill too: a daemon
    ///   that left the group may still hold the output);
    /// - the script runs in its own session (`setsid`), so the deadline can stop the whole
    ///   process group, and the descendants `su -c` moves into a session of their own:
    ///   TERM first, KILL after the grace period. The deadline is a plain `sleep` whose end
    ///   interrupts the wrapper's `wait` through a SIGCHLD trap (no watchdog shell).
    ///
    /// On an ordinary run it forks six processes besides the script: date, mkfifo, two relays,
    /// the deadline's sleep and rm; one more (a one-second sleep) when the relays have not
    /// ended by the time the script's exit is seen.
    public var rendered: String {
        RemoteProgram.wrap(program, sudo: become)
    }

    private var program: String {
        let q = shellQuote
        let header = (firstInEvent ? "printf '%s LifecycleEvent - %s\\n' \"$now\" \(q(event.rawValue)); " : "")
            + "printf '%s Script - %s\\n' \"$now\" \(q(location))"
        return """
            set -u
            log=\(q(logFile)); script=\(q(absolutePath)); d=\(q(scratch))
            late=
            mkfifo -m 600 "$d.o" "$d.e" || exit 0
            trap 'rm -f "$d.o" "$d.e" "$d.pid" "$d.killed" "$d.timedout"' EXIT
            IFS= read -r k </proc/sys/kernel/random/uuid || exit 0
            report() { printf '\\036HOIST-HOOK %s %s\\n' "$k" "$*" >&2; }
            printf '\\036HOIST-HOOK %s\\n' "$k" >&2
            now=$(date '+%Y-%m-%d %H:%M:%S')
            { \(header); } >>"$log" 2>/dev/null
            if ! test -f "$script"; then report missing; exit 0; fi
            if ! test -x "$script"; then chmod +x "$script" 2>/dev/null || { report notexec; exit 0; }; fi
            cd \(q(revisionRoot)) || { report error cd; exit 0; }
            \(grantPassage)
            \(Self.relayFunction)
            relay '[stdout]' <"$d.o" & ro=$!
            relay '[stderr]' <"$d.e" >&2 & re=$!
            setsid \(runner) >"$d.o" 2>"$d.e" </dev/null & sp=$!
            echo "$$ $sp" >"$d.pid"
            \(Self.processTree)
            ended() { st=Z; read -r _ _ st _ 2>/dev/null <"/proc/$1/stat"; [ "$st" = Z ]; }
            # The deadline is a sleep whose end (SIGCHLD) interrupts the wait: TERM to the
            # script's group and descendants when the timeout passes, KILL after the grace.
            trap : CHLD
            sleep \(timeoutSeconds) & tm=$!; phase=run
            while :; do
              wait "$sp"; rc=$?
              [ -e "/proc/$sp" ] || break
              if ended "$tm"; then
                case $phase in
                  run) : >"$d.timedout"; stopall TERM; phase=term; sleep \(killGraceSeconds) & tm=$! ;;
                  term) stopall KILL; phase=done ;;
                esac
              fi
            done
            kill "$tm" 2>/dev/null
            ending=exited
            if [ -e "$d.killed" ]; then ending=killed; elif [ -e "$d.timedout" ]; then ending=timedout; fi
            [ "$ending" = exited ] || stopall KILL
            # The relays end as soon as nothing holds the script's output. Unless both have
            # already ended, they get a second before the wrapper looks for a holder.
            if ! { ended "$ro" && ended "$re"; }; then
              sleep 1 & tm=$!
              until { ended "$ro" && ended "$re"; } || ended "$tm"; do wait "$ro" "$re"; done
              { ended "$ro" && ended "$re"; } || late=1
              kill "$tm" 2>/dev/null
            fi
            holders=""
            if [ -n "$late" ] && ! { ended "$ro" && ended "$re"; }; then
              # A process outside the script's group (a daemon that double-forked) may still
              # hold its output, whatever the ending: then the relays must not wait for it.
              for fd in $(find /proc/[0-9]*/fd -maxdepth 1 \\( -lname "$d.o" -o -lname "$d.e" \\) 2>/dev/null); do
                p=${fd#/proc/}; p=${p%%/*}
                case " $ro $re $$ $holders " in *" $p "*) ;; *) [ -e "/proc/$p" ] && holders="$holders $p" ;; esac
              done
            fi
            if [ -n "$holders" ]; then
              for p in $holders; do
                printf '%s [stderr]hoist: process %s (%s) still holds the output of %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$p" "$(tr '\\0' ' ' </proc/$p/cmdline 2>/dev/null)" \(q(location)) >>"$log"
              done
              # Drainers keep the holder's output in the host log, then remove the FIFOs.
              trap - EXIT
              ( relay '[stdout]' <"$d.o" >/dev/null & relay '[stderr]' <"$d.e" & wait; rm -f "$d.o" "$d.e" "$d.pid" "$d.killed" "$d.timedout" ) </dev/null >/dev/null 2>&1 &
              kill "$ro" "$re" 2>/dev/null
              if [ "$ending" = exited ]; then report leftopen "$rc"$holders; else report "$ending" "$rc"; fi
              exit 0
            fi
            wait "$ro" "$re" 2>/dev/null
            \(runAsDiagnosis)report "$ending" "$rc"
            """
    }

    /// `relay PREFIX` copies its stdin to its stdout line by line, flushing each line, and
    /// appends each to `$log` as the CodeDeploy agent writes scripts.log: `YYYY-MM-DD HH:MM:SS
    /// PREFIXtext`. One process per stream, no shell loop: perl where the host has it (every
    /// Debian and Ubuntu host does; linear on a line of any length), else awk (mawk needs
    /// `-W interactive` to pass lines on as they come, and is slow on lines of megabytes).
    static let relayFunction = #"""
        relay() {
          HOIST_HOOK_LOG=$log; export HOIST_HOOK_LOG
          if command -v perl >/dev/null 2>&1; then
            exec perl -e '$| = 1; my $p = shift; open(my $l, ">>", $ENV{HOIST_HOOK_LOG}) or die "hoist: cannot append to $ENV{HOIST_HOOK_LOG}: $!\n"; select((select($l), $| = 1)[0]);
              while (my $x = <STDIN>) { $x .= "\n" unless $x =~ /\n\z/; print $x; my @t = localtime; printf $l "%04d-%02d-%02d %02d:%02d:%02d %s%s", $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0], $p, $x; }' "$1"
          fi
          if command -v mawk >/dev/null 2>&1; then aw='mawk -W interactive'; else aw=awk; fi
          exec $aw -v t="$1" 'BEGIN { f = ENVIRON["HOIST_HOOK_LOG"] } { print; fflush(); printf "%s %s%s\n", strftime("%Y-%m-%d %H:%M:%S"), t, $0 >>f; fflush(f) }'
        }
        """#

    /// `tree PID` lists the descendants of PID, from the kernel's children lists (no process
    /// per level; `ps` where the kernel has none); `stopall SIG` signals the script's process
    /// group (`$sp`) and its descendants, wherever they moved.
    static let processTree = #"""
        tree() {
          for f in /proc/$1/task/*/children; do
            [ -e "$f" ] || { for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; tree "$c"; done; return 0; }
            kids=; read -r kids 2>/dev/null <"$f"
            for c in $kids; do echo "$c"; tree "$c"; done
          done
        }
        stopall() { kill -"$1" -"$sp" $(tree "$sp") 2>/dev/null; }
        """#

    /// Lets the `runas` user through the folders Hoist keeps to owner and group.
    private var grantPassage: String {
        guard let runAs, !traverse.isEmpty else { return "" }
        let dirs = traverse.map(shellQuote).joined(separator: " ")
        return "setfacl -m \(shellQuote("u:" + runAs + ":x")) \(dirs) 2>/dev/null || chmod o+x \(dirs) 2>/dev/null"
    }

    /// When a `runas` script fails, why the user may not be able to run anything: its login
    /// shell (a nologin shell fails every hook, as with the CodeDeploy agent) or its absence.
    private var runAsDiagnosis: String {
        guard let runAs else { return "" }
        return """
            if [ "$ending" = exited ] && [ "$rc" -ne 0 ]; then
              u=$(getent passwd \(shellQuote(runAs)))
              if [ -z "$u" ]; then report runas nouser; else report runas shell "${u##*:}"; fi
            fi

            """
    }
}

extension HookInvocation {
    /// Stops a running hook from another channel: marks it killed, then TERM and, after the
    /// grace period, KILL to its process group and descendants. The process ids come from the
    /// run's `.pid` file, written by the wrapper, and the script's parent must still be the
    /// wrapper, so nothing a hook prints (and no pid reused since) can point the kill elsewhere.
    public func killCommand(graceSeconds: Int) -> String {
        let program = """
            d=\(shellQuote(scratch))
            [ -p "$d.o" ] || exit 0
            : >"$d.killed" 2>/dev/null || exit 0
            i=0
            until read -r wp sp 2>/dev/null <"$d.pid"; do
              [ -p "$d.o" ] && [ $i -lt 300 ] || exit 0
              i=$((i + 1)); sleep 0.1
            done
            case "$wp:$sp" in *[!0-9:]*|:*|*:) exit 0 ;; esac
            [ "$sp" -gt 1 ] || exit 0
            ours() { set -- $(ps -o ppid= -p "$sp" 2>/dev/null); [ "${1:-}" = "$wp" ]; }
            \(Self.processTree)
            ours || exit 0
            stopall TERM
            sleep \(graceSeconds)
            ours && stopall KILL
            exit 0
            """
        return RemoteProgram.wrap(program, sudo: become)
    }
}
