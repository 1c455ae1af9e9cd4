import Foundation
import Glibc
import HoistCore
import HoistTestSupport
@testable import HoistLoadBalancers

/// A real nginx started for one test on a loopback port, proxying to upstream `app` from
/// an include file the driver manages. The file starts with every backend marked down.
final class NginxFixture {
    let directory: TemporaryDirectory
    let port: Int
    var configPath: String { directory.file("nginx.conf") }
    var upstreamPath: String { directory.file("upstream.conf") }
    var testCommand: String { shellJoin(["nginx", "-t", "-q", "-c", configPath, "-p", directory.path]) }
    var reloadCommand: String { shellJoin(["nginx", "-s", "reload", "-c", configPath, "-p", directory.path]) }

    init(backends: [String]) async throws {
        directory = try TemporaryDirectory("nginx")
        port = try LoopbackPorts.free()
        let initial = NginxUpstreamFile(upstream: "app", servers: backends.map { .init(address: $0, down: true) })
        try directory.write("upstream.conf", initial.render(balancer: "web"))
        let config = """
            daemon on;
            pid \(directory.file("nginx.pid"));
            error_log \(directory.file("error.log"));
            worker_processes 1;
            events { worker_connections 64; }
            http {
                access_log off;
                include \(upstreamPath);
                server {
                    listen 127.0.0.1:\(port);
                    location / { proxy_pass http://app; }
                }
            }

            """
        try directory.write("nginx.conf", config)
        let (result, _, stderr) = try await LocalShell.capture(shellJoin(["nginx", "-c", configPath, "-p", directory.path]))
        guard result.succeeded else {
            directory.remove()
            throw FixtureError("nginx did not start: \(stderr)")
        }
        let listening = await eventually {
            (try? await SocketExchange.exchange(.tcp(host: "127.0.0.1", port: port), send: Array("GET / HTTP/1.0\r\n\r\n".utf8), timeoutSeconds: 2)) != nil
        }
        if !listening {
            stop()
            throw FixtureError("nginx on 127.0.0.1:\(port) did not start")
        }
    }

    func settings(serverTemplate: String = "{address}", host: String? = nil, testCommand: String? = nil) -> LoadBalancerSpec.Nginx {
        LoadBalancerSpec.Nginx(host: host, upstreamFile: upstreamPath, upstream: "app", serverTemplate: serverTemplate,
                               testCommand: testCommand ?? self.testCommand, reloadCommand: reloadCommand,
                               pidFile: directory.file("nginx.pid"))
    }

    /// The backends that answer `count` requests in a row through nginx.
    func answeringBackends(requests count: Int = 6) async -> Set<String> {
        var names = Set<String>()
        for _ in 0..<count {
            names.insert(await httpGet(port: port, path: "/whoami") ?? "(no answer)")
        }
        return names
    }

    func stop() {
        directory.stopDaemon(pidFile: "nginx.pid")
        directory.remove()
    }
}
