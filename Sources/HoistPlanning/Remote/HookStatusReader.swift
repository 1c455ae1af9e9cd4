/// How the hook wrapper said the script ended.
public enum HookResultLine: Sendable, Hashable {
    case exited(Int32)
    case missing
    case notExecutable
    case timedOut(Int32)
    case outputsLeftOpen(Int32, pids: [Int])
    case wrapperError(String)
    /// Stopped by `killCommand` (a second Ctrl-C or an immediate `hoist stop`).
    case killed(Int32)
}

/// What the wrapper found out about a failed `runas` script's user.
public enum RunAsUserState: Sendable, Hashable {
    case loginShell(String)
    case noSuchUser
}

/// Reads the hook wrapper's stderr: tells the wrapper's own lines from the script's output.
///
/// The wrapper's first line is `marker` and a key it read from the kernel's random UUID for
/// this run; each of its later lines is `marker`, the key, a space and the status. The script
/// never sees the key, so a line it prints (whatever it looks like) stays output, and a run
/// whose wrapper died without its final line ends with no result rather than a forged one.
/// Lines before the key line (a noisy login shell) are output too.
public struct HookStatusReader: Sendable {
    /// Starts with an ASCII record separator so that no ordinary output line looks like it.
    public static let marker = "\u{1e}HOIST-HOOK "

    public private(set) var key: String?
    public private(set) var result: HookResultLine?
    public private(set) var runAsUser: RunAsUserState?

    public init() {}

    /// True once the wrapper has announced its key: the script's scratch files exist, so it
    /// can be killed from another channel.
    public var started: Bool { key != nil }

    /// Feeds one stderr line; returns the part that is the script's output (the whole line
    /// for most, nil for the wrapper's own lines).
    public mutating func read(_ line: String) -> String? {
        guard let key else {
            if line.hasPrefix(Self.marker), Self.isKey(line.dropFirst(Self.marker.count)) {
                self.key = String(line.dropFirst(Self.marker.count))
                return nil
            }
            return line
        }
        // A killed relay can leave a partial line in front of the wrapper's line.
        guard let range = line.firstRange(of: Self.marker + key + " ") else { return line }
        let words = line[range.upperBound...].split(separator: " ").map(String.init)
        if words.first == "runas" {
            if words.count == 2, words[1] == "nouser" { runAsUser = .noSuchUser }
            if words.count >= 3, words[1] == "shell" { runAsUser = .loginShell(words[2...].joined(separator: " ")) }
        } else if let parsed = Self.status(words) {
            result = parsed
        }
        let before = line[..<range.lowerBound]
        return before.isEmpty ? nil : String(before)
    }

    /// A key as `/proc/sys/kernel/random/uuid` gives it: 36 characters of hex and dashes.
    static func isKey(_ text: Substring) -> Bool {
        text.utf8.count == 36 && text.utf8.allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    static func status(_ words: [String]) -> HookResultLine? {
        guard let kind = words.first else { return nil }
        let rc = words.count > 1 ? Int32(words[1]) ?? -1 : -1
        switch kind {
        case "exited": return .exited(rc)
        case "missing": return .missing
        case "notexec": return .notExecutable
        case "timedout": return .timedOut(rc)
        case "leftopen": return .outputsLeftOpen(rc, pids: words.dropFirst(2).compactMap { Int($0) })
        case "killed": return .killed(rc)
        case "error": return .wrapperError(words.dropFirst().joined(separator: " "))
        default: return nil
        }
    }
}
