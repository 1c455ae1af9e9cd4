import Foundation
import HoistCore
import HoistNotify
import HoistTestSupport
import Testing

/// Alarm checks against real servers on 127.0.0.1: a health endpoint and a fake Prometheus
/// speaking its instant query API.
@Suite struct AlarmCheckTests {
    let checks = AlarmChecks(environment: ["HOIST_DEPLOYMENT_ID": "d-1"])

    /// A check with a timeout no busy machine reaches (only the timeout test wants a short one).
    static func spec(name: String, kind: AlarmCheckSpec.Kind) -> AlarmCheckSpec {
        AlarmCheckSpec(name: name, kind: kind, timeoutSeconds: 120)
    }

    static func vector(_ values: [String]) -> String {
        let samples = values.map { #"{"metric":{"job":"api"},"value":[1700000000.1,"\#($0)"]}"# }.joined(separator: ",")
        return #"{"status":"success","data":{"resultType":"vector","result":[\#(samples)]}}"#
    }

    @Test func prometheusValuesAboveTheLimitAreAlarm() async throws {
        let answers = Locked<[String]>([Self.vector(["0.12", "0.3"]), Self.vector(["0.12", "0.71"]), Self.vector([]),
                                        #"{"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"0.9"]}}"#,
                                        #"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#,
                                        #"{"status":"success","data":{"resultType":"matrix","result":[]}}"#])
        let prometheus = try LoopbackHTTPServer { _, number in
            let body = answers.current[number]
            return .init(status: body.contains("\"error\"") ? 400 : 200, body: body)
        }
        defer { prometheus.stop() }
        let check = Self.spec(name: "p99", kind: .prometheus(url: prometheus.url + "/", query: "histogram_quantile(0.99, rate(x[5m])) > 0", above: 0.5, below: nil))
        var readings: [AlarmReading] = []
        for _ in 0..<6 { readings.append(await checks.evaluate(check, hosts: [])) }
        #expect(readings == [
            .ok("0.12, 0.3"), .alarm("0.71 > 0.5"), .ok("no data"), .alarm("0.9 > 0.5"),
            .notEvaluated("Prometheus answered HTTP 400 error: parse error at char 3"),
            .notEvaluated("the query gives a matrix result; use one that gives an instant vector or a scalar"),
        ])
        let request = try #require(prometheus.requests.first)
        #expect(request.method == "GET")
        let components = URLComponents(string: "http://x" + request.target)
        #expect(components?.path == "/api/v1/query")
        #expect(components?.queryItems == [URLQueryItem(name: "query", value: "histogram_quantile(0.99, rate(x[5m])) > 0")])
    }

    @Test func prometheusBelowLimit() async throws {
        let prometheus = try LoopbackHTTPServer { _, _ in .init(status: 200, body: Self.vector(["3"])) }
        defer { prometheus.stop() }
        let check = Self.spec(name: "up", kind: .prometheus(url: prometheus.url, query: "sum(up)", above: nil, below: 4))
        #expect(await checks.evaluate(check, hosts: []) == .alarm("3 < 4"))
    }

    @Test func httpChecksCompareTheStatus() async throws {
        let health = try LoopbackHTTPServer { request, _ in .init(status: request.target == "/ok" ? 200 : 500) }
        defer { health.stop() }
        #expect(await checks.evaluate(Self.spec(name: "a", kind: .http(url: health.url + "/ok", expectStatus: nil)), hosts: []) == .ok("HTTP 200"))
        #expect(await checks.evaluate(Self.spec(name: "a", kind: .http(url: health.url + "/bad", expectStatus: nil)), hosts: [])
            == .alarm("HTTP 500 from \(health.url)/bad, expected 2xx"))
        #expect(await checks.evaluate(Self.spec(name: "a", kind: .http(url: health.url + "/bad", expectStatus: 500)), hosts: []) == .ok("HTTP 500"))
    }

    @Test func perHostChecksNameTheHostInAlarm() async throws {
        let health = try LoopbackHTTPServer { request, _ in .init(status: request.target == "/h2" ? 503 : 200) }
        defer { health.stop() }
        let check = Self.spec(name: "each", kind: .http(url: "http://{address}:\(health.port)/{host}", expectStatus: 200))
        let hosts = [HostSpec(name: "h1", address: "127.0.0.1"), HostSpec(name: "h2", address: "127.0.0.1")]
        #expect(await checks.evaluate(check, hosts: []) == .ok("no host deployed yet"))
        #expect(await checks.evaluate(check, hosts: [hosts[0]]) == .ok("1 host OK"))
        let both = await checks.evaluate(check, hosts: hosts)
        #expect(both == .alarm("h2: HTTP 503 from http://127.0.0.1:\(health.port)/h2, expected 200"))
    }

    @Test func aCheckThatCannotBeEvaluatedSaysWhy() async throws {
        let (held, port) = try LoopbackSocket.refusing()
        defer { close(held) }
        let reading = await checks.evaluate(Self.spec(name: "a", kind: .http(url: "http://127.0.0.1:\(port)/", expectStatus: nil)), hosts: [])
        guard case .notEvaluated(let why) = reading else {
            Issue.record("expected not evaluated, got \(reading)")
            return
        }
        #expect(why.hasPrefix("GET http://127.0.0.1:\(port)/: "))
    }

    /// Concurrent checks, some against ports that refuse, each read the answer of their own
    /// endpoint: every server answers a status of its own, and each check expects exactly it.
    @Test func concurrentChecksEachReadTheirOwnEndpoint() async throws {
        let servers = try (0..<12).map { index in try LoopbackHTTPServer { _, _ in .init(status: 200 + index) } }
        defer { for server in servers { server.stop() } }
        let refusing = try (0..<4).map { _ in try LoopbackSocket.refusing() }
        defer { for (fd, _) in refusing { close(fd) } }
        let checks = self.checks
        let readings = await withTaskGroup(of: (String, AlarmReading).self) { group in
            for round in 0..<3 {
                for (index, server) in servers.enumerated() {
                    group.addTask {
                        let check = Self.spec(name: "s\(index)", kind: .http(url: server.url + "/\(round)", expectStatus: 200 + index))
                        return ("s\(index)/\(round)", await checks.evaluate(check, hosts: []))
                    }
                }
                for (index, (_, port)) in refusing.enumerated() {
                    group.addTask {
                        let check = Self.spec(name: "r\(index)", kind: .http(url: "http://127.0.0.1:\(port)/", expectStatus: nil))
                        return ("r\(index)/\(round)", await checks.evaluate(check, hosts: []))
                    }
                }
            }
            return await group.reduce(into: [String: AlarmReading]()) { $0[$1.0] = $1.1 }
        }
        for round in 0..<3 {
            for index in servers.indices { #expect(readings["s\(index)/\(round)"] == .ok("HTTP \(200 + index)")) }
            for (index, (_, port)) in refusing.enumerated() {
                guard case .notEvaluated(let why)? = readings["r\(index)/\(round)"] else {
                    Issue.record("r\(index)/\(round): expected not evaluated, got \(String(describing: readings["r\(index)/\(round)"]))")
                    continue
                }
                #expect(why.hasPrefix("GET http://127.0.0.1:\(port)/: "))
            }
        }
        #expect(servers.map { $0.requests.map(\.target).sorted() } == Array(repeating: ["/0", "/1", "/2"], count: servers.count))
    }

    /// The flake this suite had: a test server stopped while its thread was busy later took the
    /// connections of a server started after it (its descriptor number had been reused) and
    /// answered them itself, so checks read another endpoint's answer.
    @Test func aStoppedTestServerNeverAnswersForOneStartedAfterIt() async throws {
        let inside = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        // Holds its first request until the server is stopped and the later servers are up.
        let stopped = try LoopbackHTTPServer { _, number in
            if number == 0 {
                inside.signal()
                release.wait()
            }
            return .init(status: 200)
        }
        let check = Self.spec(name: "a", kind: .http(url: stopped.url, expectStatus: 200))
        let checks = self.checks
        let first = Task { await checks.evaluate(check, hosts: []) }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { inside.wait(); done.resume() }
        }
        stopped.stop()
        let later = try (0..<16).map { _ in try LoopbackHTTPServer { _, _ in .init(status: 503) } }
        defer { for server in later { server.stop() } }
        release.signal()
        #expect(await first.value == .ok("HTTP 200"))
        for server in later {
            for _ in 0..<2 {
                #expect(await checks.evaluate(Self.spec(name: "b", kind: .http(url: server.url, expectStatus: 200)), hosts: [])
                    == .alarm("HTTP 503 from \(server.url), expected 200"))
            }
        }
        #expect(stopped.requests.count == 1)
        #expect(later.map(\.requests.count) == Array(repeating: 2, count: later.count))
    }

    @Test func commandChecksPassOnExitZero() async throws {
        #expect(await checks.evaluate(Self.spec(name: "c", kind: .command("test \"$HOIST_DEPLOYMENT_ID\" = d-1", directory: "/")), hosts: []) == .ok("exit 0"))
        #expect(await checks.evaluate(Self.spec(name: "c", kind: .command("echo 'error rate 7%' >&2; exit 2", directory: "/")), hosts: [])
            == .alarm("exit status 2: error rate 7%"))
        #expect(await checks.evaluate(AlarmCheckSpec(name: "c", kind: .command("sleep 30", directory: "/"), timeoutSeconds: 0.5), hosts: [])
            == .notEvaluated("`sleep 30` timed out after 0.5 s"))
    }
}
