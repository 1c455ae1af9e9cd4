import Foundation
import HoistCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange through URLSession (FoundationNetworking on Linux: http and https),
/// with a deadline. Shared by the webhook transport and the http and Prometheus checks.
struct HTTPClient: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// A failure to get any answer: refused, timed out, DNS, TLS.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpShouldSetCookies = false
        return URLSession(configuration: configuration)
    }()

    static func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil,
                     timeoutSeconds: Double) async throws -> Response {
        var request = URLRequest(url: url, timeoutInterval: timeoutSeconds)
        request.httpMethod = method
        request.setValue("hoist", forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        // Ends the call exactly once: with the answer, at the deadline, or on cancellation,
        // whether or not URLSession calls back after its task is cancelled.
        let pending = PendingCall()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, any Error>) in
                let dataTask = session.dataTask(with: request) { data, response, error in
                    if let error {
                        let nsError = error as NSError
                        let text = nsError.code == NSURLErrorTimedOut
                            ? "timed out after \(plainSeconds(timeoutSeconds)) s"
                            : nsError.localizedDescription
                        pending.end(.failure(Failure(description: "\(method) \(url.absoluteString): \(text)")))
                        return
                    }
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    pending.end(.success(Response(status: status, body: data ?? Data())))
                }
                pending.start(continuation, task: dataTask)
                DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds + 1) {
                    pending.end(.failure(Failure(description: "\(method) \(url.absoluteString): timed out after \(plainSeconds(timeoutSeconds)) s")))
                }
            }
        } onCancel: {
            pending.end(.failure(Failure(description: "\(method) \(url.absoluteString): cancelled")))
        }
    }

    /// One request's continuation and task; whoever ends it first wins.
    final class PendingCall: @unchecked Sendable {
        private struct State {
            var continuation: CheckedContinuation<Response, any Error>?
            var task: URLSessionDataTask?
            var early: Result<Response, any Error>?
            var ended = false
        }
        private let state = Locked(State())

        func start(_ continuation: CheckedContinuation<Response, any Error>, task: URLSessionDataTask) {
            let early = state.withLock { s -> Result<Response, any Error>? in
                if let early = s.early { return early }
                s.continuation = continuation
                s.task = task
                return nil
            }
            if let early { continuation.resume(with: early) } else { task.resume() }
        }

        func end(_ result: Result<Response, any Error>) {
            let (continuation, task) = state.withLock { s -> (CheckedContinuation<Response, any Error>?, URLSessionDataTask?) in
                guard !s.ended else { return (nil, nil) }
                s.ended = true
                guard let continuation = s.continuation else {
                    s.early = result
                    return (nil, nil)
                }
                s.continuation = nil
                return (continuation, s.task)
            }
            continuation?.resume(with: result)
            if case .failure = result { task?.cancel() }
        }
    }
}
