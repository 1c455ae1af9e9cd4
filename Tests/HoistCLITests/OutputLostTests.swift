import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// A command whose result cannot be written (`> report.json` on a full disk) fails, naming
/// why; it used to exit 0 with the file empty. A reader that leaves (`| head`) is no failure.
@Suite struct OutputLostTests {
    @Test func aResultWrittenToAFullDiskIsAFailure() throws {
        let scratch = try ScratchDirectory("hoist-output-lost")
        let revision = try RevisionFixtures.validRevision(in: scratch)
        for arguments in [["validate", revision], ["validate", revision, "--json"]] {
            let out = try HoistBinary.runProgram("/bin/sh", ["-c", "exec \"$@\" > /dev/full", "sh", HoistBinary.path] + arguments,
                                                 environment: ["HOME": scratch.path, "PATH": "/usr/bin:/bin"])
            #expect(out.status == 1, "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains("hoist: could not write the output: No space left on device"), "\(out.stderr)")
        }
    }

    @Test func aReaderThatLeavesIsNoFailure() throws {
        let scratch = try ScratchDirectory("hoist-output-reader-left")
        let revision = try RevisionFixtures.validRevision(in: scratch)
        // A FIFO opened for writing, then its only reader closed: hoist's first write meets EPIPE.
        let script = #"mkfifo "$0/f" && exec 4<>"$0/f" 5>"$0/f" && exec 4<&- && "$@" >&5; echo "status $?""#
        let out = try HoistBinary.runProgram("/bin/sh", ["-c", script, scratch.path, HoistBinary.path, "validate", revision],
                                             environment: ["HOME": scratch.path, "PATH": "/usr/bin:/bin"])
        #expect(out.stdout.contains("status 0"), "\(out.stdout)\(out.stderr)")
        #expect(!out.stderr.contains("could not write"), "\(out.stderr)")
    }
}
