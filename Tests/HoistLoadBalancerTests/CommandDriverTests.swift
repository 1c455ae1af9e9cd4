import Foundation
import HoistCore
import HoistTestSupport
import Testing
@testable import HoistLoadBalancers

/// The command driver running real shell commands on this machine.
struct CommandDriverTests {
    static let fast = LoadBalancerPolling(intervalSeconds: 0.05)

    @Test func commandsGetTheHostQuotedAndInTheirEnvironment() async throws {
        let directory = try TemporaryDirectory("command")
        defer { directory.remove() }
        let log = directory.file("log")
        let record = "printf '%s|%s|%s|%s|%s\\n' \"$HOIST_LB_ACTION\" \"$HOIST_HOST\" \"$HOIST_ADDRESS\" \"${HOIST_DRAIN_TIMEOUT:-}\" {host} >> \(shellQuote(log))"
        let lb = CommandLoadBalancer(
            name: "custom", commands: .init(register: record, deregister: record), polling: Self.fast)
        let hostile = "h'1 $(touch \(directory.file("pwned")))"
        let host = HostSpec(name: hostile, address: "10.0.0.7")

        try await lb.register(host)
        try await lb.deregister(host, drainTimeoutSeconds: 30)

        #expect(try directory.read("log") == """
            register|\(hostile)|10.0.0.7||\(hostile)
            deregister|\(hostile)|10.0.0.7|30|\(hostile)

            """)
        #expect(!FileManager.default.fileExists(atPath: directory.file("pwned")))
    }

    @Test func aFailingCommandReportsItsStatusAndStderr() async throws {
        let lb = CommandLoadBalancer(
            name: "custom", commands: .init(register: "true", deregister: "echo 'balancer said no' >&2; exit 3"))
        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.deregister(HostSpec(name: "h1", address: "10.0.0.1"), drainTimeoutSeconds: 1)
        }
        #expect(error?.kind == .command)
        #expect(error?.description == "load balancer custom (commands): the deregister command for host h1 exited 3: balancer said no")
    }

    @Test func waitUntilHealthyPollsTheHealthCommand() async throws {
        let directory = try TemporaryDirectory("command-health")
        defer { directory.remove() }
        let marker = directory.file("healthy-h1")
        let lb = CommandLoadBalancer(
            name: "custom",
            commands: .init(register: "touch \(shellQuote(directory.path))/healthy-{host}", deregister: "true",
                            health: "test -e \(shellQuote(directory.path))/healthy-{host} || { echo \"no marker for $HOIST_HOST\" >&2; exit 1; }"),
            polling: Self.fast)
        let host = HostSpec(name: "h1", address: "10.0.0.1")

        let error = await #expect(throws: LoadBalancerError.self) {
            try await lb.waitUntilHealthy(host, timeoutSeconds: 0.2)
        }
        #expect(error?.description == "load balancer custom (commands): host h1 is not healthy after 0.2s: the health command exited 1: no marker for h1")
        #expect(try await lb.state(of: host).operational == .down)

        try await lb.register(host)
        #expect(FileManager.default.fileExists(atPath: marker))
        try await lb.waitUntilHealthy(host, timeoutSeconds: 10)
        #expect(try await lb.state(of: host).operational == .up)
    }
}
