import Foundation

/// A fleet host whose root logs in with another shell (fish, tcsh), as `chsh` on a real
/// server leaves it, with that shell's startup file. /etc is shared by the fleet's hosts and
/// the machine, so the host gets a passwd of its own: a copy with root's shell changed,
/// bind-mounted over /etc/passwd in the host's mount namespace only. Every session on the
/// host gets it: use it through `HostOutages.withLoginShell`.
struct LoginShell {
    let host: String
    let startupFile: String

    /// `startup` goes in `startupFile` (under /root), the file that shell reads for every command.
    init(_ shell: String, startupFile: String, startup: String, on host: String) throws {
        self.host = host
        self.startupFile = startupFile
        guard FileManager.default.isExecutableFile(atPath: shell) else {
            throw FleetControl.Failed(description: "\(shell) is not installed (scripts/setup installs it)")
        }
        let file = FleetControl.url(host, "/root/" + startupFile)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try startup.write(to: file, atomically: true, encoding: .utf8)
        let result = try FleetControl.exec(host, """
            sed 's#^\\(root:[^:]*:[^:]*:[^:]*:[^:]*:[^:]*:\\).*#\\1\(shell)#' /etc/passwd >/opt/hoist-passwd \
            && mount --bind /opt/hoist-passwd /etc/passwd && getent passwd root
            """)
        guard result.status == 0, result.stdout.hasSuffix(":\(shell)\n") else {
            restore()
            throw FleetControl.Failed(description: "could not give root on \(host) the login shell \(shell): \(result.stdout)")
        }
    }

    func restore() {
        _ = try? FleetControl.exec(host, "umount /etc/passwd; rm -f /opt/hoist-passwd")
        try? FileManager.default.removeItem(at: FleetControl.url(host, "/root/" + startupFile))
    }
}
