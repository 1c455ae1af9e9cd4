import Foundation
import HoistTestSupport
import Testing

/// `hoist deploy` on the local fleet under each deployment configuration: how many hosts it
/// takes out at once, and the overall verdict CodeDeploy gives when hooks fail on some hosts.
@Suite("Deploy: configurations and verdicts on the fleet")
struct DeployConfigTests {
    struct ConfigCase: Sendable, CustomTestStringConvertible {
        var config: String
        var hosts: Int
        /// Hosts in flight at once, at most: healthy at start − minimum healthy.
        var limit: Int
        var testDescription: String { "\(config) on \(hosts) hosts" }
    }

    static let configs = [
        ConfigCase(config: "OneAtATime", hosts: 3, limit: 1),
        ConfigCase(config: "HalfAtATime", hosts: 4, limit: 2),
        ConfigCase(config: "AllAtOnce", hosts: 3, limit: 3),
        ConfigCase(config: "{name: KeepOne, minimum_healthy_hosts: {type: HOST_COUNT, value: 1}}", hosts: 3, limit: 2),
        // 20% of 4 rounds up to 1 host that must stay healthy.
        ConfigCase(config: "{name: Fifth, minimum_healthy_hosts: {type: FLEET_PERCENT, value: 20}}", hosts: 4, limit: 3),
    ]

    @Test(arguments: configs)
    func concurrencyStaysWithinTheConfiguration(_ c: ConfigCase) async throws {
        try await DeployScenario.with("config", hosts: c.hosts) { s in
            try s.writePlaybook(config: c.config)
            var revision = Revision()
            revision.observe(["ValidateService"])
            let outcome = try await s.deploy(try s.revision("v1", revision))

            #expect(outcome.status == 0, "\(outcome.description)")
            #expect(outcome.deploymentStatus == "Succeeded")
            #expect(outcome.started?["max_concurrency"] as? Int == c.limit)
            #expect(outcome.startedHosts.sorted() == s.names, "every host was deployed to")
            #expect(outcome.maxInFlight <= c.limit, "at most \(c.limit) hosts at once: \(outcome.description)")
            #expect(outcome.maxInFlight >= 1)
            for host in s.names {
                #expect(outcome.hostStatuses[host] == "Succeeded")
                #expect(s.observed(host, "ValidateService")["DEPLOYMENT_ID"] == outcome.deploymentID, "\(host) ran the hook")
            }
        }
    }

    struct VerdictCase: Sendable, CustomTestStringConvertible {
        var name: String
        var config: String
        var hosts: Int
        /// Indexes (in deployment order) of hosts whose ApplicationStart fails.
        var failing: Set<Int>
        var exit: Int32
        var status: String
        var errorCode: String?
        /// Final status of each host, in deployment order.
        var hostStatuses: [String]
        var testDescription: String { name }
    }

    static let verdicts = [
        VerdictCase(name: "HalfAtATime, 1 of 4 fails: Succeeded", config: "HalfAtATime", hosts: 4, failing: [2],
                    exit: 0, status: "Succeeded", errorCode: nil,
                    hostStatuses: ["Succeeded", "Succeeded", "Failed", "Succeeded"]),
        VerdictCase(name: "HalfAtATime, the first 2 of 4 fail: Failed, the rest Skipped", config: "HalfAtATime", hosts: 4,
                    failing: [0, 1], exit: 3, status: "Failed", errorCode: "HEALTH_CONSTRAINTS",
                    hostStatuses: ["Failed", "Failed", "Skipped", "Skipped"]),
        VerdictCase(name: "AllAtOnce, all fail: Failed", config: "AllAtOnce", hosts: 3, failing: [0, 1, 2],
                    exit: 3, status: "Failed", errorCode: "HEALTH_CONSTRAINTS", hostStatuses: ["Failed", "Failed", "Failed"]),
        VerdictCase(name: "AllAtOnce, 2 of 3 fail: Succeeded", config: "AllAtOnce", hosts: 3, failing: [0, 1],
                    exit: 0, status: "Succeeded", errorCode: nil, hostStatuses: ["Failed", "Failed", "Succeeded"]),
        VerdictCase(name: "OneAtATime, the last fails: Succeeded", config: "OneAtATime", hosts: 3, failing: [2],
                    exit: 0, status: "Succeeded", errorCode: nil, hostStatuses: ["Succeeded", "Succeeded", "Failed"]),
        VerdictCase(name: "OneAtATime, the first fails: Failed, the rest Skipped", config: "OneAtATime", hosts: 3, failing: [0],
                    exit: 3, status: "Failed", errorCode: "HEALTH_CONSTRAINTS", hostStatuses: ["Failed", "Skipped", "Skipped"]),
    ]

    @Test(arguments: verdicts)
    func failingHooksGiveCodeDeploysVerdict(_ c: VerdictCase) async throws {
        try await DeployScenario.with("verdict", hosts: c.hosts) { s in
            try s.writePlaybook(config: c.config)
            for index in c.failing { try s.put(s.names[index], "/etc/hoist-test/\(s.application).fail", "") }
            var revision = Revision()
            revision.hook("ApplicationStart", "scripts/start.sh", body: """
                if [ -e "/etc/hoist-test/$APPLICATION_NAME.fail" ]; then echo "failing on purpose" >&2; exit 7; fi
                """)
            let outcome = try await s.deploy(try s.revision("v1", revision))

            #expect(outcome.status == c.exit, "\(outcome.description)")
            #expect(outcome.deploymentStatus == c.status)
            #expect(outcome.deploymentErrorCode == c.errorCode)
            #expect(s.names.map { outcome.hostStatuses[$0] ?? "missing" } == c.hostStatuses)
            for (index, host) in s.names.enumerated() {
                switch c.hostStatuses[index] {
                case "Failed":
                    let start = outcome.event(host, "ApplicationStart")
                    #expect(start?["status"] as? String == "Failed")
                    #expect(start?["error_code"] as? String == "ScriptFailed")
                    #expect((start?["message"] as? String)?.contains("failed with exit code 7") == true)
                    #expect(!outcome.eventStarted(host, "ValidateService"), "nothing runs after a failed event")
                    #expect(outcome.eventStatus(host, "ValidateService") == "Skipped")
                    #expect(outcome.hostFinished(host)?["error_code"] as? String == "ScriptFailed")
                case "Skipped":
                    #expect(!outcome.startedHosts.contains(host), "a skipped host is never started")
                    #expect(s.deploymentDirs(host).isEmpty, "nothing was put on a skipped host")
                default:
                    #expect(outcome.eventStatus(host, "ApplicationStart") == "Succeeded")
                }
            }
        }
    }

    @Test func tooFewHealthyHostsToStartExitsFiveAndTouchesNoHost() async throws {
        try await DeployScenario.with("nostart", hosts: 2) { s in
            try s.writePlaybook(config: "{name: KeepAll, minimum_healthy_hosts: {type: HOST_COUNT, value: 2}}")
            var revision = Revision()
            revision.observe(["BeforeInstall"])
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 5, "\(outcome.description)")
            #expect(outcome.deploymentStatus == "Failed")
            #expect(outcome.deploymentErrorCode == "HEALTH_CONSTRAINTS_INVALID")
            #expect(outcome.startedHosts.isEmpty)
            for host in s.names { #expect(s.deploymentDirs(host).isEmpty, "nothing was put on \(host)") }
        }
    }

    @Test func invalidInputExitsTwoAndTouchesNoHost() async throws {
        try await DeployScenario.with("invalid", hosts: 1) { s in
            try s.writePlaybook()
            let path = try s.revision("v1", Revision())
            let outcome = try await s.deploy(path, "--config", "TwoAtATime")
            #expect(outcome.status == 2, "\(outcome.description)")
            #expect(outcome.stderr.contains("--config: 'TwoAtATime' is not a predefined deployment configuration"))
            // --json's promise: the stream ends with an error object, even when nothing started.
            #expect(outcome.events.map { $0["type"] as? String } == ["error"], "\(outcome.events)")
            #expect(outcome.events.first?["exit_code"] as? Int == 2)
            #expect(!s.exists(s.names[0], s.groupDir))
        }
    }
}
