import ArgumentParser

/// The `hoist` command: an agentless deployment coordinator. Subcommands are registered here.
public struct HoistCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hoist",
        abstract: "Agentless CodeDeploy-compatible deployments over SSH.",
        subcommands: [
            DeployCommand.self, ValidateCommand.self, PlanCommand.self, BundleCommand.self, HostsCommand.self,
            ListCommand.self, ShowCommand.self, LogsCommand.self, ContinueCommand.self,
        ]
    )
    public init() {}
}
