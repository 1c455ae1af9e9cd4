import Foundation

/// Where a deployment was started from, so a shared history tells a person at a terminal from
/// a CI job or a cron script: the audit trail's "from where".
public enum DeploymentOrigin: String, Sendable, Hashable, Codable, CaseIterable {
    /// A person at a terminal (standard input or error is a terminal).
    case terminal
    /// A CI job (`CI`, `GITHUB_ACTIONS`, `GITLAB_CI`, `JENKINS_URL`, `BUILDKITE` … is set).
    case ci
    /// Neither: cron or another script with no terminal.
    case cron

    /// Tells the origin from the environment and whether a terminal is attached.
    public static func detect(environment: [String: String], isTerminal: Bool) -> DeploymentOrigin {
        let ciMarkers = ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "BUILDKITE", "CIRCLECI", "TEAMCITY_VERSION"]
        if ciMarkers.contains(where: { name in environment[name].map { !$0.isEmpty && $0 != "false" && $0 != "0" } ?? false }) {
            return .ci
        }
        return isTerminal ? .terminal : .cron
    }
}
