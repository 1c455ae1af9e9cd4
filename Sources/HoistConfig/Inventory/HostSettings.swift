import HoistCore

/// The connection settings an inventory, its defaults, an Ansible group or an ssh_config block
/// may give for a host, each optional so that layers can be stacked: a value set in a higher
/// layer wins, a missing one falls through to the next.
struct HostSettings: Sendable, Hashable {
    var address: String?
    var port: Int?
    var user: String?
    var identityFiles: [String]?
    var knownHostsFile: String?
    var hostKeyChecking: HostKeyChecking?
    /// Hop specifications as written (`bastion`, `root@10.0.0.1:2222`); [] means no jump.
    var jump: [String]?
    /// Where `jump` was written: a hop is judged only once the inventory's hosts are known,
    /// and a bad one is reported there (a group's vars line, an ssh_config line), not at
    /// every host it reached.
    var jumpPlace: SettingPlace?
    var become: Bool?
    var deploymentRoot: String?
    var passwordEnv: String?

    /// These settings, with every missing value taken from `lower`.
    func over(_ lower: HostSettings) -> HostSettings {
        HostSettings(
            address: address ?? lower.address, port: port ?? lower.port, user: user ?? lower.user,
            identityFiles: identityFiles ?? lower.identityFiles,
            knownHostsFile: knownHostsFile ?? lower.knownHostsFile,
            hostKeyChecking: hostKeyChecking ?? lower.hostKeyChecking, jump: jump ?? lower.jump,
            jumpPlace: jump != nil ? jumpPlace : lower.jumpPlace,
            become: become ?? lower.become, deploymentRoot: deploymentRoot ?? lower.deploymentRoot,
            passwordEnv: passwordEnv ?? lower.passwordEnv)
    }
}

/// Where a setting was written, in the inventory or in the ssh_config it reads.
struct SettingPlace: Sendable, Hashable {
    var file: String
    var line: Int?
    var column: Int?
    var keyPath: String
}

/// One host as an inventory parser read it, before defaults, ssh_config and jump hosts are
/// resolved into a `HostSpec`.
struct HostDraft: Sendable {
    var name: String
    var settings: HostSettings
    var tags: [Tag]
    /// Where the host was written, for diagnostics found while resolving it.
    var line: Int?
    var column: Int?
    var keyPath: String
    /// Ansible's rule: a host without `ansible_host` (nor an ssh_config `HostName`) is
    /// reached at its name.
    var nameIsAddress = false
}

/// Turns a path written in a config file into an absolute one: `~` is the home folder and
/// relative paths are relative to the folder of the file that wrote them. `.` and `..` are
/// folded away by text alone (symbolic links are not followed), so messages show short paths.
struct PathResolver: Sendable, Hashable {
    var baseDirectory: String
    var homeDirectory: String

    func resolve(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return Self.normalize(homeDirectory + path.dropFirst(1)) }
        if path.hasPrefix("/") || baseDirectory.isEmpty { return Self.normalize(path) }
        return Self.normalize(baseDirectory + "/" + path)
    }

    static func normalize(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
