import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// nginx on this machine in front of fleet hosts: an in-place deployment with traffic control
/// marks each host `down` in the upstream file while it is deployed and puts it back after.
/// Runs inside TrafficTests' serialized suite: both deploy to the same web hosts.
extension TrafficTests {
    /// nginx started by the test on a free loopback port, proxying to the fleet hosts' :8080.
    final class LocalNginx {
        let dir: ScratchDirectory
        let port: Int
        var config: String { dir.file("nginx.conf") }
        var upstream: String { dir.file("upstream.conf") }
        var pidFile: String { dir.file("nginx.pid") }
        var control: [String] { ["-c", config, "-p", dir.path] }

        init(backends: [String]) async throws {
            dir = try ScratchDirectory("hoist-nginx")
            port = try LoopbackSocket.portForAServer()
            try dir.write("upstream.conf", "upstream app {\n" + backends.map { "    server \($0);\n" }.joined() + "}\n")
            try dir.write("nginx.conf", """
                daemon on;
                pid \(pidFile);
                error_log \(dir.file("error.log"));
                worker_processes 1;
                events { worker_connections 256; }
                http {
                    access_log off;
                    include \(upstream);
                    server {
                        listen 127.0.0.1:\(port);
                        location / { proxy_pass http://app; proxy_next_upstream error timeout http_502 http_503; }
                    }
                }

                """)
            try await Self.nginx(control)
        }

        static func nginx(_ args: [String]) async throws {
            let (result, _, err) = try await LocalShell.capture(shellJoin(["nginx"] + args))
            guard result.succeeded else { throw FleetUnavailable(message: "nginx \(args): \(err)") }
        }

        /// The servers marked down in the upstream file right now.
        func downServers() -> Set<String> { Self.downServers(in: upstream) }

        static func downServers(in file: String) -> Set<String> {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            return Set(text.split(separator: "\n").compactMap { line in
                let words = line.split(whereSeparator: { $0 == " " || $0 == ";" })
                return words.first == "server" && words.contains("down") ? String(words[1]) : nil
            })
        }

        func stop() async { try? await Self.nginx(control + ["-s", "stop"]) }
    }

    struct FleetUnavailable: Error { var message: String }

    @Test func eachHostIsDownInTheUpstreamFileWhileItIsDeployed() async throws {
        let hosts = Array(try Fleet.load().filter { $0.jumps.isEmpty && $0.tags.contains { $0.key == "role" && $0.value == "web" } }.prefix(3))
        try #require(hosts.count == 3, "the fleet needs three web hosts")
        let backends = hosts.map { "\($0.address):8080" }
        let nginx = try await LocalNginx(backends: backends)
        let scratch = try ScratchDirectory("hoist-nginx-deploy")
        // Fresh versions each run: redeploying a bundle a host already holds can trip the
        // engine's bundle reuse (its retention step may remove the folder it reuses from).
        let tag = UUID().uuidString.prefix(8)
        let revision = try TrafficTests.revision(scratch, "n1-\(tag)"), next = try TrafficTests.revision(scratch, "n2-\(tag)")
        let playbook = try scratch.write("nginx.yml", """
            application: traffic-webapp
            deployment_group: traffic-nginx
            inventory: \(TestPaths.fleetDir.appendingPathComponent("inventory.yml").path)
            targets: {role: web}
            deployment_config: OneAtATime
            load_balancers:
              - name: local-nginx
                type: nginx
                upstream_file: \(nginx.upstream)
                upstream: app
                server: "{address}:8080"
                test_command: \(shellJoin(["nginx", "-t", "-q"] + nginx.control))
                reload_command: \(shellJoin(["nginx", "-s", "reload"] + nginx.control))
                pid_file: \(nginx.pidFile)
                drain_timeout: 5
                health_timeout: 60

            """)
        let names = hosts.map(\.name).joined(separator: ",")
        // A first deployment starts the app, so the second one stops it behind nginx.
        let first = try HoistBinary.run(["deploy", playbook, "--revision", revision, "--hosts", names, "--json", "--db", scratch.file("h.db")], environment: [:])
        guard first.status == 0 else {
            await nginx.stop()
            Issue.record("the first deployment failed: \(first.stderr)\n\(first.stdout.suffix(2000))")
            return
        }

        // Watch the upstream file while the deployment runs; each distinct content is kept.
        let seen = Locked<[Set<String>]>([])
        let done = Locked(false)
        let upstreamFile = nginx.upstream
        // A thread of its own: the test's task pool is busy with the load and the hoist run.
        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !done.current {
                let down = LocalNginx.downServers(in: upstreamFile)
                seen.withLock { if $0.last != down { $0.append(down) } }
                usleep(2000)
            }
            stopped.signal()
        }
        let load = TrafficLoad(frontend: "127.0.0.1:\(nginx.port)")
        let loadTask = Task { await load.run(loops: 2) }
        let second = try await Task.detached {
            try HoistBinary.run(["deploy", playbook, "--revision", next, "--hosts", names, "--json", "--db", scratch.file("h.db")], environment: [:])
        }.value
        load.stop()
        await loadTask.value
        done.withLock { $0 = true }
        stopped.wait()
        await nginx.stop()
        let failures = second.stdout.split(separator: "\n").filter { $0.contains("\"Failed\"") }.prefix(5)
        #expect(second.status == 0, "\(second.stderr)\n\(failures.joined(separator: "\n"))")

        let windows = RotationWindows(jsonLines: second.stdout.split(separator: "\n").map(String.init))
        #expect(Set(windows.windows.keys) == Set(hosts.map(\.name)), "every host went through BlockTraffic and AllowTraffic")
        let states = seen.current
        for backend in backends {
            #expect(states.contains([backend]), "\(backend) was marked down on its own at some point: \(states)")
        }
        #expect(states.allSatisfy { $0.count <= 1 }, "OneAtATime: never two hosts down at once: \(states)")
        #expect(nginx.downServers().isEmpty, "every host is back in rotation")
        let responses = load.responses.current
        let failed = responses.filter { !$0.ok }.count
        print("traffic: nginx in-place: \(responses.count) requests, \(failed) failed, \(windows.violations(responses).count) from hosts out of rotation")
        // `nginx -s reload` returns before the old workers stop serving their keep-alive
        // connections; BlockTraffic waits for them (`pid_file`), so no request reaches a host
        // after its BlockTraffic ended, and none meets its app stopping.
        #expect(windows.violations(responses).isEmpty)
        #expect(failed == 0)
    }
}
