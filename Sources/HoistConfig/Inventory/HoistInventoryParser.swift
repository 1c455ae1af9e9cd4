import Foundation
import HoistCore
import Yams

/// Reads Hoist's own inventory format: `defaults:` (settings for every host) and `hosts:`
/// (name -> address, tags and per-host overrides). Host names and addresses may hold ranges
/// (`web[01:03]` with `address: 10.0.0.[11:13]` pairs them up).
struct HoistInventoryParser {
    static let settingKeys = [
        "user", "port", "identity_file", "known_hosts", "host_key_checking", "jump", "become",
        "deployment_root", "password_env",
    ]
    static let defaultsKeys = settingKeys + ["ssh_config"]
    static let hostKeys = ["address", "tags"] + settingKeys
    static let topKeys = ["defaults", "hosts"]

    let reader: YAMLNodeReader
    let paths: PathResolver
    let budget: HostBudget

    /// The defaults, the hosts, and the ssh_config path the inventory names (absolute).
    func parse(_ root: Node) -> (defaults: HostSettings, drafts: [HostDraft], sshConfig: String?) {
        guard let top = reader.mapping(root, "") else { return (HostSettings(), [], nil) }
        reader.rejectUnknownKeys(top, allowed: Self.topKeys, "")
        var defaults = HostSettings()
        var sshConfig: String?
        if let entry = top.first(where: { $0.key == "defaults" }), !YAMLNodeReader.isNull(entry.value),
            let entries = reader.mapping(entry.value, "defaults")
        {
            reader.rejectUnknownKeys(entries, allowed: Self.defaultsKeys, "defaults")
            defaults = settings(entries, "defaults")
            if let node = entries.first(where: { $0.key == "ssh_config" })?.value,
                let path = reader.string(node, "defaults.ssh_config")
            {
                sshConfig = paths.resolve(path)
            }
        }
        var drafts: [HostDraft] = []
        guard let hostsNode = top.first(where: { $0.key == "hosts" }) else {
            reader.error(root, "hosts", "the inventory has no 'hosts' section", hint: "add 'hosts:' with one entry per host")
            return (defaults, [], sshConfig)
        }
        if let hosts = reader.mapping(hostsNode.value, "hosts", what: "a mapping of host names to their settings") {
            for entry in hosts { drafts += hostDrafts(entry) }
        }
        return (defaults, drafts, sshConfig)
    }

    private func hostDrafts(_ entry: YAMLNodeReader.Entry) -> [HostDraft] {
        let path = join("hosts", entry.key)
        var entries: [YAMLNodeReader.Entry] = []
        if !YAMLNodeReader.isNull(entry.value) {
            guard let mapped = reader.mapping(entry.value, path) else { return [] }
            entries = mapped
        }
        reader.rejectUnknownKeys(entries, allowed: Self.hostKeys, path)
        let base = settings(entries, path)
        let tags = entries.first(where: { $0.key == "tags" }).map { self.tags($0.value, join(path, "tags")) } ?? []
        let mark = entry.keyNode.mark

        let names: [String]
        do throws(HostRange.Invalid) { names = try budget.names(entry.key) } catch {
            reader.error(entry.keyNode, path, error.message, hint: error.hint)
            return []
        }
        var addresses: [String?] = Array(repeating: base.address, count: names.count)
        if let address = base.address, let addressNode = entries.first(where: { $0.key == "address" })?.value {
            do throws(HostRange.Invalid) {
                addresses = try HostRange.pair(names: names, nameText: entry.key, address: address)
            } catch {
                reader.error(addressNode, join(path, "address"), error.message, hint: error.hint)
                return []
            }
        }
        return zip(names, addresses).map { name, address in
            var settings = base
            settings.address = address
            return HostDraft(name: name, settings: settings, tags: tags, line: mark?.line, column: mark?.column, keyPath: path)
        }
    }

    /// The settings of a `defaults:` or host mapping.
    func settings(_ entries: [YAMLNodeReader.Entry], _ path: String) -> HostSettings {
        var s = HostSettings()
        for entry in entries {
            let p = join(path, entry.key)
            let v = entry.value
            switch entry.key {
            case "address": s.address = reader.string(v, p)
            case "user": s.user = reader.string(v, p)
            case "port": s.port = reader.int(v, p, in: PortNumber.range, what: PortNumber.described)
            case "identity_file": s.identityFiles = reader.stringList(v, p).map { $0.map(paths.resolve) }
            case "known_hosts": s.knownHostsFile = reader.string(v, p).map(paths.resolve)
            case "host_key_checking": s.hostKeyChecking = reader.choice(v, p, HostKeyChecking.self)
            case "jump":
                s.jump = YAMLNodeReader.isNull(v) ? [] : reader.stringList(v, p).map(Self.splitHops)
                s.jumpPlace = SettingPlace(file: reader.file, line: v.mark?.line, column: v.mark?.column, keyPath: p)
            case "become": s.become = reader.bool(v, p)
            case "deployment_root":
                if let root = reader.string(v, p) {
                    if root.hasPrefix("/") { s.deploymentRoot = root } else {
                        reader.error(v, p, "must be an absolute path on the host, not '\(root)'")
                    }
                }
            case "password_env": s.passwordEnv = reader.string(v, p)
            default: break
            }
        }
        return s
    }

    /// `a,b` in one string is two hops, as in ProxyJump.
    static func splitHops(_ hops: [String]) -> [String] {
        hops.flatMap { $0.split(separator: ",").map { String($0).trimming(" ") } }.filter { !$0.isEmpty }
    }

    /// Tags as a mapping (`{role: web, canary: }`) or a list (`[canary, "role=web"]`).
    func tags(_ node: Node, _ path: String) -> [HoistCore.Tag] {
        if YAMLNodeReader.isNull(node) { return [] }
        if case .sequence = node {
            var tags: [HoistCore.Tag] = []
            for (index, item) in (reader.sequence(node, path) ?? []).enumerated() {
                guard let text = reader.string(item, "\(path)[\(index)]") else { continue }
                if let eq = text.firstIndex(of: "=") {
                    let key = String(text[..<eq])
                    if key.isEmpty {
                        reader.error(item, "\(path)[\(index)]", "tag '\(text)' has no key", hint: "write KEY or KEY=VALUE")
                        continue
                    }
                    tags.append(HoistCore.Tag(key, String(text[text.index(after: eq)...])))
                } else {
                    tags.append(HoistCore.Tag(text))
                }
            }
            return tags
        }
        guard let entries = reader.mapping(node, path, what: "a mapping of tag keys to values, or a list of KEY and KEY=VALUE")
        else { return [] }
        return entries.compactMap { entry in
            if YAMLNodeReader.isNull(entry.value) { return HoistCore.Tag(entry.key) }
            return reader.string(entry.value, join(path, entry.key), allowEmpty: true).map { HoistCore.Tag(entry.key, $0) }
        }
    }
}
