import Foundation

/// A fleet host whose SSH sessions find none of some programs, as on a host without them:
/// without perl (Alpine, a minimal image) Hoist runs hooks in the POSIX sh wrapper, not the
/// perl runner; without bash it runs every command on an exec channel of its own, not in the
/// resident shell. The hosts share the machine's /usr, so nothing can be removed; instead
/// root's ~/.bashrc (which bash, root's login shell, reads for the commands sshd starts, and
/// whose PATH the resident shell keeps) ends by setting PATH to a folder in the host's private
/// /opt of links to every other program. What the file held before stays in front.
///
/// Every SSH session on the host sees the change, not only the test's: use it through
/// `HostOutages.withHiddenPrograms`, which keeps it apart from the tests deploying to the
/// whole fleet. A traffic deployment whose session to the host started while perl was hidden
/// kept that PATH; once the folder was removed, its commands there failed ("sh: No such file").
struct HiddenPrograms {
    let bashrc: URL
    let folder: URL
    let previous: Data?

    /// Hides every program whose name starts with one of `names` (`perl` hides perl5.36 too).
    init(_ names: [String], on host: String) throws {
        let fm = FileManager.default
        bashrc = FleetControl.url(host, "/root/.bashrc")
        folder = FleetControl.url(host, "/opt/hoist-hidden-programs")
        previous = fm.contents(atPath: bashrc.path)
        try? fm.removeItem(at: folder)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for source in ["/usr/sbin", "/usr/bin"] {
            for name in (try? fm.contentsOfDirectory(atPath: source)) ?? [] where !names.contains(where: name.hasPrefix) {
                try? fm.createSymbolicLink(atPath: folder.appendingPathComponent(name).path, withDestinationPath: source + "/" + name)
            }
        }
        let before = previous.map { String(decoding: $0, as: UTF8.self) }.map { $0.isEmpty || $0.hasSuffix("\n") ? $0 : $0 + "\n" } ?? ""
        try (before + "PATH=/opt/hoist-hidden-programs; export PATH\n").write(to: bashrc, atomically: true, encoding: .utf8)
    }

    func restore() {
        if let previous { try? previous.write(to: bashrc) } else { try? FileManager.default.removeItem(at: bashrc) }
        try? FileManager.default.removeItem(at: folder)
    }
}
