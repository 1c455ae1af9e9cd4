import ArgumentParser
import Foundation

extension HoistCommand {
    /// The process entry point `main.swift` calls. Called from a module that does not import
    /// ArgumentParser, `HoistCommand.main()` resolves to the synchronous overload, which refuses
    /// an async root command. Parsing here also maps usage errors (ArgumentParser's 64) to
    /// Hoist's "invalid input" exit code 2.
    public static func runCommandLine(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(ExitCode.invalidInput.rawValue)
        }
    }
}

extension ExitCode {
    /// The user's input (flags, files, configuration) is wrong; nothing was done.
    public static let invalidInput = ExitCode(2)
}
