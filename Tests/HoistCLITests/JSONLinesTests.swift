import Foundation
import HoistCore
import HoistEngine
import Testing
@testable import HoistCLI

/// `--json` writes its objects by hand, for speed; its bytes stay those JSONSerialization
/// wrote with `.sortedKeys` (key order, escapes, numbers) and its times those of
/// ISO8601DateFormatter, so that no reader of it sees a change.
@Suite struct JSONLinesTests {
    static let time = Date(timeIntervalSince1970: 1_796_434_262.0476)
    static let text = "a \"quoted\" path/to\\file\t\u{1b}[2J é😀 \u{8}\u{c}\u{7f}"

    /// One event of every kind `--json` writes, with hostile text and host names whose order
    /// JSONSerialization decides by number and without case.
    static let events: [DeploymentEvent] = [
        .deploymentStarted(DeploymentStart(id: "d-ABCDEFGH1", application: "shop/app", deploymentGroup: "web", revision: text,
                                           revisionSHA256: "ab12", config: "CodeDeployDefault.OneAtATime", hosts: ["h10", "h9", "H1"],
                                           maxConcurrency: 1, minimumHealthy: 2, time: time)),
        .phaseStarted(PhaseStart(name: "Install on green", detail: text, hosts: ["h5", "h6"], time: time)),
        .hostStarted(host: "h1", time: time),
        .eventStarted(host: "h1", event: .afterInstall, time: time, scriptsFrom: EventScripts(source: .lastSuccessful, folder: "d-PREVIOUS1")),
        .output(host: "h1", event: .afterInstall, line: OutputLine(.stdout, text), time: time),
        .output(host: "h1", event: .afterInstall, line: OutputLine(.stderr, "plain"), time: time),
        .eventFinished(host: "h1", event: .afterInstall, outcome: EventOutcome(
            status: .failed, errorCode: .scriptFailed, message: text, scriptName: "scripts/af.sh",
            start: time, end: time.addingTimeInterval(0.1 + 0.2))),
        .eventFinished(host: "h1", event: .install, outcome: EventOutcome(status: .succeeded, start: time, end: time.addingTimeInterval(2))),
        .uploadProgress(host: "h1", bytesSent: 5_000_000, totalBytes: 5_000_000),
        .hostFinished(host: "h1", status: .failed, errorCode: .scriptFailed, message: text, time: time),
        .deploymentFinished(DeploymentVerdictSummary(
            id: "d-ABCDEFGH1", status: .failed, errorCode: .healthConstraints, message: text,
            hostStatuses: ["h10": .failed, "h9": .succeeded, "H1": .skipped, "h_1": .succeeded, "h-1": .failed, "ha": .succeeded],
            time: time)),
        .alarmChanged(AlarmChange(check: "api", state: .alarm, previous: .ok, reason: text, time: time)),
    ]

    @Test(arguments: events)
    func eachObjectHasTheBytesJSONSerializationWrote(_ event: DeploymentEvent) throws {
        let line = try #require(JSONLinesReporter.line(event, deploymentID: "d-ABCDEFGH1")).text
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        let again = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        #expect(line == String(decoding: again, as: UTF8.self))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        // An event's end is its start plus its duration.
        let times = [0, 0.1 + 0.2, 2].map { formatter.string(from: Self.time.addingTimeInterval($0)) }
        if let time = object["time"] as? String { #expect(times.contains(time), "\(time) not in \(times)") }
    }

    @Test func anOutputLineHasItsDocumentedKeys() throws {
        let line = try #require(JSONLinesReporter.line(Self.events[5], deploymentID: "d-ABCDEFGH1")).text
        #expect(line == #"{"deployment":"d-ABCDEFGH1","event":"AfterInstall","host":"h1","stream":"stderr","text":"plain","#
                + #""time":"2026-12-05T01:31:02.048Z","type":"output"}"#)
    }

    @Test func uploadProgressShortOfTheWholeBundleAndNoticesAreLeftOut() {
        #expect(JSONLinesReporter.line(.uploadProgress(host: "h1", bytesSent: 1, totalBytes: 2), deploymentID: "d-1") == nil)
        #expect(JSONLinesReporter.line(.notice(.rollbackImpossible("no")), deploymentID: "d-1") == nil)
    }
}
