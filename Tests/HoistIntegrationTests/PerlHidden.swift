import Foundation

/// A fleet host whose SSH sessions find no perl, as on a host without it (Alpine, a minimal
/// image): Hoist then runs hooks there in the POSIX sh wrapper, not the perl runner. The
/// hosts share the machine's /usr, so perl cannot be removed; instead root's ~/.bashrc
/// (which bash reads for the commands sshd starts, and whose PATH the resident shell keeps)
/// sets PATH to a folder in the host's private /opt of links to every other program.
struct PerlHidden {
    let bashrc: URL
    let folder: URL
    let previous: Data?

    init(on host: String) throws {
        let fm = FileManager.default
        bashrc = FleetControl.url(host, "/root/.bashrc")
        folder = FleetControl.url(host, "/opt/hoist-no-perl")
        previous = fm.contents(atPath: bashrc.path)
        try? fm.removeItem(at: folder)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for source in ["/usr/sbin", "/usr/bin"] {
            for name in (try? fm.contentsOfDirectory(atPath: source)) ?? [] where !name.hasPrefix("perl") {
                try? fm.createSymbolicLink(atPath: folder.appendingPathComponent(name).path, withDestinationPath: source + "/" + name)
            }
        }
        try "PATH=/opt/hoist-no-perl; export PATH\n".write(to: bashrc, atomically: true, encoding: .utf8)
    }

    func restore() {
        if let previous { try? previous.write(to: bashrc) } else { try? FileManager.default.removeItem(at: bashrc) }
        try? FileManager.default.removeItem(at: folder)
    }
}
