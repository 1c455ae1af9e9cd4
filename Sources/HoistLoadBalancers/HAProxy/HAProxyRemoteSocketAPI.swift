import HoistCore

/// The runtime API on a unix socket of another host, reached through a `HostSession`: the
/// command is piped into the socket by a small program on that host. The host needs one of
/// python3, socat or `nc -U` (OpenBSD netcat); Debian's minimal images have none of them by
/// default, so install one (`apt-get install python3-minimal` or `socat`).
public struct HAProxyRemoteSocketAPI: HAProxyRuntimeAPI {
    public var hostName: String
    public var socketPath: String
    public var timeoutSeconds: Double
    private let sessionFor: @Sendable (String) async throws -> any HostSession

    /// `sessionFor` is asked for a session to `hostName` on every command; callers that care
    /// about connection reuse hand in a closure that caches.
    public init(hostName: String, socketPath: String, timeoutSeconds: Double = 30,
                sessionFor: @escaping @Sendable (String) async throws -> any HostSession) {
        self.hostName = hostName
        self.socketPath = socketPath
        self.timeoutSeconds = timeoutSeconds
        self.sessionFor = sessionFor
    }

    public var location: String { "\(socketPath) on \(hostName)" }

    public func send(_ command: String) async throws -> String {
        let session = try await sessionFor(hostName)
        let script = HAProxyRemoteCommand.render(command: command, socketPath: socketPath, timeoutSeconds: timeoutSeconds)
        let (result, stdout, stderr) = try await session.capture(script, timeoutSeconds: timeoutSeconds + 5)
        guard result.succeeded else {
            let reason = stderr.split(separator: "\n").last.map(String.init)
                ?? (result.timedOut ? "timed out" : "exit status \(result.exitStatus.map(String.init) ?? "none")")
            throw SocketExchangeError(message: "connect to \(socketPath) on \(hostName) failed: \(reason)")
        }
        return stdout
    }
}

/// The shell text that sends one runtime API command to a unix socket on a remote host.
/// Pure, so tests compare it as a string; every value goes through `shellQuote`.
public enum HAProxyRemoteCommand {
    /// Exit status of the rendered script when the host has none of the tools it needs.
    public static let missingToolStatus: Int32 = 127

    /// The python3 program: argv[1] is the socket path, argv[2] the command.
    static let pythonProgram = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(float(sys.argv[3]))
        s.connect(sys.argv[1])
        s.sendall(sys.argv[2].encode() + b"\\n")
        while True:
            data = s.recv(65536)
            if not data:
                break
            sys.stdout.buffer.write(data)
        """

    public static func render(command: String, socketPath: String, timeoutSeconds: Double = 30) -> String {
        let seconds = String(Int(timeoutSeconds.rounded(.up)))
        return [
            "sock=\(shellQuote(socketPath)); cmd=\(shellQuote(command))",
            "if command -v python3 >/dev/null 2>&1; then",
            "  python3 -c \(shellQuote(pythonProgram)) \"$sock\" \"$cmd\" \(seconds)",
            "elif command -v socat >/dev/null 2>&1; then",
            "  printf '%s\\n' \"$cmd\" | socat -t \(seconds) - \"UNIX-CONNECT:$sock\"",
            "elif command -v nc >/dev/null 2>&1; then",
            "  printf '%s\\n' \"$cmd\" | nc -w \(seconds) -U \"$sock\"",
            "else",
            "  echo 'hoist needs python3, socat or nc -U on this host to reach the HAProxy admin socket' >&2; exit \(missingToolStatus)",
            "fi",
        ].joined(separator: "\n")
    }
}
