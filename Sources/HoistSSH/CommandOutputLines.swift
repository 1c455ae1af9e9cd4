import HoistCore

/// Turns a remote command's two streams into output lines, and takes the process group the
/// command wrapper announces on stderr before the command starts (so the command cannot forge
/// it; anything before it, such as a noisy login shell, is passed on). The exec-channel
/// runner and the resident shell both read commands through it.
struct CommandOutputLines {
    private var out = LineSplitter()
    private var err = LineSplitter()
    private(set) var processGroup: Int32?

    mutating func feed(_ stream: Int, _ bytes: UnsafeRawBufferPointer, _ onOutput: (OutputLine) -> Void) {
        if stream == 0 {
            out.feed(bytes) { onOutput(OutputLine(.stdout, $0)) }
            return
        }
        var group = processGroup
        err.feed(bytes) { Self.stderrLine($0, group: &group, onOutput) }
        processGroup = group
    }

    /// Passes on the last lines that had no newline.
    mutating func finish(_ onOutput: (OutputLine) -> Void) {
        out.finish { onOutput(OutputLine(.stdout, $0)) }
        var group = processGroup
        err.finish { Self.stderrLine($0, group: &group, onOutput) }
        processGroup = group
    }

    private static func stderrLine(_ line: String, group: inout Int32?, _ onOutput: (OutputLine) -> Void) {
        if group == nil, let announced = RemoteCommandWrapper.processGroup(fromMarker: line) {
            group = announced
            return
        }
        onOutput(OutputLine(.stderr, line))
    }
}
