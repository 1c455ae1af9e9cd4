import Yams

/// Reads an Ansible YAML inventory: top-level groups (usually just `all`), each with `hosts`
/// (name -> vars or nothing), `vars` and `children` (nested groups of the same shape).
struct AnsibleYAMLParser {
    static let groupKeys = ["hosts", "children", "vars"]
    let reader: YAMLNodeReader
    let budget: HostBudget

    func parse(_ root: Node) -> AnsibleInventory {
        var inventory = AnsibleInventory()
        var visited = Set<String>()
        guard let top = reader.mapping(root, "", what: "a mapping of group names (usually 'all')") else { return inventory }
        for entry in top {
            inventory.ensureGroup(entry.key)
            if entry.key != "all" && !inventory.groups["all"]!.children.contains(entry.key) {
                inventory.groups["all"]!.children.append(entry.key)
            }
            group(entry.key, entry.value, entry.key, &inventory, &visited)
        }
        return inventory
    }

    /// Reads a group once per place it is written. A YAML alias puts one written group in
    /// many places: a chain of groups each with two children aliasing the one before read
    /// 2^24 groups from 1.3 KB. Reading the same group from the same node again adds
    /// nothing, so a group name with its node's place is read once.
    private func group(
        _ name: String, _ node: Node, _ path: String, _ inventory: inout AnsibleInventory, _ visited: inout Set<String>
    ) {
        inventory.ensureGroup(name)
        if YAMLNodeReader.isNull(node) { return }
        if let mark = node.mark, !visited.insert("\(mark.line):\(mark.column) \(name)").inserted { return }
        guard let entries = reader.mapping(node, path, what: "a group: a mapping with hosts, children and vars") else { return }
        reader.rejectUnknownKeys(entries, allowed: Self.groupKeys, path)
        for entry in entries where !YAMLNodeReader.isNull(entry.value) {
            let p = join(path, entry.key)
            switch entry.key {
            case "vars":
                inventory.groups[name]!.vars += vars(entry.value, p)
            case "children":
                for child in reader.mapping(entry.value, p, what: "a mapping of child group names") ?? [] {
                    if !inventory.groups[name]!.children.contains(child.key) {
                        inventory.groups[name]!.children.append(child.key)
                    }
                    group(child.key, child.value, join(p, child.key), &inventory, &visited)
                }
            case "hosts":
                for host in reader.mapping(entry.value, p, what: "a mapping of host names to their vars") ?? [] {
                    let hostPath = join(p, host.key)
                    let names: [String]
                    do throws(HostRange.Invalid) { names = try budget.names(host.key) } catch {
                        reader.error(host.keyNode, hostPath, error.message, hint: error.hint)
                        continue
                    }
                    let hostVars = YAMLNodeReader.isNull(host.value) ? [] : vars(host.value, hostPath)
                    do throws(HostRange.Invalid) {
                        try inventory.add(hosts: names, written: host.key, to: name,
                                          place: { .init(line: host.keyNode.mark?.line, column: host.keyNode.mark?.column,
                                                         keyPath: join(p, $0)) },
                                          vars: hostVars)
                    } catch {
                        reader.error(host.keyNode, hostPath, error.message, hint: error.hint)
                    }
                }
            default:
                break
            }
        }
    }

    /// Scalar vars as text, merge keys taken in; structured values are kept out (Hoist maps
    /// only connection vars).
    private func vars(_ node: Node, _ path: String) -> [(key: String, value: AnsibleInventory.Value)] {
        (reader.mappingMergingKeys(node, path, what: "a mapping of variables") ?? []).compactMap { entry in
            guard case .scalar(let scalar) = entry.value else { return nil }
            return (entry.key, .init(text: scalar.string, line: entry.value.mark?.line, column: entry.value.mark?.column))
        }
    }
}
