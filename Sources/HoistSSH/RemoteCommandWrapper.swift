import HoistCore

/// Wraps a command so that its process group can be stopped later. Closing an SSH channel
/// does not stop the remote process, so the wrapper reports the group id (sshd starts each
/// exec in a new session, so the shell's pid is its group id) as the first stderr line, then
/// replaces itself with `sh -c <command>`.
enum RemoteCommandWrapper {
    static let marker = "HOIST-PGID:"

    static func wrap(_ command: String) -> String {
        "printf '%s%s\\n' \(shellQuote(marker)) \"$$\" >&2; exec sh -c \(shellQuote(command))"
    }

    /// The group id when `line` is the wrapper's marker line.
    static func processGroup(fromMarker line: String) -> Int32? {
        guard line.hasPrefix(marker) else { return nil }
        return Int32(line.dropFirst(marker.count))
    }

    /// Signals every process of the group; silent when it is already gone.
    static func killGroup(_ pgid: Int32, signal: String) -> String {
        "kill -\(shellQuote(signal)) -\(pgid) 2>/dev/null; true"
    }
}

/// Splits a byte stream into lines, decoding each whole line once as UTF-8 (invalid bytes
/// become U+FFFD) so that a character split across chunks is never mangled.
struct LineSplitter {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (String) -> Void) {
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            pending.append(contentsOf: bytes[start..<index])
            emit(String(decoding: pending, as: UTF8.self))
            pending.removeAll(keepingCapacity: pending.count <= 4096)
            start = index + 1
        }
        pending.append(contentsOf: bytes[start..<bytes.endIndex])
    }

    /// Emits a last line that had no newline.
    mutating func finish(_ emit: (String) -> Void) {
        if !pending.isEmpty { emit(String(decoding: pending, as: UTF8.self)) }
        pending = []
    }
}
