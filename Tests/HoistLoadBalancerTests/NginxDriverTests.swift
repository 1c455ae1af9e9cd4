import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistLoadBalancers

/// The nginx driver against a real nginx proxying to real HTTP backends on loopback.
@Suite(.serialized)
struct NginxDriverTests {
    static let fast = LoadBalancerPolling(intervalSeconds: 0.05)

    enum Where: String, CaseIterable, CustomTestStringConvertible {
        case thisMachine, remoteSession
        var testDescription: String { rawValue }
    }

    func driver(_ nginx: NginxFixture, _ place: Where = .thisMachine, testCommand: String? = nil) throws -> any LoadBalancer {
        let settings = nginx.settings(host: place == .remoteSession ? "lb1" : nil, testCommand: testCommand)
        return try LoadBalancerFactory.make(
            spec: LoadBalancerSpec(name: "web", driver: .nginx(settings)), polling: Self.fast,
            sessionFor: { _ in LocalShellSession(host: HostSpec(name: "lb1", address: "127.0.0.1")) })
    }

    /// A driver whose nginx commands are plain shell commands, for tests that need no nginx.
    func offlineDriver(_ directory: TemporaryDirectory, testCommand: String = "true", healthPath: String? = nil,
                       host: String? = nil) -> NginxLoadBalancer {
        let settings = LoadBalancerSpec.Nginx(
            host: host, upstreamFile: directory.file("upstream.conf"), upstream: "app", serverTemplate: "{address}",
            testCommand: testCommand, reloadCommand: "true", healthPath: healthPath)
        return NginxLoadBalancer(name: "web", settings: settings, polling: Self.fast, sessionFor: { _ in LocalShellSession() })
    }

    /// Runs `body` with nginx in front of backends "one" and "two" (hosts h-one, h-two), both
    /// down in its upstream; the last argument is backend "two".
    func withTwoBackends(
        _ place: Where = .thisMachine,
        _ body: (any LoadBalancer, NginxFixture, HostSpec, HostSpec, HTTPBackend) async throws -> Void
    ) async throws {
        let one = try await HTTPBackend(name: "one")
        defer { one.stop() }
        let two = try await HTTPBackend(name: "two")
        defer { two.stop() }
        let nginx = try await NginxFixture(backends: [one.address, two.address])
        defer { nginx.stop() }
        try await body(try driver(nginx, place), nginx, HostSpec(name: "h-one", address: one.address),
                       HostSpec(name: "h-two", address: two.address), two)
    }

    @Test(arguments: Where.allCases)
    func requestsReachOnlyRegisteredServers(_ place: Where) async throws {
        try await withTwoBackends(place) { lb, nginx, hostOne, hostTwo, _ in
            try await lb.register(hostOne)
            #expect(try NginxUpstreamFile.parse(nginx.directory.read("upstream.conf"), upstream: "app").servers == [
                .init(address: hostOne.address, down: false), .init(address: hostTwo.address, down: true),
            ])
            try await lb.waitUntilHealthy(hostOne, timeoutSeconds: 10)
            #expect(try await lb.state(of: hostOne).admin == .ready)
            #expect(try await lb.state(of: hostTwo).admin == .maint)
            #expect(await eventually { await nginx.answeringBackends() == ["one"] })

            try await lb.register(hostTwo)
            #expect(await eventually { await nginx.answeringBackends() == ["one", "two"] })

            try await lb.deregister(hostOne, drainTimeoutSeconds: 5)
            #expect(try await lb.state(of: hostOne).admin == .maint)
            #expect(await eventually { await nginx.answeringBackends() == ["two"] })
        }
    }

    /// nginx sends every server in its upstream requests, whatever its app answers: AllowTraffic
    /// put a host whose app was broken in rotation and it took requests until the health
    /// wait gave up. It now goes in only once its health check passes.
    @Test func aHostWhoseAppFailsItsHealthCheckIsNotPutInRotation() async throws {
        try await withTwoBackends { lb, nginx, hostOne, hostTwo, two in
            try await lb.register(hostOne, healthTimeoutSeconds: 10)
            try two.failHealthChecks()

            let error = await #expect(throws: LoadBalancerError.self) { try await lb.register(hostTwo, healthTimeoutSeconds: 1) }
            #expect(error?.kind == .timeout)
            #expect(try await lb.state(of: hostTwo).admin == .maint)
            #expect(await nginx.answeringBackends() == ["one"])

            try two.healHealthChecks()
            try await lb.register(hostTwo, healthTimeoutSeconds: 60)
            #expect(await eventually { await nginx.answeringBackends() == ["one", "two"] })
        }
    }

    @Test func aConfigurationNginxRejectsIsRolledBack() async throws {
        let one = try await HTTPBackend(name: "one")
        defer { one.stop() }
        let nginx = try await NginxFixture(backends: [one.address])
        defer { nginx.stop() }
        let lb = try driver(nginx)
        try await lb.register(HostSpec(name: "h-one", address: one.address))
        let before = try nginx.directory.read("upstream.conf")
        #expect(await eventually { await nginx.answeringBackends() == ["one"] })

        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.register(HostSpec(name: "h-bad", address: "127.0.0.1:99999"))
        }
        #expect(error?.kind == .command)
        #expect(error?.description.hasPrefix(
            "load balancer web (nginx upstream app in \(nginx.upstreamPath) on this machine): `\(nginx.testCommand)` rejected the new \(nginx.upstreamPath), so the previous file was put back: ") == true)
        #expect(error?.description.contains("invalid port in upstream \"127.0.0.1:99999\"") == true)
        #expect(try nginx.directory.read("upstream.conf") == before)
        // nginx still serves from the registered server. (Eventually: a worker of the
        // configuration before the first registration may still be finishing its shutdown.)
        #expect(await eventually { await nginx.answeringBackends() == ["one"] })
    }

    @Test func aFailingTestCommandWithoutAPreviousFileRemovesTheNewOne() async throws {
        let directory = try TemporaryDirectory("nginx-fresh")
        defer { directory.remove() }
        let lb = offlineDriver(directory, testCommand: "echo 'nginx: [emerg] pretend failure' >&2; exit 1")
        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.register(HostSpec(name: "h1", address: "127.0.0.1:8080"))
        }
        #expect(error?.description.hasSuffix("so the previous file was put back: nginx: [emerg] pretend failure") == true)
        #expect(!FileManager.default.fileExists(atPath: directory.file("upstream.conf")))
    }

    /// Through a session the file comes back line by line; the restored file must still be
    /// byte for byte the previous one, trailing newline (or its absence) included.
    @Test(arguments: ["upstream app {\n    server 10.0.0.1:80;\n}\n", "upstream app { server 10.0.0.1:80; }", ""])
    func aRemoteRollbackRestoresTheExactFile(_ previous: String) async throws {
        let directory = try TemporaryDirectory("nginx-remote")
        defer { directory.remove() }
        try directory.write("upstream.conf", previous)
        let lb = offlineDriver(directory, testCommand: "exit 1", host: "lb1")
        await #expect(throws: LoadBalancerError.self) {
            try await lb.register(HostSpec(name: "h2", address: "10.0.0.2:80"))
        }
        #expect(try directory.read("upstream.conf") == previous)
    }

    @Test func waitUntilHealthyTimesOutWhenNothingAnswersTheHealthPath() async throws {
        let directory = try TemporaryDirectory("nginx-health")
        defer { directory.remove() }
        let address = "127.0.0.1:\(try LoopbackPorts.closed())"
        let lb = offlineDriver(directory, healthPath: "/ready")
        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.waitUntilHealthy(HostSpec(name: "h1", address: address), timeoutSeconds: 0.5)
        }
        #expect(error?.kind == .timeout)
        #expect(error?.description == "load balancer web (nginx upstream app in \(directory.file("upstream.conf")) on this machine): server \(address) is not healthy after 0.5s (GET http://\(address)/ready: connect to \(address) failed: Connection refused)")
    }

    /// A batch registers its hosts at the same time; each change is a read-modify-write of
    /// one file, so none may be lost.
    @Test func concurrentChangesAreAllKept() async throws {
        let directory = try TemporaryDirectory("nginx-concurrent")
        defer { directory.remove() }
        let lb = offlineDriver(directory)
        let addresses = (1...12).map { "10.0.0.\($0):8080" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for address in addresses {
                group.addTask { try await lb.register(HostSpec(name: address, address: address)) }
            }
            try await group.waitForAll()
        }
        let file = try NginxUpstreamFile.parse(directory.read("upstream.conf"), upstream: "app")
        #expect(Set(file.servers.map(\.address)) == Set(addresses))
        #expect(file.servers.allSatisfy { !$0.down })
    }

    @Test func anAddressThatWouldChangeTheFileIsRefused() async throws {
        let directory = try TemporaryDirectory("nginx-unsafe")
        defer { directory.remove() }
        let lb = offlineDriver(directory)
        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.register(HostSpec(name: "h1", address: "10.0.0.1:80; } server evil"))
        }
        #expect(error?.kind == .configuration)
        #expect(!FileManager.default.fileExists(atPath: directory.file("upstream.conf")))
    }

    /// A reload returns before the workers it replaces are done, and they still send to a
    /// server marked down; deregister returns only once they are gone. The backend holds a
    /// request until the test lets it go, so the old worker surely outlives the reload: while
    /// it is held, deregister must still be waiting, and the held request gets its answer.
    @Test(arguments: Where.allCases)
    func deregisterWaitsForTheWorkersTheReloadReplaces(_ place: Where) async throws {
        let gate = DispatchSemaphore(value: 0)
        let backend = try LoopbackHTTPServer { request, _ in
            if request.target == "/held" { gate.wait() }
            return .init(status: 200, body: "answered \(request.target)")
        }
        defer { backend.stop() }
        let address = "127.0.0.1:\(backend.port)"
        let nginx = try await NginxFixture(backends: [address])
        defer { nginx.stop() }
        let lb = try driver(nginx, place)
        let host = HostSpec(name: "h-one", address: address)
        let master = try #require(Int(try nginx.directory.read("nginx.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        func workers() -> Set<Int> {
            let text = (try? String(contentsOfFile: "/proc/\(master)/task/\(master)/children", encoding: .utf8)) ?? ""
            return Set(text.split(separator: " ").compactMap { Int($0) })
        }
        // Only workers started by register's reload: one from before would answer 502 (its
        // configuration has no server up).
        let first = workers()
        try await lb.register(host)
        #expect(await eventually { !workers().isEmpty && workers().isDisjoint(with: first) })
        #expect(await eventually { await httpGet(port: nginx.port, path: "/ready") == "answered /ready" })
        let old = workers()
        let port = nginx.port
        let held = Task {
            try await SocketExchange.exchange(.tcp(host: "127.0.0.1", port: port),
                                              send: Array("GET /held HTTP/1.0\r\nHost: localhost\r\n\r\n".utf8), timeoutSeconds: 300)
        }
        #expect(await eventually { backend.requests.contains { $0.target == "/held" } })
        let returned = Locked(false)
        let deregistered = Task {
            try await lb.deregister(host, drainTimeoutSeconds: 300)
            returned.withLock { $0 = true }
        }
        // The reload has taken place once the master has a worker it did not have before.
        #expect(await eventually { !workers().subtracting(old).isEmpty })
        #expect(!returned.current, "deregister returned while a worker from before the reload still held a request")
        #expect(!old.isDisjoint(with: workers()), "the old worker is still there, serving the held request")

        gate.signal()
        let answer = String(decoding: try await held.value, as: UTF8.self)
        #expect(answer.hasSuffix("answered /held"), "the held request was answered, not dropped: \(answer)")
        try await deregistered.value
        #expect(returned.current)
        #expect(old.isDisjoint(with: workers()), "the old workers are gone")
        #expect(try await lb.state(of: host).admin == .maint)
    }
}
