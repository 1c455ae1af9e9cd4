import ArgumentParser

/// The `hoist` command: an agentless deployment coordinator. Subcommands are registered here.
public struct HoistCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hoist",
        abstract: "Agentless CodeDeploy-compatible deployments over SSH.",
        version: "hoist \(HoistVersion.current)",
        subcommands: [
            DeployCommand.self, ValidateCommand.self, PlanCommand.self, LocalCommand.self,
            RollbackCommand.self, RedeployCommand.self, StopCommand.self, ContinueCommand.self, LockCommand.self,
            PingCommand.self, ExecCommand.self, BundleCommand.self, HostsCommand.self,
            ListCommand.self, ShowCommand.self, LogsCommand.self, HistoryCommand.self,
        ]
    )
    public init() {}
}
