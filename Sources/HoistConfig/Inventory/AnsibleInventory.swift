import HoistCore

/// An Ansible inventory as read from INI or YAML, before it becomes Hoist hosts: groups with
/// their hosts, child groups and vars, and each host's own vars.
///
/// Mapping to Hoist: every group a host belongs to, directly or through `children` (at any
/// depth), becomes a key-only tag (`all` is left out). Vars are layered as Ansible does:
/// `all`, then groups from the outermost to the innermost, then the host's own. Only the
/// connection vars map to Hoist fields (`ansible_host`, `ansible_port`, `ansible_user`,
/// `ansible_ssh_private_key_file`, `ansible_become`, and their `ansible_ssh_*` spellings), as
/// do the ProxyJump and host key options in `ansible_ssh_common_args`/`_extra_args`
/// (`AnsibleSSHArguments`); other vars are not turned into tags, and are ignored.
struct AnsibleInventory {
    struct Value {
        var text: String
        var line: Int?
        var column: Int?
    }

    struct Group {
        var hosts: [String] = []
        /// `hosts` as a set: asking the list whether it holds each new host made a group of
        /// 100,000 hosts take minutes.
        var hostSet: Set<String> = []
        var children: [String] = []
        var vars: [(key: String, value: Value)] = []
    }

    struct Host {
        var line: Int?
        var column: Int?
        var keyPath: String
        var vars: [(key: String, value: Value)] = []
    }

    var groupOrder: [String] = ["all"]
    var groups: [String: Group] = ["all": Group()]
    var hostOrder: [String] = []
    var hosts: [String: Host] = [:]

    mutating func ensureGroup(_ name: String) {
        if groups[name] == nil {
            groups[name] = Group()
            groupOrder.append(name)
        }
    }

    /// Adds the hosts a (possibly ranged) host name expanded to. An `ansible_host` with a
    /// range gives each host its own address, pairwise, as Hoist's `address` does.
    mutating func add(
        hosts names: [String], written nameText: String, to group: String, place: (String) -> Host,
        vars: [(key: String, value: Value)]
    ) throws(HostRange.Invalid) {
        var perHost = Array(repeating: vars, count: names.count)
        for (index, variable) in vars.enumerated()
        where ["ansible_host", "ansible_ssh_host"].contains(variable.key) && HostRange.containsRange(variable.value.text) {
            let addresses = try HostRange.pair(names: names, nameText: nameText, address: variable.value.text)
            for host in names.indices { perHost[host][index].value.text = addresses[host] }
        }
        for (host, name) in names.enumerated() {
            add(host: name, to: group, place: place(name), vars: perHost[host])
        }
    }

    /// Adds a host to a group; a host listed in several groups is one host.
    mutating func add(host name: String, to group: String, place: Host, vars: [(key: String, value: Value)]) {
        ensureGroup(group)
        if groups[group]!.hostSet.insert(name).inserted { groups[group]!.hosts.append(name) }
        if hosts[name] == nil {
            hosts[name] = place
            hostOrder.append(name)
        }
        hosts[name]!.vars += vars
    }

    /// The groups containing each group, transitively, with their depth below `all`.
    private func depths() -> [String: Int] {
        var depth: [String: Int] = ["all": 0]
        let someonesChild = Set(groups.values.flatMap(\.children))
        var queue = ["all"] + groupOrder.filter { $0 != "all" && !someonesChild.contains($0) }
        for name in queue where name != "all" { depth[name] = 1 }
        var index = 0
        while index < queue.count {
            let name = queue[index]
            index += 1
            for child in groups[name]?.children ?? [] where depth[child] == nil {
                depth[child] = depth[name]! + 1
                queue.append(child)
            }
        }
        return depth
    }

    func drafts(reader: YAMLNodeReader, paths: PathResolver) -> [HostDraft] {
        let depth = depths()
        var parents: [String: [String]] = [:]
        for name in groupOrder {
            for child in groups[name]?.children ?? [] { parents[child, default: []].append(name) }
        }
        func ancestors(_ group: String, _ seen: inout Set<String>) {
            guard seen.insert(group).inserted else { return }
            for parent in parents[group] ?? [] { ancestors(parent, &seen) }
        }

        // Each host's groups in one pass over the groups, and each set of groups layered once:
        // asking every group about every host took minutes at 100,000 hosts.
        var directGroups: [String: [String]] = [:]
        for group in groupOrder {
            for host in groups[group]!.hosts { directGroups[host, default: []].append(group) }
        }
        var layered: [[String]: (settings: HostSettings, tags: [Tag])] = [:]
        func layers(_ direct: [String]) -> (settings: HostSettings, tags: [Tag]) {
            if let known = layered[direct] { return known }
            var memberOf = Set<String>()
            for group in direct { ancestors(group, &memberOf) }
            let ordered = groupOrder.filter { memberOf.contains($0) || $0 == "all" }
                .sorted { (depth[$0] ?? 1, $0) < (depth[$1] ?? 1, $1) }
            var settings = HostSettings()
            for group in ordered {
                settings = apply(groups[group]!.vars, to: settings, reader: reader, paths: paths, path: "\(group).vars")
            }
            let tags = groupOrder.filter { memberOf.contains($0) && $0 != "all" && $0 != "ungrouped" }.map { Tag($0) }
            layered[direct] = (settings, tags)
            return (settings, tags)
        }

        return hostOrder.map { name in
            let host = hosts[name]!
            let groupLayers = layers(directGroups[name] ?? [])
            let settings = apply(host.vars, to: groupLayers.settings, reader: reader, paths: paths, path: host.keyPath)
            // No address here: ssh_config's HostName for the name comes first (an alias).
            return HostDraft(name: name, settings: settings, tags: groupLayers.tags, line: host.line, column: host.column,
                             keyPath: host.keyPath, nameIsAddress: true)
        }
    }

    private func apply(
        _ vars: [(key: String, value: Value)], to lower: HostSettings, reader: YAMLNodeReader, paths: PathResolver, path: String
    ) -> HostSettings {
        var s = lower
        for (key, value) in vars {
            let p = join(path, key)
            switch key {
            case "ansible_host", "ansible_ssh_host": s.address = value.text
            case "ansible_user", "ansible_ssh_user": s.user = value.text
            case "ansible_ssh_private_key_file", "ansible_private_key_file": s.identityFiles = [paths.resolve(value.text)]
            case "ansible_port", "ansible_ssh_port":
                if let port = PortNumber.parse(value.text) { s.port = port } else {
                    reader.error(line: value.line, column: value.column, p, PortNumber.problem(value.text))
                }
            case "ansible_ssh_common_args", "ansible_ssh_extra_args":
                do throws(AnsibleSSHArguments.Unsupported) {
                    let before = s.jump
                    s = try AnsibleSSHArguments.apply(value.text, to: s, paths: paths)
                    if s.jump != before { s.jumpPlace = SettingPlace(file: reader.file, line: value.line, column: value.column, keyPath: p) }
                } catch {
                    reader.error(line: value.line, column: value.column, p, error.message, hint: error.hint)
                }
            case "ansible_become":
                switch value.text.lowercased() {
                case "true", "yes", "1", "on": s.become = true
                case "false", "no", "0", "off": s.become = false
                default:
                    reader.error(line: value.line, column: value.column, p, "must be true or false, not '\(value.text)'")
                }
            default: continue
            }
        }
        return s
    }
}
