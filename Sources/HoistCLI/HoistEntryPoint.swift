import ArgumentParser
import Foundation

extension HoistCommand {
    /// The process entry point `main.swift` calls. Called from a module that does not import
    /// ArgumentParser, `HoistCommand.main()` resolves to the synchronous overload, which refuses
    /// an async root command. Parsing here also maps usage errors (ArgumentParser's 64) to
    /// Hoist's "invalid input" exit code 2.
    public static func runCommandLine(_ arguments: [String]? = nil) async {
        // A reader that goes away (`| head`, a killed `| tee`) must not end Hoist mid-work:
        // writes to it fail instead, and `Console` drops that stream's output.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                Console.shared.err(fullMessage(for: error))
                leave(ExitCode.invalidInput.rawValue)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty {
                Console.shared.write(message, to: code == .success ? STDOUT_FILENO : STDERR_FILENO)
            }
            JSONEnding.shared.finish(exitCode: code.rawValue)
            leave(code.rawValue)
        }
        // `hoist show ID --json > report.json` on a full disk must not look like a success.
        if let lost = Console.shared.lostOutput {
            Console.shared.err("hoist: could not write the output: \(lost)")
            leave(HoistExitCode.commandFailed.rawValue)
        }
        leave(0)
    }

    /// Ends the process without running exit handlers: libssh2's and OpenSSL's cleanup must
    /// not race SSH threads that are still winding down. Everything Hoist writes is already on
    /// disk or flushed here.
    static func leave(_ code: Int32) -> Never {
        Console.shared.drain()  // a deployment's queued output
        fflush(nil)  // every C stream (print() goes through stdout's buffer)
        _exit(code)
    }
}

extension ExitCode {
    /// The user's input (flags, files, configuration) is wrong; nothing was done.
    public static let invalidInput = ExitCode(2)
}
