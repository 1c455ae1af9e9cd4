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
    /// The perl hook runner the probe wrote on the host (`HostLayout.hookRunnerFile`), or nil
    /// for a host without perl: the sh wrapper runs the hook there.
    public var runnerFile: String?

    public init(
        event: LifecycleEvent, location: String, revisionRoot: String, timeoutSeconds: Int,
        runAs: String? = nil, sudo: Bool = false, become: Bool = false,
        environment: [(String, String)] = [], logFile: String, killGraceSeconds: Int = 5,
        firstInEvent: Bool = true, token: String = HookInvocation.newToken(), traverse: [String] = [],
        runnerFile: String? = nil
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
        self.runnerFile = runnerFile
    }

    /// How long a script that exited may leave its output held by a background process
    /// before the hook fails with OUTPUTS_LEFT_OPEN. The CodeDeploy agent waits until the
    /// script's deadline, so a short-lived `(sleep 3; echo done) &` succeeds there and must
    /// here; a daemon started without redirecting its output held the agent for the whole
    /// timeout (an hour by default), and holds a Hoist hook this long at most.
    public static let outputHoldSeconds = 10

    /// How much of the output of processes a hook left holding its stdout or stderr the
    /// host's scripts.log keeps after the hook failed (OUTPUTS_LEFT_OPEN): the drainer goes
    /// on reading it, so the daemon never blocks or dies on a closed pipe, but a chatty one
    /// would otherwise grow the log until the disk is full.
    public static let drainedOutputBytes = 16 << 20

    public static func == (a: HookInvocation, b: HookInvocation) -> Bool {
        a.rendered == b.rendered
    }
    public func hash(into h: inout Hasher) { h.combine(rendered) }

    /// 64 random bits in hex: unique among the runs of one host.
    public static func newToken() -> String {
        String(UInt64.random(in: .min ... .max), radix: 16)
    }

    /// The revision root joined to `location` as Ruby's File.join does: a leading `/` (which
    /// the agent allows) or `./` adds nothing.
    public var absolutePath: String {
        var loc = Substring(location)
        while true {
            if loc.hasPrefix("/") { loc.removeFirst() } else if loc.hasPrefix("./") { loc.removeFirst(2) } else { break }
        }
        return revisionRoot + "/" + loc
    }

    /// The prefix of this run's scratch files on the host (`.o`, `.e`, `.t` FIFOs, `.pid`, and the
    /// `.killed`/`.timedout` flags), next to the log, inside the deployment folder: only root
    /// (or the SSH user) can write there, so no other user can plant or change them.
    public var scratch: String {
        let folder = logFile.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return (folder.isEmpty && logFile.hasPrefix("/") ? "" : folder) + "/.hook-" + token
    }

    /// The command that starts the script, as the CodeDeploy agent builds it: the path,
    /// `su <user> -c <path>` for `runas` (the user's own login shell runs it, so a user whose
    /// shell is nologin cannot run hooks, and SHELL is that shell), `sudo` in front when asked;
    /// `setsid` puts it in a session (and process group) of its own. The environment travels as
    /// assignments in front of the command, or through `env` after `sudo` (which resets it) or
    /// for a name the shell cannot assign: one program fewer on each run.
    var runner: String {
        let target = runAs.map { "su \(shellQuote($0)) -c \(shellQuote(shellQuote(absolutePath)))" } ?? shellQuote(absolutePath)
        let assignments = environment.map { "\($0.0)=\(shellQuote($0.1))" }.joined(separator: " ")
        if sudo || !environment.allSatisfy({ Self.isShellName($0.0) }) {
            return (sudo ? "setsid sudo -n " : "setsid ") + "env " + assignments + " " + target
        }
        return (assignments.isEmpty ? "" : assignments + " ") + "setsid " + target
    }

    /// A name `NAME=value cmd` can assign: letters, digits and underscores, not starting
    /// with a digit.
    static func isShellName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// The lines this script's run starts the host log with (the relay timestamps them).
    var logHeader: [String] {
        (firstInEvent ? ["LifecycleEvent - " + event.rawValue] : []) + ["Script - " + location]
    }

    /// The program that runs the script and reports how it ended: one perl process where the
    /// host has perl (`perlRunner`, from `runnerFile`), else a POSIX sh wrapper
    /// (`shellProgram`). Its own lines go to stderr, each starting with
    /// `HookStatusReader.marker` and a key: the first line gives the key, read from the
    /// kernel's random UUID for this run only, and the others carry it (see
    /// `HookStatusReader`). The key lives in the wrapper's memory, never on a
    /// command line or in an environment, so the script cannot print a line that passes for
    /// the wrapper's; nor can it tell the coordinator what to kill: the kill program reads
    /// the process ids from the scratch `.pid` file, which the script has no handle to.
    public var rendered: String {
        RemoteProgram.wrap(program, sudo: become)
    }

    /// The wrapper for hosts without perl. Why it is shaped this way:
    /// - output passes through two FIFOs read by one relay (`relayFunction`), which writes
    ///   the run's header lines to scripts.log, then passes each line of either stream on
    ///   and appends it, timestamped as the CodeDeploy agent writes it, to scripts.log (no
    ///   shell loop per line);
    /// - the wrapper opens both FIFOs for writing itself, hands them to the script and closes
    ///   its own copies, so the relay's end means nothing holds the script's output any more;
    /// - when the script exits but a background child still holds its output, the relay does
    ///   not end: after a second the wrapper looks for the holder in /proc (only then), hands
    ///   the FIFOs to a drainer that keeps the child's output in the host log, and ends the
    ///   SSH channel instead of hanging until the timeout (after a timeout or a kill too: a
    ///   daemon that left the group may still hold the output);
    /// - the script runs in its own session (`setsid`), so the deadline can stop the whole
    ///   process group, and the descendants `su -c` moves into a session of their own:
    ///   TERM first, KILL after the grace period. The deadline is a plain `sleep` whose end
    ///   interrupts the wrapper's `wait` through a SIGCHLD trap (no watchdog shell). The
    ///   `wait` that collects the script says nothing: dash prints "Terminated" (or
    ///   "Killed") there for a script the deadline or a kill stopped, on the wrapper's stderr,
    ///   which is the hook's; the perl runner prints no such line, and the report says it;
    /// - when the channel goes (the coordinator was killed, its host lost the network, sshd
    ///   died), the script is stopped as at its deadline, as the perl runner does: nobody will
    ///   ever hear how it ended. A shell cannot wait on its stdout, but `tail -f` can: where
    ///   stdout is a pipe (the one sshd reads), GNU tail polls it with the file it follows and
    ///   ends by SIGPIPE (status 141, whatever SIGPIPE was here: `env --default-signal`) once
    ///   nothing reads it. It follows /dev/null and prints nothing; `--pid` ends it with the
    ///   wrapper, looking once a second (no process is started for it). Its end interrupts
    ///   the `wait` like the deadline's. Where tail or env cannot (busybox; coreutils before
    ///   8.31), the watcher ends at once with another status: the run goes on unwatched. A write to the closed channel
    ///   (a report) must not end the wrapper before it cleaned up: SIGPIPE is caught, which
    ///   every program it starts gets back as the default;
    /// - a line longer than 64 KiB reaches the relay in pieces of 64 KiB (`fold`), each a line
    ///   of its own in the log, so neither awk nor anything else holds more of it.
    var shellProgram: String {
        let q = shellQuote
        return """
            log=\(q(logFile)); script=\(q(absolutePath)); d=\(q(scratch))
            late=; timedout=; gone=; wt=
            mkfifo -m 600 "$d.o" "$d.e" || exit 0
            unwatch() { [ -z "$wt" ] || kill "$wt" 2>/dev/null; wt=; }
            trap 'unwatch; rm -f "$d.o" "$d.e" "$d.pid" "$d.killed"' EXIT
            trap : PIPE
            IFS= read -r k </proc/sys/kernel/random/uuid || exit 0
            report() { printf '\\036HOIST-HOOK %s %s\\n' "$k" "$*" >&2; }
            printf '\\036HOIST-HOOK %s\\n' "$k" >&2
            \(Self.relayFunction)
            relay \(logHeader.map(q).joined(separator: " ")) </dev/null & rl=$!
            # Blocks until the relay has opened them (in the same order).
            exec 5>"$d.o" 6>"$d.e"
            if ! test -f "$script"; then report missing; exit 0; fi
            if ! test -x "$script"; then chmod +x "$script" 2>/dev/null || { report notexec; exit 0; }; fi
            cd \(q(revisionRoot)) || { report error cd; exit 0; }
            \(grantPassage)
            \(runner) >&5 2>&6 5>&- 6>&- </dev/null & sp=$!
            exec 5>&- 6>&-
            echo "$$ $sp" >"$d.pid"
            \(Self.processTree)
            ended() { st=Z; read -r _ _ st _ 2>/dev/null <"/proc/$1/stat"; [ "$st" = Z ]; }
            \(channelWatch)
            # The deadline is a sleep whose end (SIGCHLD) interrupts the wait: TERM to the
            # script's group and descendants when the timeout passes, KILL after the grace.
            trap : CHLD
            sleep \(timeoutSeconds) & tm=$!; phase=run
            if [ -p /dev/stdout ]; then env --default-signal=PIPE tail -c0 -f --pid=$$ /dev/null </dev/null 2>/dev/null & wt=$!; fi
            while :; do
              wait "$sp" 2>/dev/null; rc=$?
              if [ ! -e "/proc/$sp" ]; then \(Self.statusAfterWait); break; fi
              if [ -n "$wt" ] && ended "$wt"; then watched; fi
              if ended "$tm"; then
                case $phase in
                  run) timedout=1; stopall TERM; phase=term; sleep \(killGraceSeconds) & tm=$! ;;
                  term) stopall KILL; phase=done ;;
                esac
              fi
            done
            kill "$tm" 2>/dev/null
            # With the channel gone, nothing is reported: whatever the script left is stopped.
            if [ -n "$gone" ]; then stopall KILL; kill "$rl" $(tree "$rl") 2>/dev/null; exit 0; fi
            ending=exited
            if [ -e "$d.killed" ]; then ending=killed; elif [ -n "$timedout" ]; then ending=timedout; fi
            [ "$ending" = exited ] || stopall KILL
            # The relay ends as soon as nothing holds the script's output. Unless it has
            # already ended, a script that exited gets up to its deadline (at most
            # outputHoldSeconds) before the wrapper looks for a holder, one that did not a second.
            if ! ended "$rl"; then
              if [ "$ending" = exited ]; then sleep \(min(Self.outputHoldSeconds, timeoutSeconds)) & else sleep 1 & fi; tm=$!
              until ended "$rl" || ended "$tm"; do wait "$rl"; done
              ended "$rl" || late=1
              kill "$tm" 2>/dev/null
            fi
            holders=""
            if [ -n "$late" ] && ! ended "$rl"; then
              # A process outside the script's group (a daemon that double-forked) may still
              # hold its output, whatever the ending: then the relay must not wait for it.
              set -- "$rl" $(tree "$rl"); relays=$*
              for fd in $(find /proc/[0-9]*/fd -maxdepth 1 \\( -lname "$d.o" -o -lname "$d.e" \\) 2>/dev/null); do
                p=${fd#/proc/}; p=${p%%/*}
                case " $relays $$ $holders " in *" $p "*) ;; *) [ -e "/proc/$p" ] && holders="$holders $p" ;; esac
              done
            fi
            if [ -n "$holders" ]; then
              for p in $holders; do
                printf '%s [stderr]hoist: process %s (%s) still holds the output of %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$p" "$(tr '\\0' ' ' </proc/$p/cmdline 2>/dev/null)" \(q(location)) >>"$log"
              done
              # A drainer keeps the holder's output in the host log, then removes the FIFOs.
              trap - EXIT; unwatch
              # It keeps only so much of it, half from each stream (`drainedOutputBytes`), each
              # saying where it stopped.
              ( HOIST_LOG_KEEP=\(HookInvocation.drainedOutputBytes / 2) HOIST_HOOK_WHAT=\(q(location)); export HOIST_LOG_KEEP HOIST_HOOK_WHAT
                relay >/dev/null 2>&1 & wait; rm -f "$d.o" "$d.e" "$d.pid" "$d.killed" ) </dev/null >/dev/null 2>&1 &
              kill $relays 2>/dev/null
              if [ "$ending" = exited ]; then report leftopen "$rc"$holders; else report "$ending" "$rc"; fi
              exit 0
            fi
            wait "$rl" 2>/dev/null
            \(shellInterpreterCheck)
            \(runAsDiagnosis)report "$ending" "$rc"
            """
    }

    /// `relay [HEADER...]` appends each HEADER line to `$log`, then reads `$d.o` and `$d.e`
    /// (opening them in that order) and copies each line of the one to its stdout and of the
    /// other to its stderr as it comes, and appends each to `$log` as the CodeDeploy agent
    /// writes scripts.log: `YYYY-MM-DD HH:MM:SS [stdout]text`. Two awk processes (mawk needs
    /// `-W interactive` to pass lines on as they come), after `date` for the header: hosts
    /// with perl never get here. In front of each awk, `fold -b` cuts a line longer than
    /// 64 KiB into lines of 64 KiB as it comes, so awk, which holds a line whole (a 1 GB line
    /// took 1 GB), never holds more; `stdbuf -oL` makes fold pass each line on at once. Where
    /// either is missing, `cat` passes the output on as before.
    static let relayFunction = #"""
        relay() {
          HOIST_HOOK_LOG=$log; export HOIST_HOOK_LOG
          for h in "$@"; do printf '%s %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$h" >>"$log"; done
          if command -v mawk >/dev/null 2>&1; then aw='mawk -W interactive'; else aw=awk; fi
          cut=cat; if command -v stdbuf >/dev/null 2>&1 && command -v fold >/dev/null 2>&1; then cut='stdbuf -oL fold -b -w 65536'; fi
          set -- 'BEGIN { f = ENVIRON["HOIST_HOOK_LOG"]; c = ENVIRON["HOIST_LOG_KEEP"] + 0 }
            { print; fflush() }
            !c || n < c { s = $0; if (c && n + 29 + length(s) > c) s = substr(s, 1, c - n - 29)
              printf "%s %s%s\n", strftime("%Y-%m-%d %H:%M:%S"), t, s >>f; fflush(f); n += 29 + length(s) }
            c && n >= c && !said { said = 1; printf "%s [stderr]hoist: the %s of what %s left running is not kept past %d MiB\n", strftime("%Y-%m-%d %H:%M:%S"), substr(t, 2, 6), ENVIRON["HOIST_HOOK_WHAT"], c / 1048576 >>f; fflush(f) }'
          $cut <"$d.o" | $aw -v t='[stdout]' "$1" &
          $cut <"$d.e" | $aw -v t='[stderr]' "$1" >&2 &
          wait
        }
        """#

    /// Run when `wait "$sp"` has returned and the script is gone: dash's `wait` can return
    /// 128+17 (the CHLD trap's signal) for a child it has just reaped, when other children
    /// still run; its status is then still there for a second `wait` (127 when there was
    /// none left to give: the first one was the status). Seen as "exit code 145 (killed by
    /// signal 17)" for a script that succeeded, under load.
    static let statusAfterWait = #"if [ "$rc" -gt 128 ]; then wait "$sp" 2>/dev/null; ws=$?; [ "$ws" -eq 127 ] || rc=$ws; fi"#

    /// `watched`, run when the channel's watcher (`$wt`) has ended: its status (taken as
    /// `statusAfterWait` takes the script's) is 141, SIGPIPE, when nothing reads the channel
    /// any more. Then the script is stopped as at its deadline (TERM now, KILL after the
    /// grace) and the log says why; any other status means the watcher could not watch.
    var channelWatch: String {
        """
        watched() {
          wait "$wt"; ws=$?
          if [ "$ws" -gt 128 ]; then wait "$wt" 2>/dev/null; w=$?; [ "$w" -eq 127 ] || ws=$w; fi
          wt=
          [ "$ws" -eq 141 ] || return 0
          gone=1
          printf '%s [stderr]hoist: the connection to the coordinator closed; stopping %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" \(shellQuote(location)) >>"$log"
          if [ "$phase" = run ]; then stopall TERM; phase=term; kill "$tm" 2>/dev/null; sleep \(killGraceSeconds) & tm=$!; fi
        }
        """
    }

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

    /// `run_owned` says whether a run's script (`$sp`) is still the child of its wrapper (`$wp`),
    /// so that no pid reused since is ever signalled: from /proc/$sp/stat, with the shell's
    /// own read (no program), past the name field, which is in parentheses and may hold
    /// spaces and parentheses itself. The kill program and the lock's sweep of runs left
    /// behind (`GroupLockCommands.take`) both ask it.
    static let ownedByWrapper = #"run_owned() { st=; read -r st 2>/dev/null <"/proc/$sp/stat" || return 1; set -- ${st##*) }; [ "${2:-}" = "$wp" ]; }"#

    /// Lets the `runas` user through the folders Hoist keeps to owner and group.
    var grantPassage: String {
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
        Self.killCommand(scratches: [scratch], graceSeconds: graceSeconds, sudo: become)
    }

    /// The same for the runs whose scratch prefixes are `scratches`, all on one host (runs a
    /// lock program found left by a coordinator that is gone: `GroupLockReply.orphans`):
    /// every run gets its TERM first, and then one grace period passes before the KILLs, so
    /// a host with several runs left costs one grace, not one each.
    public static func killCommand(scratches: [String], graceSeconds: Int, sudo: Bool) -> String {
        let program = """
            # A run is alive while its FIFO (sh wrapper) or its `.pid` (perl runner, which
            # makes it empty at its start) is there.
            alive() { [ -p "$d.o" ] || [ -e "$d.pid" ]; }
            \(ownedByWrapper)
            \(validRun)
            \(processTree)
            stopped=
            for d in \(scratches.map(shellQuote).joined(separator: " ")); do
              alive || continue
              : >"$d.killed" 2>/dev/null || continue
              i=0; wp=; sp=
              until read -r wp sp 2>/dev/null <"$d.pid"; do
                alive && [ $i -lt 300 ] || { wp=; break; }
                i=$((i + 1)); sleep 0.1
              done
              valid_run && run_owned || continue
              stopall TERM
              stopped="$stopped $wp:$sp"
            done
            [ -n "$stopped" ] || exit 0
            sleep \(graceSeconds)
            for r in $stopped; do
              wp=${r%:*}; sp=${r#*:}
              run_owned && stopall KILL
            done
            exit 0
            """
        return RemoteProgram.wrap(program, sudo: sudo)
    }

    /// `valid_run` says whether `$wp` and `$sp`, as read from a run's `.pid`, are two pids,
    /// the script's not init's: anything else (a half-written file) names no run to signal.
    static let validRun = #"valid_run() { case "$wp:$sp" in *[!0-9:]*|:*|*:) return 1 ;; esac; [ "$sp" -gt 1 ]; }"#
}
