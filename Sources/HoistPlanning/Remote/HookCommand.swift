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

    public init(
        event: LifecycleEvent, location: String, revisionRoot: String, timeoutSeconds: Int,
        runAs: String? = nil, sudo: Bool = false, become: Bool = false,
        environment: [(String, String)] = [], logFile: String, killGraceSeconds: Int = 5
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
    }

    public static func == (a: HookInvocation, b: HookInvocation) -> Bool {
        a.rendered == b.rendered
    }
    public func hash(into h: inout Hasher) { h.combine(rendered) }

    public var absolutePath: String {
        var loc = location
        while loc.hasPrefix("./") { loc.removeFirst(2) }
        return revisionRoot + "/" + loc
    }

    /// The command that starts the script, as CodeDeploy builds it: the path, `su <user> -c
    /// <path>` for `runas`, `sudo` in front when asked; environment travels through `env`.
    var runner: String {
        var words: [String] = []
        if sudo { words.append("sudo -n") }
        let env = environment.map { "\($0.0)=\(shellQuote($0.1))" }.joined(separator: " ")
        words.append("env " + env)
        if let runAs {
            words.append("su \(shellQuote(runAs)) -s /bin/sh -c \(shellQuote(shellQuote(absolutePath)))")
        } else {
            words.append(shellQuote(absolutePath))
        }
        return words.joined(separator: " ")
    }

    /// A POSIX sh program that runs the script and reports how it ended in one final stderr
    /// line, `HookResultLine.marker` followed by `exited RC`, `missing`, `notexec`,
    /// `timedout RC` or `leftopen RC PID…`.
    ///
    /// Why it is shaped this way:
    /// - output passes through FIFOs read by relays, so that when the script exits but a
    ///   background child still holds its stdout, the wrapper notices at once (it finds the
    ///   holder in /proc), hands the FIFOs to a drainer that keeps the child's output in the
    ///   host log, and ends the SSH channel instead of hanging until the timeout (after a
    ///   timeout or a kill too: a daemon that left the group may still hold the output);
    /// - the script runs in its own session (`setsid`), so the deadline can stop the whole
    ///   process group, and the descendants `su -c` moves into a session of their own:
    ///   TERM first, KILL after the grace period;
    /// - every line also goes to the host's scripts.log.
    public var rendered: String {
        become ? "sudo -n sh -c " + shellQuote(program) : program
    }

    private var program: String {
        let q = shellQuote
        let m = HookResultLine.marker
        let scriptWord = q(absolutePath)
        return """
            set -u
            log=\(q(logFile)); script=\(scriptWord)
            report() { printf '\(m)%s\\n' "$*" >&2; }
            d=$(mktemp -d "${TMPDIR:-/tmp}/hoist-hook.XXXXXX") || { report error mktemp; exit 0; }
            trap 'rm -rf "$d"' EXIT
            printf '%s LifecycleEvent - %s\\n%s Script - %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" \(q(event.rawValue)) "$(date '+%Y-%m-%d %H:%M:%S')" \(q(location)) >>"$log" 2>/dev/null
            if ! test -f "$script"; then report missing; exit 0; fi
            if ! test -x "$script"; then chmod +x "$script" 2>/dev/null || { report notexec; exit 0; }; fi
            cd \(q(revisionRoot)) || { report error cd; exit 0; }
            mkfifo "$d/o" "$d/e" || { report error mkfifo; exit 0; }
            relay() { exec 4>>"$log"; while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; printf '[%s]%s\n' "$1" "$l" >&4; done; }
            relay stdout <"$d/o" & ro=$!
            relay stderr <"$d/e" >&2 & re=$!
            setsid \(runner) >"$d/o" 2>"$d/e" </dev/null & sp=$!
            report pid "$sp" "$d"
            tree() { for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$c"; echo "$c"; done; }
            stopall() { kill -"$1" -"$sp" $(tree "$sp") 2>/dev/null; }
            nap() { sleep "$1" & s=$!; wait "$s"; }
            ( trap - EXIT; trap 'kill "$s" 2>/dev/null; exit 0' TERM
              nap \(timeoutSeconds); : >"$d/timedout"; stopall TERM; nap \(killGraceSeconds); stopall KILL ) </dev/null >/dev/null 2>&1 & wd=$!
            wait "$sp"; rc=$?
            kill "$wd" 2>/dev/null
            ending=exited
            if [ -e "$d/killed" ]; then ending=killed; elif [ -e "$d/timedout" ]; then ending=timedout; fi
            [ "$ending" = exited ] || stopall KILL
            # A process outside the script's group (a daemon that double-forked) may still hold
            # its output, whatever the ending: then the relays must not wait for the end of it.
            holders=""
            for fd in $(find /proc/[0-9]*/fd -maxdepth 1 \\( -lname "$d/o" -o -lname "$d/e" \\) 2>/dev/null); do
              p=${fd#/proc/}; p=${p%%/*}
              case " $ro $re $$ $holders " in *" $p "*) ;; *) [ -e "/proc/$p" ] && holders="$holders $p" ;; esac
            done
            if [ -n "$holders" ]; then
              for p in $holders; do
                printf '%s [stderr]hoist: process %s (%s) still holds the output of %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$p" "$(tr '\\0' ' ' </proc/$p/cmdline 2>/dev/null)" \(q(location)) >>"$log"
              done
              sleep 0.2  # let the relays pass on what the script wrote before it exited
              (trap - EXIT; exec cat <"$d/o" >>"$log" 2>/dev/null) & (trap - EXIT; exec cat <"$d/e" >>"$log" 2>/dev/null) &
              kill "$ro" "$re" 2>/dev/null
              if [ "$ending" = exited ]; then report leftopen "$rc"$holders; else report "$ending" "$rc"; fi
              exit 0
            fi
            wait "$ro" "$re" 2>/dev/null
            report "$ending" "$rc"
            """
    }
}

extension HookInvocation {
    /// Stops a running hook from another channel: marks it killed, then TERM and, after the
    /// grace period, KILL to its process group and descendants.
    public static func killCommand(pid: Int, dir: String, graceSeconds: Int, become: Bool) -> String {
        let program = """
            tree() { for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$c"; echo "$c"; done; }
            : >\(shellQuote(dir + "/killed")) 2>/dev/null
            kill -TERM -\(pid) $(tree \(pid)) 2>/dev/null
            sleep \(graceSeconds)
            kill -KILL -\(pid) $(tree \(pid)) 2>/dev/null
            exit 0
            """
        return become ? "sudo -n sh -c " + shellQuote(program) : program
    }
}

/// The wrapper's stderr lines of its own, parsed: the first says where the script runs, the
/// last how it ended.
public enum HookResultLine: Sendable, Hashable {
    case exited(Int32)
    case missing
    case notExecutable
    case timedOut(Int32)
    case outputsLeftOpen(Int32, pids: [Int])
    case wrapperError(String)
    /// Sent first: the script's process group and the wrapper's folder, so a second Ctrl-C
    /// can stop it from another channel.
    case started(pid: Int, dir: String)
    /// Stopped by `killCommand` (a second Ctrl-C or an immediate `hoist stop`).
    case killed(Int32)

    /// Starts with an ASCII record separator so that no ordinary output line looks like it.
    public static let marker = "\u{1e}HOIST-RESULT "

    public static func parse(_ line: String) -> HookResultLine? {
        guard line.hasPrefix(marker) else { return nil }
        let words = line.dropFirst(marker.count).split(separator: " ").map(String.init)
        guard let kind = words.first else { return nil }
        let rc = words.count > 1 ? Int32(words[1]) ?? -1 : -1
        switch kind {
        case "exited": return .exited(rc)
        case "missing": return .missing
        case "notexec": return .notExecutable
        case "timedout": return .timedOut(rc)
        case "leftopen": return .outputsLeftOpen(rc, pids: words.dropFirst(2).compactMap { Int($0) })
        case "pid": return words.count > 2 ? .started(pid: Int(words[1]) ?? -1, dir: words[2]) : nil
        case "killed": return .killed(rc)
        default: return .wrapperError(words.dropFirst().joined(separator: " "))
        }
    }
}
