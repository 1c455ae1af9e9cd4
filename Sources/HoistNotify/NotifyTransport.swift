import Foundation
import HoistCore

/// Delivers trigger notifications for real: webhooks as HTTP POSTs (2xx is delivered,
/// anything else is an error to retry), commands with `/bin/sh -c` on this machine, the
/// payload on stdin (exit 0 is delivered).
public struct NotifyTransport: TriggerTransport {
    /// Where `secret_env` values are read (the process environment).
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public struct DeliveryError: Error, CustomStringConvertible {
        public var description: String
    }

    public func deliver(_ request: TriggerRequest) async throws {
        let timeout = request.trigger.timeoutSeconds
        switch request.trigger.target {
        case .webhook(let address, let format, let secretEnv):
            guard let url = URL(string: address) else { throw DeliveryError(description: "\(address) is not a URL") }
            var headers = [
                "Content-Type": "application/json",
                "X-Hoist-Event": request.event.rawValue,
                "X-Hoist-Trigger": request.trigger.name,
                "X-Hoist-Format": format.rawValue,
            ]
            if let secretEnv {
                guard let secret = environment[secretEnv], !secret.isEmpty else {
                    throw DeliveryError(description: "the environment variable \(secretEnv) is not set, so the body cannot be signed")
                }
                headers[WebhookSignature.header] = WebhookSignature.value(body: request.body, secret: secret)
            }
            let response = try await HTTPClient.send("POST", url, headers: headers, body: Data(request.body.utf8), timeoutSeconds: timeout)
            guard (200..<300).contains(response.status) else {
                let text = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                throw DeliveryError(description: "HTTP \(response.status)" + (text.isEmpty ? "" : ": \(text)"))
            }
        case .command(let command, let directory):
            let (result, _, stderr) = try await LocalShell.capture(
                "cd \(shellQuote(directory)) && \(command)", environment: request.environment, input: request.body,
                timeoutSeconds: timeout)
            if result.timedOut { throw DeliveryError(description: "timed out after \(plainSeconds(timeout)) s") }
            guard result.exitStatus == 0 else {
                let last = stderr.split(separator: "\n").last.map { ": \($0)" } ?? ""
                throw DeliveryError(description: (result.exitStatus.map { "exit status \($0)" } ?? "killed by \(result.signal ?? "a signal")") + last)
            }
        }
    }
}
