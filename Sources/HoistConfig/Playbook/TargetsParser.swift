import HoistCore
import Yams

/// `targets:` — tag groups as CodeDeploy has them. A single mapping is one group, and so is a
/// list of plain filters (`[role=web, canary]`); otherwise a list holds groups, each a mapping (`{role: web, canary: null}`) or a list of filters (`role=web`,
/// `canary`, `=blue`, `{key: role}`, `{value: web}`, `{key: role, value: web}`).
extension PlaybookParser {
    func targets(_ node: Node, _ path: String) -> [TagGroup] {
        if YAMLNodeReader.isNull(node) { return [] }
        var groups: [TagGroup] = []
        if case .mapping = node {
            groups = [mapGroup(node, path)].compactMap { $0 }
        } else if case .sequence(let items) = node, !items.isEmpty, items.allSatisfy({ if case .scalar = $0 { true } else { false } }) {
            groups = [listGroup(node, path)].compactMap { $0 }
        } else if let items = reader.sequence(node, path, what: "a tag group (a mapping) or a list of tag groups") {
            for (index, item) in items.enumerated() {
                let p = "\(path)[\(index)]"
                switch item {
                case .mapping: if let group = mapGroup(item, p) { groups.append(group) }
                case .sequence: if let group = listGroup(item, p) { groups.append(group) }
                default:
                    reader.error(item, p, "a tag group must be a mapping like {role: web} or a list of filters, not \(reader.describe(item))")
                }
            }
        }
        if groups.count > TagGroup.maximumGroups {
            reader.error(node, path, "has \(groups.count) tag groups; at most \(TagGroup.maximumGroups) are allowed",
                         hint: "a host must match every group; merge groups or use fewer")
        }
        return groups
    }

    private func mapGroup(_ node: Node, _ path: String) -> TagGroup? {
        guard let entries = reader.mapping(node, path) else { return nil }
        var filters: [TagFilter] = []
        for entry in entries {
            if YAMLNodeReader.isNull(entry.value) {
                filters.append(.key(entry.key))
            } else if let value = reader.string(entry.value, join(path, entry.key)) {
                filters.append(.keyAndValue(entry.key, value))
            }
        }
        return finish(filters, node, path)
    }

    private func listGroup(_ node: Node, _ path: String) -> TagGroup? {
        var filters: [TagFilter] = []
        for (index, item) in (reader.sequence(node, path) ?? []).enumerated() {
            let p = "\(path)[\(index)]"
            if case .mapping = item {
                guard let entries = reader.mapping(item, p) else { continue }
                reader.rejectUnknownKeys(entries, allowed: ["key", "value"], p)
                let key = entries.first { $0.key == "key" }.flatMap { reader.string($0.value, join(p, "key")) }
                let value = entries.first { $0.key == "value" }.flatMap { reader.string($0.value, join(p, "value"), allowEmpty: true) }
                if let filter = TagFilter(key: key, value: value) { filters.append(filter) } else if !reader.hasErrors {
                    reader.error(item, p, "a filter needs 'key', 'value' or both")
                }
            } else if let text = reader.string(item, p) {
                if let eq = text.firstIndex(of: "=") {
                    let key = String(text[..<eq]), value = String(text[text.index(after: eq)...])
                    filters.append(key.isEmpty ? .value(value) : .keyAndValue(key, value))
                } else {
                    filters.append(.key(text))
                }
            }
        }
        return finish(filters, node, path)
    }

    private func finish(_ filters: [TagFilter], _ node: Node, _ path: String) -> TagGroup? {
        if filters.isEmpty {
            reader.error(node, path, "a tag group needs at least one filter")
            return nil
        }
        if filters.count > TagGroup.maximumFilters {
            reader.error(node, path, "has \(filters.count) filters; a tag group allows at most \(TagGroup.maximumFilters)")
        }
        return TagGroup(filters, line: node.mark?.line, column: node.mark?.column)
    }
}
