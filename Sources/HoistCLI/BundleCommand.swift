import ArgumentParser
import Foundation
import HoistArchive

/// `hoist bundle DIR --output FILE`: builds the reproducible archive a directory revision is
/// deployed as, and prints its SHA-256. `--inspect FILE` (hidden, for tooling and the memory
/// benchmark) validates an existing bundle without unpacking it.
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Build a reproducible revision bundle from a directory.",
        discussion: """
            The archive format follows the output's extension (.tar, .tar.gz/.tgz, .tar.zst, .zip). \
            Entries are sorted, owners are 0/0 and times are SOURCE_DATE_EPOCH (or 0), so the same \
            directory always gives the same bytes. The directory must hold appspec.yml or appspec.yaml \
            and nothing unsafe (symlinks leaving it, devices, FIFOs, sockets).
            Exit codes: 0 written, 2 invalid input (every problem is listed), 1 other failures.
            """)

    @Argument(help: "The revision directory (or, with --inspect, a bundle file or directory).", completion: Completions.revision)
    var input: String

    @Option(name: [.short, .long], help: "The archive to write.")
    var output: String?

    @Flag(help: "Keep the files' numeric owners instead of 0/0.")
    var keepOwners = false

    @Flag(help: "Keep the files' modification times instead of a fixed time.")
    var keepTimes = false

    @Flag(help: .hidden)
    var inspect = false

    @Flag(help: .hidden)
    var json = false

    init() {}

    func run() throws {
        do {
            if inspect {
                try printInspection(BundleReader.inspect(path: input, limits: try configuredBundleLimits()))
                return
            }
            guard let output else {
                throw CommandFailure(message: "missing --output FILE (for example: hoist bundle \(input) --output app.tar.gz)", exitCode: .invalidInput)
            }
            var options = BundleWriteOptions(keepOwners: keepOwners, keepTimes: keepTimes)
            options.limits = try configuredBundleLimits()
            let result = try BundleWriter.write(directory: input, to: output, options: options)
            Console.shared.out("\(result.sha256)  \(result.path)")
        } catch let error as BundleError {
            Console.shared.err("error: \(error)")
            throw error.isInvalidInput ? ExitCode.invalidInput : ExitCode.failure
        } catch is InvalidInput {
            throw ExitCode.invalidInput
        } catch let failure as CommandFailure {
            Console.shared.err("error: \(failure.message)")
            throw failure.exitCode
        }
    }

    private func printInspection(_ inspection: BundleInspection) throws {
        if json {
            Console.shared.out(try CommandJSON.encode(inspection))
            return
        }
        Console.shared.out("format: \(inspection.format.rawValue)")
        Console.shared.out("sha256: \(inspection.sha256 ?? "-")")
        Console.shared.out("entries: \(inspection.entryCount)")
        Console.shared.out("expanded size: \(inspection.expandedSize) bytes")
        Console.shared.out("stripped prefix: \(inspection.strippedPrefix ?? "-")")
        Console.shared.out("appspec: \(inspection.appSpecName ?? "none")")
    }
}

/// A command-line error that is not a library error, with the exit code it maps to.
private struct CommandFailure: Error {
    var message: String
    var exitCode: ExitCode
}
