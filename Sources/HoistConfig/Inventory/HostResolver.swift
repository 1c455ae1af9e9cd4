import HoistCore

/// Turns drafts into `HostSpec`s: layers the host's own settings over the inventory defaults
/// over ssh_config over Hoist's built-in defaults, resolves jump hosts (an inventory host name
/// or `user@host:port`), and reports names `--hosts` could not select again, duplicate names,
/// missing addresses and jump loops.
struct HostResolver {
    let reader: YAMLNodeReader
    let sshConfig: SSHConfig?

    func resolve(_ drafts: [HostDraft], defaults: HostSettings) -> [HostSpec] {
        var seen: [String: HostDraft] = [:]
        var unique: [HostDraft] = []
        for draft in drafts {
            if let problem = NameChecks.hostNameProblem(draft.name) {
                reader.error(line: draft.line, column: draft.column, NameChecks.shown(draft.keyPath),
                             "the host name \"\(NameChecks.shown(draft.name))\" cannot be used: \(problem)",
                             hint: "use letters, digits, '.', '_' and '-' (not first); --hosts reads , = * ? [ ] \\ and a leading ! & ~ as pattern syntax")
                continue
            }
            if let first = seen[draft.name] {
                let place = first.line.map { " (first defined at line \($0))" } ?? ""
                reader.error(line: draft.line, column: draft.column, draft.keyPath,
                             "duplicate host name '\(draft.name)'\(place)", hint: "host names must be unique in an inventory")
                continue
            }
            seen[draft.name] = draft
            unique.append(draft)
        }

        var settingsByName: [String: HostSettings] = [:]
        var specs: [HostSpec] = []
        for draft in unique {
            var settings = draft.settings.over(defaults)
            if let sshConfig {
                let names = [draft.name] + (settings.address.map { [$0] } ?? [])
                settings = settings.over(Self.settings(from: sshConfig.options(for: names)))
            }
            if settings.address == nil, draft.nameIsAddress { settings.address = draft.name }
            guard let address = settings.address else {
                reader.error(line: draft.line, column: draft.column, draft.keyPath,
                             "host '\(draft.name)' has no address", hint: "add 'address: <IP or DNS name>'")
                continue
            }
            if let problem = NameChecks.addressProblem(address) {
                reader.error(line: draft.line, column: draft.column, draft.keyPath,
                             "host '\(draft.name)' has the address '\(address)': \(problem)", hint: "give an IP address or a DNS name")
                continue
            }
            if let user = settings.user, let problem = NameChecks.userProblem(user) {
                reader.error(line: draft.line, column: draft.column, draft.keyPath,
                             "host '\(draft.name)' has the user '\(user)': \(problem)", hint: "give the SSH user's name")
                continue
            }
            settingsByName[draft.name] = settings
            specs.append(HostSpec(
                name: draft.name, address: address, port: settings.port ?? 22, user: settings.user ?? "root",
                identityFiles: settings.identityFiles ?? [], knownHostsFile: settings.knownHostsFile,
                hostKeyChecking: settings.hostKeyChecking ?? .strict, jumps: [], become: settings.become ?? false,
                deploymentRoot: settings.deploymentRoot ?? HostSpec.defaultDeploymentRoot, tags: draft.tags,
                passwordEnv: settings.passwordEnv))
        }

        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let draftsByName = Dictionary(unique.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return specs.map { spec in
            var spec = spec
            let draft = draftsByName[spec.name]!
            // A host is never its own jump host: inventory-wide `jump:` defaults name the
            // bastion, which itself is reached directly.
            let settings = settingsByName[spec.name]
            spec.jumps = jumps(settings?.jump ?? [], writtenAt: settings?.jumpPlace, for: draft, byName: byName,
                               settingsByName: settingsByName, visiting: [spec.name])
                .filter { $0.address != spec.address || $0.port != spec.port }
            return spec
        }
    }

    /// The hops in front of a host. A hop naming an inventory host brings that host's own
    /// hops first, as chained ProxyJump does.
    private func jumps(
        _ hops: [String], writtenAt place: SettingPlace?, for draft: HostDraft, byName: [String: HostSpec],
        settingsByName: [String: HostSettings], visiting: Set<String>
    ) -> [JumpHost] {
        var out: [JumpHost] = []
        for hop in hops {
            if hop == draft.name && visiting.count == 1 { continue }
            if let host = byName[hop] {
                guard !visiting.contains(hop) else {
                    reader.error(line: draft.line, column: draft.column, join(draft.keyPath, "jump"),
                                 "jump hosts form a loop through '\(hop)'", hint: "a host cannot be its own jump host")
                    return out
                }
                let settings = settingsByName[hop]
                out += jumps(settings?.jump ?? [], writtenAt: settings?.jumpPlace, for: draft, byName: byName,
                             settingsByName: settingsByName, visiting: visiting.union([hop]))
                out.append(JumpHost(address: host.address, port: host.port, user: host.user))
            } else if let jump = Self.parseHop(hop) {
                let resolved = sshConfig.map { Self.resolve(jump, through: $0) } ?? jump
                if let problem = Self.hopProblem(resolved) {
                    report(at: place, else: draft, "jump host '\(hop)' \(problem)",
                           hint: "name a host of this inventory, or user@host:port with an IP address or a DNS name")
                    continue
                }
                out.append(resolved)
            } else {
                report(at: place, else: draft, "'\(hop)' is neither a host of this inventory nor user@host:port",
                       hint: "the port must be from 1 to 65535")
            }
        }
        return out
    }

    /// Why a hop cannot be used, held to the rules of a host's own address and user (ssh
    /// would read `-oProxyCommand=…` as an option), or nil.
    static func hopProblem(_ jump: JumpHost) -> String? {
        if let problem = NameChecks.addressProblem(jump.address) { return "has the address '\(jump.address)': \(problem)" }
        if let user = jump.user, let problem = NameChecks.userProblem(user) { return "has the user '\(user)': \(problem)" }
        return nil
    }

    /// Reports a bad hop once where it was written (a group's or the defaults' `jump` reaches
    /// many hosts), else at the host.
    private func report(at place: SettingPlace?, else draft: HostDraft, _ message: String, hint: String) {
        let diagnostic = Diagnostic(
            file: place?.file ?? reader.file, line: place?.line ?? draft.line, column: place?.column ?? draft.column,
            keyPath: place?.keyPath ?? join(draft.keyPath, "jump"), message: message, hint: hint)
        if !reader.diagnostics.contains(diagnostic) { reader.append([diagnostic]) }
    }

    /// `host`, `user@host`, `host:port`, `user@[v6]:port`.
    static func parseHop(_ text: String) -> JumpHost? {
        var rest = Substring(text.trimming(" "))
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user!.isEmpty { return nil }
        }
        var host = rest
        var port = 22
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { return nil }
                port = p
            }
        } else if let colon = rest.lastIndex(of: ":"), rest.firstIndex(of: ":") == colon {
            host = rest[..<colon]
            guard let p = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = p
        }
        guard !host.isEmpty, !host.contains(" "), PortNumber.range.contains(port) else { return nil }
        return JumpHost(address: String(host), port: port, user: user)
    }

    /// A hop that is an ssh_config alias (`ProxyJump prod-bastion`) reaches what the alias
    /// names, as ssh does; what the hop spells out itself wins.
    static func resolve(_ jump: JumpHost, through config: SSHConfig) -> JumpHost {
        let options = config.options(for: [jump.address])
        return JumpHost(address: options.hostName ?? jump.address, port: jump.port == 22 ? options.port ?? 22 : jump.port,
                        user: jump.user ?? options.user)
    }

    static func settings(from options: SSHConfig.Options) -> HostSettings {
        HostSettings(
            address: options.hostName, port: options.port, user: options.user,
            identityFiles: options.identityFiles.isEmpty ? nil : options.identityFiles,
            knownHostsFile: options.knownHostsFile, hostKeyChecking: options.hostKeyChecking,
            jump: options.proxyJump, jumpPlace: options.proxyJumpPlace)
    }
}
