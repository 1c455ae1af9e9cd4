import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HoistCore

/// A small HTTP load generator: a few concurrent loops of GETs through the fleet's HAProxy,
/// bounded in count and time, recording each response's status, body and timing.
final class TrafficLoad: Sendable {
    struct Response: Sendable {
        var start: Date
        var end: Date
        var status: Int?  // nil: connection error
        var body: String
        /// Why the request got no answer (the client's error), for the report of a failure.
        var error: String?
        var host: String? { field("host") }
        var version: String? { field("version") }
        func field(_ key: String) -> String? {
            body.split(separator: " ").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        var ok: Bool { status == 200 && body.hasPrefix("webapp ") }
    }

    let url: URL
    let stopFlag = Locked(false)
    let responses = Locked<[Response]>([])

    init(frontend: String) { url = URL(string: "http://\(frontend)/")! }

    /// Runs `loops` loops until `stop()`, `maxRequests` in all or `maxSeconds` pass.
    func run(loops: Int = 4, maxRequests: Int = 200_000, maxSeconds: Double = 900) async {
        let config = URLSessionConfiguration.ephemeral
        // Longer than anything HAProxy waits itself (connect 2 s per try, server 30 s), so a
        // request counted as failed is HAProxy's answer, not this client's impatience on a
        // busy machine.
        config.timeoutIntervalForRequest = 60
        let session = URLSession(configuration: config)
        let deadline = Date().addingTimeInterval(maxSeconds)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<loops {
                group.addTask { [self] in
                    while !stopFlag.current, Date() < deadline, responses.current.count < maxRequests {
                        var request = URLRequest(url: url)
                        request.setValue("close", forHTTPHeaderField: "Connection")
                        let start = Date()
                        var response = Response(start: start, end: start, status: nil, body: "")
                        do {
                            let (data, answer) = try await session.data(for: request)
                            response.status = (answer as? HTTPURLResponse)?.statusCode
                            response.body = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                        } catch {
                            response.error = "\(error)"
                        }
                        response.end = Date()
                        responses.withLock { $0.append(response) }
                    }
                }
            }
        }
    }

    func stop() { stopFlag.withLock { $0 = true } }
}

/// When each host was out of rotation, from a deployment's JSON event stream: from the end
/// of its BlockTraffic (drained) to the start of its next AllowTraffic.
struct RotationWindows {
    var windows: [String: [(Date, Date)]] = [:]

    init(jsonLines: [String]) {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var blocked: [String: Date] = [:]
        for line in jsonLines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let host = object["host"] as? String, let event = object["event"] as? String,
                  let type = object["type"] as? String, let time = (object["time"] as? String).flatMap(formatter.date) else { continue }
            if event == "BlockTraffic", type == "event_finished" { blocked[host] = time }
            if event == "AllowTraffic", type == "event_started", let from = blocked.removeValue(forKey: host) {
                windows[host, default: []].append((from, time))
            }
        }
        for (host, from) in blocked { windows[host, default: []].append((from, .distantFuture)) }
    }

    /// Responses served by a host while it was out of rotation.
    func violations(_ responses: [TrafficLoad.Response]) -> [TrafficLoad.Response] {
        responses.filter { r in
            guard r.ok, let host = r.host else { return false }
            return (windows[host] ?? []).contains { r.start > $0.0 && r.end < $0.1 }
        }
    }
}
