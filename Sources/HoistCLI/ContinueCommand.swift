import ArgumentParser

/// `hoist continue ID`: lets a blue/green deployment that waits (`ready_wait`) move traffic.
struct ContinueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "continue",
        abstract: "Let a waiting blue/green deployment move traffic to its replacement fleet.",
        discussion: "Run on the machine the deployment runs on; it polls for the signal.")

    @Argument(help: "The deployment ID (d-...).")
    var id: String

    func run() throws {
        try ContinueSignalFile.signal(id: id)
        print("signalled \(id): it moves traffic within a second if it is still waiting")
    }
}
