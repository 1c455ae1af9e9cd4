import ArgumentParser

extension HoistCommand {
    /// The process entry point `main.swift` calls. Called from a module that does not import
    /// ArgumentParser, `HoistCommand.main()` resolves to the synchronous overload, which refuses
    /// an async root command; here the async one is chosen.
    public static func runCommandLine() async {
        await (Self.self as any AsyncParsableCommand.Type).main()
    }
}
