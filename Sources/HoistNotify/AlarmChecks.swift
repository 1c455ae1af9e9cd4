import Foundation
import HoistCore

/// Evaluates alarm checks for real, from this machine: HTTP GETs, Prometheus's instant query
/// API and local commands. Nothing runs on the fleet's hosts.
public struct AlarmChecks: AlarmProbe {
    /// HOIST_* variables for command checks (application, group, deployment id).
    public var environment: [String: String]

    public init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    public func evaluate(_ check: AlarmCheckSpec, hosts: [HostSpec]) async -> AlarmReading {
        switch check.kind {
        case .http(let url, let expect):
            guard check.isPerHost else { return await http(url, expect: expect, timeout: check.timeoutSeconds) }
            var readings: [AlarmReading] = []
            for host in hosts {
                let address = url.replacingOccurrences(of: "{address}", with: host.address).replacingOccurrences(of: "{host}", with: host.name)
                readings.append(Self.naming(host.name, await http(address, expect: expect, timeout: check.timeoutSeconds)))
            }
            return Self.worst(readings, none: "no host deployed yet")
        case .command(let command, let directory):
            return await run(command, directory: directory, timeout: check.timeoutSeconds)
        case .prometheus(let url, let query, let above, let below):
            return await prometheus(url, query: query, above: above, below: below, timeout: check.timeoutSeconds)
        }
    }

    /// ALARM over not evaluated over OK; the first of the worst kind.
    static func worst(_ readings: [AlarmReading], none: String) -> AlarmReading {
        if let alarm = readings.first(where: { if case .alarm = $0 { return true } else { return false } }) { return alarm }
        if let failed = readings.first(where: { if case .notEvaluated = $0 { return true } else { return false } }) { return failed }
        return readings.isEmpty ? .ok(none) : .ok("\(readings.count) \(readings.count == 1 ? "host" : "hosts") OK")
    }

    static func naming(_ host: String, _ reading: AlarmReading) -> AlarmReading {
        switch reading {
        case .ok(let text): return .ok("\(host): \(text)")
        case .alarm(let text): return .alarm("\(host): \(text)")
        case .notEvaluated(let text): return .notEvaluated("\(host): \(text)")
        }
    }

    func http(_ address: String, expect: Int?, timeout: Double) async -> AlarmReading {
        guard let url = URL(string: address) else { return .notEvaluated("\(address) is not a URL") }
        do {
            let response = try await HTTPClient.send("GET", url, timeoutSeconds: timeout)
            let good = expect.map { response.status == $0 } ?? (200..<300).contains(response.status)
            let seen = "HTTP \(response.status)"
            return good ? .ok(seen) : .alarm(seen + " from \(address), expected \(expect.map(String.init) ?? "2xx")")
        } catch {
            return .notEvaluated("\(error)")
        }
    }

    func run(_ command: String, directory: String, timeout: Double) async -> AlarmReading {
        do {
            let (result, stdout, stderr) = try await LocalShell.capture(
                "cd \(shellQuote(directory)) && \(command)", environment: environment, timeoutSeconds: timeout)
            if result.timedOut { return .notEvaluated("`\(command)` timed out after \(plainSeconds(timeout)) s") }
            let said = (stderr.split(separator: "\n").last ?? stdout.split(separator: "\n").last).map { ": \($0)" } ?? ""
            guard let status = result.exitStatus else { return .notEvaluated("`\(command)` was killed by \(result.signal ?? "a signal")") }
            return status == 0 ? .ok("exit 0") : .alarm("exit status \(status)\(said)")
        } catch {
            return .notEvaluated("`\(command)` could not start: \(error)")
        }
    }

    func prometheus(_ base: String, query: String, above: Double?, below: Double?, timeout: Double) async -> AlarmReading {
        var components = URLComponents(string: base.hasSuffix("/") ? String(base.dropLast()) : base)
        components?.path += "/api/v1/query"
        components?.queryItems = [URLQueryItem(name: "query", value: query)]
        guard let url = components?.url else { return .notEvaluated("\(base) is not a URL") }
        let response: HTTPClient.Response
        do {
            response = try await HTTPClient.send("GET", url, timeoutSeconds: timeout)
        } catch {
            return .notEvaluated("\(error)")
        }
        switch PrometheusAnswer.values(response.body, status: response.status) {
        case .failure(let problem):
            return .notEvaluated(problem.description)
        case .success(let values):
            if values.isEmpty { return .ok("no data") }
            for value in values {
                if let above, value > above { return .alarm("\(PrometheusAnswer.format(value)) > \(AlarmCheckSpec.number(above))") }
                if let below, value < below { return .alarm("\(PrometheusAnswer.format(value)) < \(AlarmCheckSpec.number(below))") }
            }
            return .ok(values.map(PrometheusAnswer.format).joined(separator: ", "))
        }
    }
}

/// Reads an answer of Prometheus's instant query API: `{"status":"success","data":
/// {"resultType":"vector"|"scalar",...}}`; each sample's value is `[time, "number"]`.
enum PrometheusAnswer {
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func values(_ body: Data, status: Int) -> Result<[Double], Problem> {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            return .failure(Problem(description: "HTTP \(status): the answer is not Prometheus JSON"))
        }
        guard object["status"] as? String == "success", let data = object["data"] as? [String: Any] else {
            let error = (object["error"] as? String).map { ": \($0)" } ?? ""
            return .failure(Problem(description: "Prometheus answered HTTP \(status) \(object["status"] as? String ?? "")\(error)"))
        }
        func number(_ pair: Any?) -> Double? {
            guard let pair = pair as? [Any], pair.count == 2, let text = pair[1] as? String else { return nil }
            return Double(text)
        }
        switch data["resultType"] as? String {
        case "scalar":
            guard let value = number(data["result"]) else { return .failure(Problem(description: "a scalar answer without a value")) }
            return .success([value])
        case "vector":
            guard let samples = data["result"] as? [[String: Any]] else { return .failure(Problem(description: "a vector answer without samples")) }
            var values: [Double] = []
            for sample in samples {
                guard let value = number(sample["value"]) else { return .failure(Problem(description: "a sample without a value")) }
                values.append(value)
            }
            return .success(values)
        case let other:
            return .failure(Problem(description: "the query gives a \(other ?? "missing") result; use one that gives an instant vector or a scalar"))
        }
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
