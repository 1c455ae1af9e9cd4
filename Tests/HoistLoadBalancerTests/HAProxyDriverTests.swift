import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistLoadBalancers

/// The HAProxy driver against a real HAProxy and real HTTP backends on loopback.
@Suite(.serialized)
struct HAProxyDriverTests {
    enum Transport: String, CaseIterable, CustomTestStringConvertible {
        case unixSocket, tcp, remoteSession
        var testDescription: String { rawValue }
    }

    static let fast = LoadBalancerPolling(intervalSeconds: 0.05)

    func driver(_ transport: Transport, _ haproxy: HAProxyFixture) throws -> any LoadBalancer {
        let settings: LoadBalancerSpec.HAProxy
        switch transport {
        case .unixSocket: settings = .init(socketPath: haproxy.socketPath, backend: "app")
        case .tcp: settings = .init(tcpAddress: haproxy.tcpAddress, backend: "app")
        case .remoteSession: settings = .init(socketPath: haproxy.socketPath, viaHost: "lb1", backend: "app")
        }
        let session = LocalShellSession(host: HostSpec(name: "lb1", address: "127.0.0.1"))
        return try LoadBalancerFactory.make(
            spec: LoadBalancerSpec(name: "main", driver: .haproxy(settings)), polling: Self.fast,
            sessionFor: { name in
                guard name == "lb1" else { throw FixtureError("unexpected session for \(name)") }
                return session
            })
    }

    /// Runs `body` with HAProxy whose backend `app` has server h001 (in maintenance) in front
    /// of a live HTTP server.
    func withOneServer(
        _ transport: Transport, _ body: (any LoadBalancer, HostSpec, HAProxyFixture) async throws -> Void
    ) async throws {
        let backend = try await HTTPBackend(name: "h001")
        defer { backend.stop() }
        let haproxy = try await HAProxyFixture(servers: [.init(name: "h001", port: backend.port)])
        defer { haproxy.stop() }
        try await body(try driver(transport, haproxy), HostSpec(name: "h001", address: "127.0.0.1"), haproxy)
    }

    @Test(arguments: Transport.allCases)
    func registerPutsTheServerUpAndDeregisterPutsItInMaintenance(_ transport: Transport) async throws {
        try await withOneServer(transport) { lb, host, haproxy in
            #expect(try await lb.state(of: host).admin == .maint)
            try await lb.register(host)
            try await lb.waitUntilHealthy(host, timeoutSeconds: 300)
            let up = try await lb.state(of: host)
            #expect(up.admin == .ready)
            #expect(up.operational == .up)
            #expect(up.detail.hasPrefix("UP"))
            #expect(await httpGet(port: haproxy.frontendPort, path: "/whoami") == "h001")

            try await lb.deregister(host, drainTimeoutSeconds: 10)
            let down = try await lb.state(of: host)
            #expect(down.admin == .maint)
            #expect(down.operational == .maint)
        }
    }

    /// Runs `body` with server h001 registered, healthy and holding one session opened
    /// through HAProxy's frontend.
    func withOneOpenSession(
        _ transport: Transport, _ body: (any LoadBalancer, HostSpec, HeldConnection) async throws -> Void
    ) async throws {
        try await withOneServer(transport) { lb, host, haproxy in
            try await lb.register(host)
            try await lb.waitUntilHealthy(host, timeoutSeconds: 300)
            let connection = try HeldConnection(port: haproxy.frontendPort)
            defer { connection.close() }
            #expect(try await eventually { try await lb.state(of: host).currentSessions == 1 })
            try await body(lb, host, connection)
        }
    }

    @Test func deregisterWaitsForOpenSessionsThenGoesToMaintenance() async throws {
        try await withOneOpenSession(.unixSocket) { lb, host, connection in
            let deregistering = Task { try await lb.deregister(host, drainTimeoutSeconds: 120) }
            #expect(try await eventually { try await lb.state(of: host).admin == .drain })
            // The session is still open, so the driver is still draining rather than in maint.
            let draining = try await lb.state(of: host)
            #expect(draining.admin == .drain)
            #expect(draining.currentSessions == 1)

            connection.close()
            try await deregistering.value
            let after = try await lb.state(of: host)
            #expect(after.admin == .maint)
            #expect(after.currentSessions == 0)
        }
    }

    @Test func deregisterStopsWaitingWhenTheDrainTimeoutRunsOut() async throws {
        try await withOneOpenSession(.tcp) { lb, host, _ in
            let cutShort = try await lb.deregister(host, drainTimeoutSeconds: 0.3)
            // Said: a drain that ran out looked like one that finished.
            #expect(cutShort?.description == "drain_timeout (0.3s) ran out with 1 session still open on app/h001; they end when its app stops")
            let after = try await lb.state(of: host)
            #expect(after.admin == .maint)
            // maint does not cut the session that outlived the drain.
            #expect(after.currentSessions == 1)
        }
    }

    @Test func waitUntilHealthyTimesOutWhenTheServerIsNotListening() async throws {
        let haproxy = try await HAProxyFixture(servers: [.init(name: "h003", port: try LoopbackPorts.closed())])
        defer { haproxy.stop() }
        let lb = try driver(.unixSocket, haproxy)
        let host = HostSpec(name: "h003", address: "127.0.0.1")
        try await lb.register(host)
        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.waitUntilHealthy(host, timeoutSeconds: 1)
        }
        #expect(error?.kind == .timeout)
        #expect(error?.description.hasPrefix(
            "load balancer main (HAProxy at \(haproxy.socketPath)): server app/h003 is not healthy after 1s (HAProxy says DOWN") == true)
    }

    @Test(arguments: [Transport.unixSocket, .remoteSession])
    func anUnknownServerIsNamedInTheError(_ transport: Transport) async throws {
        let haproxy = try await HAProxyFixture(servers: [.init(name: "h001", port: try LoopbackPorts.closed())])
        defer { haproxy.stop() }
        let lb = try driver(transport, haproxy)
        let stranger = HostSpec(name: "h007", address: "127.0.0.1")
        let location = transport == .unixSocket ? haproxy.socketPath : "\(haproxy.socketPath) on lb1"
        let expected = "load balancer main (HAProxy at \(location)): backend app has no server h007"
        let registerError = await #expect(throws: LoadBalancerError.self) { try await lb.register(stranger) }
        #expect(registerError?.kind == .unknownServer)
        #expect(registerError?.description == expected)
        let stateError = await #expect(throws: LoadBalancerError.self) { _ = try await lb.state(of: stranger) }
        #expect(stateError?.kind == .unknownServer)
        #expect(stateError?.description == expected)
    }

    @Test(arguments: [Transport.unixSocket, .tcp, .remoteSession])
    func anUnreachableRuntimeAPIIsAConnectError(_ transport: Transport) async throws {
        let directory = try TemporaryDirectory("nohaproxy")
        defer { directory.remove() }
        let settings: LoadBalancerSpec.HAProxy
        switch transport {
        case .unixSocket: settings = .init(socketPath: directory.file("admin.sock"), backend: "app")
        case .tcp: settings = .init(tcpAddress: "127.0.0.1:\(try LoopbackPorts.closed())", backend: "app")
        case .remoteSession: settings = .init(socketPath: directory.file("admin.sock"), viaHost: "lb1", backend: "app")
        }
        let lb = try LoadBalancerFactory.make(
            spec: LoadBalancerSpec(name: "main", driver: .haproxy(settings)), polling: Self.fast,
            sessionFor: { _ in LocalShellSession() })
        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.register(HostSpec(name: "h001", address: "127.0.0.1"))
        }
        #expect(error?.kind == .connect)
        let expected: String
        switch transport {
        case .unixSocket:
            expected = "load balancer main (HAProxy at \(settings.socketPath!)): connect to \(settings.socketPath!) failed: No such file or directory"
        case .tcp:
            expected = "load balancer main (HAProxy at \(settings.tcpAddress!)): connect to \(settings.tcpAddress!) failed: Connection refused"
        case .remoteSession:
            expected = "load balancer main (HAProxy at \(settings.socketPath!) on lb1): connect to \(settings.socketPath!) on lb1 failed: FileNotFoundError: [Errno 2] No such file or directory"
        }
        #expect(error?.description == expected + " (tried 4 times)")
    }

    /// Runs `body` once h001 has been in rotation (checks 3 s apart, `rise 1`), was taken out
    /// to maint, and its app then broke (its health check fails).
    func withAppBrokenWhileOut(
        _ body: (any LoadBalancer, HostSpec, HAProxyFixture, HTTPBackend) async throws -> Void
    ) async throws {
        let backend = try await HTTPBackend(name: "h001")
        defer { backend.stop() }
        let haproxy = try await HAProxyFixture(servers: [.init(name: "h001", port: backend.port)], checkInterval: "3s")
        defer { haproxy.stop() }
        let lb = try driver(.unixSocket, haproxy)
        let host = HostSpec(name: "h001", address: "127.0.0.1")
        try await lb.register(host)
        try await lb.waitUntilHealthy(host, timeoutSeconds: 300)
        #expect(await httpGet(port: haproxy.frontendPort, path: "/whoami") == "h001")
        _ = try await lb.deregister(host, drainTimeoutSeconds: 5)
        try backend.failHealthChecks()
        try await body(lb, host, haproxy, backend)
    }

    /// An app that broke while its host was out of rotation gets no request when the host is
    /// registered again. A server set ready at once stays UP on its check from before
    /// maintenance until the next check, 3 s later, and one that waited in drain for a "fresh"
    /// check read the old result as one (`DRAIN L7OK`): both took the request.
    @Test func aServerWhoseAppBrokeWhileOutTakesNoRequestWhenRegistered() async throws {
        try await withAppBrokenWhileOut { lb, host, haproxy, _ in
            try await lb.register(host)
            #expect(await httpGet(port: haproxy.frontendPort, path: "/whoami") == nil)
            #expect(try await lb.state(of: host).operational != .up)
        }
    }

    /// A host out of rotation is asked for its health through new checks: the old result
    /// (`DRAIN L7OK` on leaving maint) said healthy though its app broke while it was out.
    /// Asked again once the app is back, it is healthy; both times it stays out.
    @Test func theHealthOfAServerInMaintenanceComesFromNewChecks() async throws {
        try await withAppBrokenWhileOut { lb, host, haproxy, backend in
            let problem = await lb.healthProblem(host, timeoutSeconds: 300)
            #expect(problem?.hasPrefix("server app/h001 fails its health check (HAProxy says DOWN") == true, "\(problem ?? "nil")")
            #expect(try await lb.state(of: host).admin == .maint)
            try backend.healHealthChecks()
            #expect(await lb.healthProblem(host, timeoutSeconds: 300) == nil)
            #expect(try await lb.state(of: host).admin == .maint)
            #expect(await httpGet(port: haproxy.frontendPort, path: "/whoami") == nil)
        }
    }

    /// A server that tracks another's health has no check of its own: HAProxy refuses to
    /// force its health, and it never shows a passed check. Registered, it goes ready; asked
    /// for its health out of rotation, it has the tracked server's, and stays out.
    @Test func aServerThatTracksAnothersHealthIsRegisteredAndJudgedByIt() async throws {
        let backend = try await HTTPBackend(name: "h001")
        defer { backend.stop() }
        let haproxy = try await HAProxyFixture(servers: [.init(name: "h001", port: backend.port),
                                                         .init(name: "h002", port: backend.port, tracks: "app/h001")])
        defer { haproxy.stop() }
        let lb = try driver(.unixSocket, haproxy)
        let (one, two) = (HostSpec(name: "h001", address: "127.0.0.1"), HostSpec(name: "h002", address: "127.0.0.1"))
        try await lb.register(one)
        try await lb.waitUntilHealthy(one, timeoutSeconds: 300)
        #expect(await lb.healthProblem(two, timeoutSeconds: 300) == nil)
        #expect(try await lb.state(of: two).admin == .maint)
        try await lb.register(two)
        #expect(try await lb.state(of: two).admin == .ready)
        _ = try await lb.deregister(one, drainTimeoutSeconds: 5)
        _ = try await lb.deregister(two, drainTimeoutSeconds: 5)
        try backend.failHealthChecks()
        try await lb.register(one)
        #expect(await eventually { (try? await lb.state(of: one).operational) == .down })
        let problem = await lb.healthProblem(two, timeoutSeconds: 300)
        #expect(problem?.hasPrefix("server app/h002: HAProxy says DOWN") == true, "\(problem ?? "nil")")
        #expect(try await lb.state(of: two).admin == .maint)
    }

    /// A reload without a server-state file puts a draining server back in rotation (the
    /// new process knows only the configuration): the drain is asked for again there, and the
    /// host ends out of rotation in the process that now takes the traffic. A connection held
    /// through the old process keeps the drain from ending before the reload.
    @Test func aReloadMidDrainIsDrainedAgainInTheNewProcess() async throws {
        let backend = try await HTTPBackend(name: "h001")
        defer { backend.stop() }
        let haproxy = try await HAProxyFixture(servers: [.init(name: "h001", port: backend.port)], inRotation: true)
        defer { haproxy.stop() }
        let recorded = RecordingAPI(inner: HAProxyUnixSocketAPI(path: haproxy.socketPath))
        let lb = HAProxyLoadBalancer(name: "main", backend: "app", api: recorded, polling: Self.fast)
        let host = HostSpec(name: "h001", address: "127.0.0.1")
        try await lb.waitUntilHealthy(host, timeoutSeconds: 300)
        let holder = try HeldConnection(port: haproxy.frontendPort)
        defer { holder.close() }
        #expect(await eventually { (try? await lb.state(of: host).currentSessions) == 1 })
        let drain = Task { try await lb.deregister(host, drainTimeoutSeconds: 300) }
        let drains = { recorded.commands.current.filter { $0 == "set server app/h001 state drain" }.count }
        #expect(await eventually { drains() == 1 && recorded.commands.current.last == "show stat" })
        try await haproxy.reload()
        _ = try await drain.value
        #expect(drains() == 2, "\(recorded.commands.current)")
        #expect(try await lb.state(of: host).admin == .maint)
        #expect(await httpGet(port: haproxy.frontendPort, path: "/whoami") == nil)
    }

    /// HAProxy's socket is gone for a moment while it reloads: a command that cannot reach it
    /// is tried again, and goes through once it can. The real HAProxy does the work; the
    /// wrapper only refuses the first tries, as a socket mid-reload does.
    @Test func aRuntimeAPIThatComesBackIsTriedAgain() async throws {
        try await withOneServer(.unixSocket) { _, host, haproxy in
            let api = RefusingFirst(2, inner: HAProxyUnixSocketAPI(path: haproxy.socketPath))
            let lb = HAProxyLoadBalancer(name: "main", backend: "app", api: api, polling: Self.fast)
            try await lb.register(host)
            // Two refused, then the state read, the drain, the forced health, ready.
            #expect(api.tries.current > 3)
            #expect(try await lb.state(of: host).admin == .ready)
        }
    }

    @Test func aRuntimeAPIThatStaysAwayFailsAfterFourTries() async throws {
        try await withOneServer(.unixSocket) { _, host, haproxy in
            let api = RefusingFirst(10, inner: HAProxyUnixSocketAPI(path: haproxy.socketPath))
            let lb = HAProxyLoadBalancer(name: "main", backend: "app", api: api, polling: Self.fast)
            let error = await #expect(throws: LoadBalancerError.self) { try await lb.register(host) }
            #expect(error?.kind == .connect)
            #expect(error?.description == "load balancer main (HAProxy at \(haproxy.socketPath)): connect to \(haproxy.socketPath) failed: Connection refused (tried 4 times)")
            #expect(api.tries.current == 4)
            let direct = HAProxyLoadBalancer(name: "main", backend: "app", api: HAProxyUnixSocketAPI(path: haproxy.socketPath))
            let after = try await direct.state(of: host)
            #expect(after.admin == .maint, "nothing was changed")
        }
    }
}

/// A runtime API whose first `refusals` commands fail as a socket mid-reload does; the rest go
/// to `inner`.
final class RefusingFirst: HAProxyRuntimeAPI {
    let refusals: Int
    let inner: any HAProxyRuntimeAPI
    let tries = Locked(0)
    init(_ refusals: Int, inner: any HAProxyRuntimeAPI) {
        self.refusals = refusals
        self.inner = inner
    }
    var location: String { inner.location }
    func send(_ command: String) async throws -> String {
        let attempt = tries.withLock { $0 += 1; return $0 }
        if attempt <= refusals { throw SocketExchangeError(message: "connect to \(inner.location) failed: Connection refused") }
        return try await inner.send(command)
    }
}

/// Records every command it passes to `inner`.
final class RecordingAPI: HAProxyRuntimeAPI {
    let inner: any HAProxyRuntimeAPI
    let commands = Locked<[String]>([])
    init(inner: any HAProxyRuntimeAPI) { self.inner = inner }
    var location: String { inner.location }
    func send(_ command: String) async throws -> String {
        commands.withLock { $0.append(command) }
        return try await inner.send(command)
    }
}
