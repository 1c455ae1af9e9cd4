import Foundation
import HoistCore
import HoistPlanning

/// How one hook script ended, in CodeDeploy's terms.
public struct HookOutcome: Sendable, Hashable {
    public var errorCode: LifecycleErrorCode
    public var message: String?
    public var succeeded: Bool { errorCode == .success }
}

/// Runs hook scripts through a host session: streams every output line to the observer as it
/// comes, reads the wrapper's result line, and turns it into CodeDeploy's error codes and
/// messages (plus Hoist's: a connection lost mid-script is "host unreachable").
public struct HookRunner: Sendable {
    public var session: any HostSession
    public var observer: any DeploymentObserver
    public var stop: StopController?
    /// Opens a second session to the host for killing a running script. An SSH session runs
    /// one command at a time, so the kill cannot go through `session` while the script runs;
    /// without a connector the kill is sent on `session` (fine for local sessions).
    public var connector: (any HostConnector)?
    /// How long past the hook's kill grace an immediate stop waits for a host that has not
    /// answered the kill (its sshd frozen) before it gives the host up; tests make it small.
    public var unansweredKillSeconds: Double = 5

    public init(session: any HostSession, observer: any DeploymentObserver, stop: StopController? = nil,
                connector: (any HostConnector)? = nil) {
        self.session = session
        self.observer = observer
        self.stop = stop
        self.connector = connector
    }

    /// How the wait for a hook's run ended.
    private enum Ending: Sendable {
        case ran(Result<CommandResult, any Error>)
        /// An immediate stop's kill went unanswered: the host was given up.
        case unanswered
    }

    public func run(_ hook: HookInvocation) async -> HookOutcome {
        let reader = Locked(HookStatusReader())
        let host = session.host.name
        let session = self.session
        let connector = self.connector
        // Ends once the wrapper's key line has been read (then the script can be killed). A
        // stop that comes before it waits for it: checking once would leave a script whose
        // first line was still on its way running to its end. The run's end cancels the wait.
        let (keyRead, announceKey) = AsyncStream.makeStream(of: Void.self)
        // A second Ctrl-C stops the running script, through a session of its own. What to
        // kill comes from the run's scratch files on the host, never from its output. With a
        // connector the host is asked at once, its script's first line read or not: opening
        // the kill's connection is the question, and it opens before the line comes (a host
        // whose sshd froze before the line left gave no line to wait for, and the stop waited
        // for its connection to be declared dead). Without one (a local session, which cannot
        // freeze) the kill is sent once the line is read. The host answered once that session
        // is open (a kill program may take the grace to end), the kill ran, a line came, or
        // (`killUnanswered`) anything came on the hook's connection.
        // `killTried` ends when the host is first asked: the wait for an answer counts from
        // then, not from the stop (a stop before the script's first line, on a busy host,
        // gave a healthy host up before it was asked anything).
        let answer = Locked(KillAnswer())
        let (killTried, announceKillTried) = AsyncStream.makeStream(of: Void.self)
        let killer: Task<Void, Never>? = stop.map { stop in
            Task {
                _ = await stop.wait(above: .graceful)
                let askFirst = connector != nil
                if !askFirst { for await _ in keyRead { break } }
                guard !Task.isCancelled else { return }
                answer.withLock { $0.asked = true }
                announceKillTried.finish()
                let killSession = try? await connector?.connect(session.host)
                if killSession != nil { answer.withLock { $0.answered = true } }
                if askFirst { for await _ in keyRead { break } }
                if !Task.isCancelled, reader.current.started, (try? await (killSession ?? session).capture(
                    hook.killCommand(graceSeconds: hook.killGraceSeconds),
                    timeoutSeconds: Double(hook.killGraceSeconds + 60))) != nil {
                    answer.withLock { $0.answered = true }
                }
                await killSession?.close()
            }
        }
        defer { killer?.cancel() }
        let observer = self.observer
        let event = hook.event
        let stop = self.stop
        let giveUpAfter = Duration.milliseconds(Int64((Double(hook.killGraceSeconds) + unansweredKillSeconds) * 1000))
        // The run is not waited for once the host is given up: on a frozen host it ends only
        // when the connection is declared dead (a keepalive's 10 s and 25 s unanswered).
        let ending = await firstToEnd({
            do {
                return Ending.ran(.success(try await session.run(
                    hook.rendered,
                    // The wrapper enforces the hook's own timeout; this is a backstop for a
                    // wedged connection.
                    timeoutSeconds: Double(hook.timeoutSeconds + hook.killGraceSeconds + 60),
                    killGraceSeconds: 5
                ) { line in
                    // A host given up that wakes again says nothing more of a finished event.
                    guard answer.withLock({ $0.heard() }) else { return }
                    var output: OutputLine? = line
                    if line.stream == .stderr {
                        let (text, started) = reader.withLock { ($0.read(line.text), $0.started) }
                        output = text.map { OutputLine(.stderr, $0) }
                        if started { announceKey.finish() }
                    }
                    if let output {
                        observer.handle(.output(host: host, event: event, line: output, time: Date()))
                    }
                }))
            } catch {
                return Ending.ran(.failure(error))
            }
        }, {
            await Self.killUnanswered(tried: killTried, after: giveUpAfter, answer: answer, session: session)
                ? Ending.unanswered : Ending.ran(.failure(CancellationError()))
        })
        do {
            guard case .ran(let ran) = ending else {
                answer.withLock { $0.givenUp = true }
                let seconds = Int(giveUpAfter.components.seconds)
                session.abandon("\(host) did not answer the kill of \(hook.location) when the deployment was stopped immediately; its connection was given up")
                return HookOutcome(
                    errorCode: .unknownError,
                    message: "Script at specified location: \(hook.location) was stopped: the deployment was stopped immediately, but \(host) did not answer "
                        + "the kill within \(seconds) s; the script may still be running there: check the host")
            }
            let commandResult = try ran.get()
            let final = reader.current
            guard let parsed = final.result else {
                return HookOutcome(
                    errorCode: .unknownError,
                    message: "Script at specified location: \(hook.location) ended without reporting a result"
                        + (commandResult.timedOut ? " (the connection stopped answering)" : "")
                        + "; exit status \(commandResult.exitStatus.map(String.init) ?? "none")")
            }
            // Only an immediate stop of ours kills a script; any other kill came from a
            // deployment that took the group's lock over and stopped the runs it found. A
            // stop for a lost lock comes after that takeover, which is what killed it.
            var ours = (stop?.level ?? .none) >= .immediate
            if case .lockLost? = stop?.cause { ours = false }
            if case .killed = parsed, !ours, let stop {
                // The lock is another deployment's now, whether or not a heartbeat has seen it
                // yet: this one stops at once and touches the hosts no more. It ended Failed
                // and rolled back under the other's lock, its heartbeat a beat too late.
                let why = "a hook on \(host) was killed by another deployment, which took the deployment group lock over"
                stop.request(.immediate, reason: why, cause: .lockLost(why))
            }
            return Self.outcome(parsed, hook: hook, runAsUser: final.runAsUser, killedByThisDeployment: ours)
        } catch let error as TransportError {
            return HookOutcome(errorCode: error.isUnreachable ? .hostUnreachable : .unknownError, message: error.message)
        } catch {
            return HookOutcome(errorCode: .unknownError, message: "\(error)")
        }
    }

    /// True once the host was first asked (`tried` ended) `bound` ago and has not answered,
    /// nor sent anything on the hook's connection since (a keepalive's reply: the session
    /// sends one after 10 s of quiet, so a live host is heard within the 10 s of a default
    /// kill grace and `unansweredKillSeconds`, whatever its kill's handshake takes);
    /// otherwise false, when cancelled (the run ended). No kill tried (no stop, or a local
    /// session's script whose first line was never read), no giving up.
    private static func killUnanswered(tried: AsyncStream<Void>, after bound: Duration, answer: Locked<KillAnswer>,
                                       session: any HostSession) async -> Bool {
        for await _ in tried { break }
        if !Task.isCancelled, (try? await Task.sleep(for: bound)) != nil, !answer.current.answered,
           !(session.secondsSinceHeard.map { Duration.milliseconds(Int64($0 * 1000)) < bound } ?? false) { return true }
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        return false
    }

    static func outcome(_ line: HookResultLine, hook: HookInvocation, runAsUser: RunAsUserState? = nil,
                        killedByThisDeployment: Bool = true) -> HookOutcome {
        let loc = hook.location
        switch line {
        case .exited(0):
            return HookOutcome(errorCode: .success, message: nil)
        case .exited(let rc):
            let who = hook.runAs.map { " run as user \($0)" } ?? ""
            let code = rc > 128 ? "\(rc) (killed by signal \(rc - 128))" : "\(rc)"
            return HookOutcome(errorCode: .scriptFailed, message: "Script at specified location: \(loc)\(who) failed with exit code \(code)"
                + (hook.runAs.map { Self.runAsHint(user: $0, state: runAsUser) } ?? ""))
        case .missing:
            return HookOutcome(errorCode: .scriptMissing, message: "Script does not exist at specified location: \(hook.absolutePath)")
        case .notExecutable:
            return HookOutcome(errorCode: .scriptNotExecutable, message: "Unable to set script at specified location: \(loc) as executable")
        case .timedOut:
            return HookOutcome(errorCode: .scriptTimedOut, message: "Script at specified location: \(loc) failed to complete in \(hook.timeoutSeconds) seconds")
        case .outputsLeftOpen(_, let pids):
            let list = pids.map(String.init).joined(separator: ", ")
            return HookOutcome(
                errorCode: .outputsLeftOpen,
                // How long after the exit is not known here: the wait ends at the timeout too.
                message: "Script at specified location: \(loc) failed to close STDOUT: it exited, but background process \(list) still held its output "
                    + "when the wait for it ended (up to \(HookInvocation.outputHoldSeconds) s after the exit, within the script's timeout of \(hook.timeoutSeconds) s). "
                    + "Start background processes with their output redirected, e.g. `command > /dev/null 2>&1 < /dev/null &`; "
                    + "their output now goes to the host's scripts.log.")
        case .killed where killedByThisDeployment:
            return HookOutcome(errorCode: .scriptFailed, message: "Script at specified location: \(loc) was killed: the deployment was stopped immediately")
        case .killed:
            return HookOutcome(errorCode: .scriptFailed, message: "Script at specified location: \(loc) was killed by another deployment, "
                + "which took the deployment group lock over (it had gone stale, or was released with --force) and stopped the hooks it found running")
        case .wrapperError(let what):
            return HookOutcome(errorCode: .unknownError, message: "could not run the script at \(loc): \(what) failed on the host")
        }
    }

    /// Why a `runas` user may be unable to run the script at all: `su USER -c` runs it with
    /// the user's login shell, as the CodeDeploy agent does.
    static func runAsHint(user: String, state: RunAsUserState?) -> String {
        switch state {
        case .noSuchUser:
            return ". User \(user) does not exist on the host"
        case .loginShell(let shell) where shell.hasSuffix("/nologin") || shell.hasSuffix("/false"):
            return ". User \(user) cannot run it: runas starts the script with `su \(user) -c`, as the CodeDeploy agent does, "
                + "which uses the user's login shell, and \(user)'s is \(shell). "
                + "Give \(user) a shell (e.g. `usermod -s /bin/sh \(user)`) or run the hook as another user"
        default:
            return ""
        }
    }
}
