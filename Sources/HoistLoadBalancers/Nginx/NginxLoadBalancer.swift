import HoistCore

/// nginx through an upstream include file: each change reads the file, flips the host's
/// `server` line (`down` or not), writes it atomically, runs `nginx -t`, and reloads. A failed
/// test puts the previous file back and reports nginx's words. A reload lets old workers
/// finish their requests while new workers stop sending to `down` servers, so no request is
/// dropped, provided the host is not stopped before the old workers are done: deregistering
/// waits for them (`NginxWorkers`). Open-source nginx has no active health checks: health is
/// an HTTP GET of `healthPath` on the server address, made from this machine.
public struct NginxLoadBalancer: LoadBalancer {
    public let name: String
    public let settings: LoadBalancerSpec.Nginx
    public let polling: LoadBalancerPolling
    private let access: any NginxHostAccess
    /// Registrations of several hosts of a batch arrive together; each is a read-modify-write
    /// of one file, so they take turns.
    private let queue = SerialQueue()

    public init(name: String, settings: LoadBalancerSpec.Nginx, polling: LoadBalancerPolling = LoadBalancerPolling(),
                sessionFor: @escaping @Sendable (String) async throws -> any HostSession) {
        self.name = name
        self.settings = settings
        self.polling = polling
        if let host = settings.host {
            access = RemoteNginxHost(hostName: host, sessionFor: sessionFor)
        } else {
            access = LocalNginxHost()
        }
    }

    /// `web (nginx upstream app in /etc/nginx/hoist-upstream.conf on this machine)`.
    public var balancerDescription: String {
        "\(name) (nginx upstream \(settings.upstream) in \(settings.upstreamFile) on \(access.location))"
    }

    public func register(_ host: HostSpec) async throws {
        let address = try serverAddress(for: host)
        _ = try await queue.run { try await change(address, down: false) }
    }

    /// nginx sends a server in its upstream requests whatever its app answers: a new
    /// revision whose app is broken took requests until the health wait gave up. Its health
    /// is asked first, from this machine, as `waitUntilHealthy` asks it.
    public func register(_ host: HostSpec, healthTimeoutSeconds: Double) async throws {
        try await waitUntilHealthy(host, timeoutSeconds: healthTimeoutSeconds)
        try await register(host)
    }

    /// nginx cannot report open connections per server; the reload drains instead: the
    /// workers from before it finish what they hold (nginx's `worker_shutdown_timeout` bounds
    /// that) while the new ones send nothing to the host. This waits until those old workers
    /// are gone, at most `drainTimeoutSeconds` (running out is not an error, as with HAProxy's
    /// drain). Without a readable pid file there is nothing to wait on.
    public func deregister(_ host: HostSpec, drainTimeoutSeconds: Double) async throws -> DrainCutShort? {
        let address = try serverAddress(for: host)
        let replaced = try await queue.run { try await change(address, down: true) }
        // Outside the queue: the other hosts' changes need not wait for this drain.
        if let (master, workers) = replaced, !workers.isEmpty {
            _ = try await polling.until(timeoutSeconds: drainTimeoutSeconds) { () async throws -> Bool? in
                let (result, still, _) = try await hostStep("watch the old workers of") {
                    try await access.run(NginxWorkers.stillServing(master: master, pids: workers))
                }
                return result.succeeded && still.allSatisfy(\.isWhitespace) ? true : nil
            }
        }
        // nginx counts no sessions per server: the old workers outliving the drain say only
        // that some connection was still open somewhere.
        return nil
    }

    public func waitUntilHealthy(_ host: HostSpec, timeoutSeconds: Double) async throws {
        let address = try serverAddress(for: host)
        let lastFailure = Locked<String>("no answer yet")
        let healthy = try await polling.until(timeoutSeconds: timeoutSeconds) { () async -> Bool? in
            guard let failure = await probe(address) else { return true }
            lastFailure.withLock { $0 = failure }
            return nil
        }
        if healthy == nil {
            throw error(.timeout, "server \(address) is not healthy after \(formatSeconds(timeoutSeconds)) (\(lastFailure.current))")
        }
    }

    /// Admin state from the file (`ready`, or `maint` when marked down or not listed);
    /// operational state from one health GET.
    public func state(of host: HostSpec) async throws -> LoadBalancerServerState {
        let address = try serverAddress(for: host)
        let (file, _) = try await readFile()
        let admin: LoadBalancerServerState.Admin = file.server(address).map { $0.down ? .maint : .ready } ?? .maint
        let failure = await probe(address)
        return LoadBalancerServerState(
            server: address, admin: admin, operational: failure == nil ? .up : .down,
            detail: failure ?? "GET \(settings.healthPathInUse) answered 2xx")
    }

    // MARK: - The file

    /// Rewrites the file and reloads; returns nginx's master and the workers the reload
    /// replaces, when nginx's pid file can be read.
    @discardableResult
    private func change(_ address: String, down: Bool) async throws -> (master: Int, workers: [Int])? {
        let (file, previous) = try await readFile()
        var updated = file
        updated.set(address, down: down)
        try await hostStep("write") { try await access.replace(settings.upstreamFile, with: updated.render(balancer: name)) }
        let (test, testOut, testErr) = try await hostStep("run the test command") { try await access.run(settings.testCommand) }
        guard test.succeeded else {
            try await restore(previous)
            let words = [testErr, testOut].filter { !$0.isEmpty }.joined(separator: "\n")
            throw error(.command, "`\(settings.testCommand)` rejected the new \(settings.upstreamFile), so the previous file was put back: \(words.isEmpty ? Self.describe(test) : words)")
        }
        // Only a deregistration waits for the old workers (they never send to a server they
        // had as down), so only it looks for them.
        let before = down ? try? await access.run(NginxWorkers.list(pidFile: settings.pidFileInUse)) : nil
        let (reload, reloadOut, reloadErr) = try await hostStep("run the reload command") { try await access.run(settings.reloadCommand) }
        guard reload.succeeded else {
            let words = [reloadErr, reloadOut].filter { !$0.isEmpty }.joined(separator: "\n")
            throw error(.command, "`\(settings.reloadCommand)` failed after \(settings.upstreamFile) was rewritten: \(words.isEmpty ? Self.describe(reload) : words)")
        }
        guard let before, before.0.succeeded else { return nil }
        return NginxWorkers.parse(before.stdout).map { ($0.master, $0.children) }
    }

    private func readFile() async throws -> (NginxUpstreamFile, previousText: String?) {
        let text = try await hostStep("read") { try await access.read(settings.upstreamFile) }
        do {
            return (try NginxUpstreamFile.parse(text ?? "", upstream: settings.upstream), text)
        } catch {
            throw self.error(.configuration, "\(settings.upstreamFile): \(error)")
        }
    }

    private func restore(_ previous: String?) async throws {
        try await hostStep("restore") {
            if let previous {
                try await access.replace(settings.upstreamFile, with: previous)
            } else {
                try await access.remove(settings.upstreamFile)
            }
        }
    }

    /// Runs one step on the nginx host, naming the step when it cannot be done.
    private func hostStep<T: Sendable>(_ step: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as LoadBalancerError {
            throw failure
        } catch let failure as TransportError {
            throw error(failure.isUnreachable ? .connect : .command, "cannot \(step) \(settings.upstreamFile): \(failure)")
        } catch {
            throw self.error(.command, "cannot \(step) \(settings.upstreamFile): \(error)")
        }
    }

    public func check(_ host: HostSpec) throws {
        _ = try serverAddress(for: host)
    }

    // MARK: - Helpers

    private func probe(_ address: String) async -> String? {
        await HTTPHealthProbe.failure(address: address, path: settings.healthPathInUse, timeoutSeconds: max(1, polling.intervalSeconds * 4))
    }

    private func serverAddress(for host: HostSpec) throws -> String {
        let address = ServerTemplate.render(settings.serverTemplate, for: host)
        guard ServerTemplate.isSafe(address, extra: ".:-_[]") else {
            throw error(.configuration, "server address \(address.debugDescription) for host \(host.name) may contain only letters, digits, '.', ':', '-', '_', '[' and ']'")
        }
        return address
    }

    private func error(_ kind: LoadBalancerError.Kind, _ message: String) -> LoadBalancerError {
        LoadBalancerError(balancer: balancerDescription, kind: kind, message: message)
    }

    static func describe(_ result: CommandResult) -> String {
        if result.timedOut { return "timed out" }
        if let signal = result.signal { return "killed by SIG\(signal)" }
        return "exit status \(result.exitStatus.map(String.init) ?? "unknown")"
    }
}
