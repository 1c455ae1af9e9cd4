import Foundation
import HoistTestSupport
import Testing
@testable import HoistCLI

/// A `Console` whose stdout and stderr go to files, read back once the test is done with it
/// (files, not pipes: a test that writes more than a pipe holds must not block).
final class CapturedConsole {
    let console: Console
    private let scratch: ScratchDirectory
    private let out: Int32
    private let err: Int32

    init() throws {
        scratch = try ScratchDirectory("hoist-console")
        out = open(scratch.file("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        err = open(scratch.file("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(out >= 0 && err >= 0)
        console = Console(out: out, err: err)
    }

    deinit {
        close(out)
        close(err)
    }

    /// What was written, once the console's queue (a deployment's output) has drained.
    var stdout: String {
        console.drain()
        return (try? String(contentsOfFile: scratch.file("stdout"), encoding: .utf8)) ?? ""
    }
    var stderr: String {
        console.drain()
        return (try? String(contentsOfFile: scratch.file("stderr"), encoding: .utf8)) ?? ""
    }
}
