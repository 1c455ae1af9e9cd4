import HoistCore

/// A host chosen by a deployment group, with the filter of each tag group that let it in
/// (index-aligned with the groups), so `hoist hosts -v` can say why.
public struct SelectedHost: Sendable, Hashable {
    public var host: HostSpec
    public var matchedFilters: [TagFilter]
    public init(host: HostSpec, matchedFilters: [TagFilter]) {
        self.host = host
        self.matchedFilters = matchedFilters
    }
}

/// The result of applying tag groups to an inventory.
public struct TargetSelection: Sendable, Hashable {
    public var groups: [TagGroup]
    public var selected: [SelectedHost]
    /// When nothing was selected: the index of the tag group that left no host (either it
    /// matches no host at all, or no host matched it together with the groups before it).
    public var excludingGroup: Int?
    /// True when `excludingGroup` matches no host of the inventory even on its own.
    public var excludingGroupMatchesNothing: Bool

    public var hosts: [HostSpec] { selected.map(\.host) }

    /// CodeDeploy's rule: a host is selected when, for EVERY tag group, it has ANY of the
    /// group's filters. No tag groups select every host, in inventory order.
    public static func select(hosts: [HostSpec], groups: [TagGroup]) -> TargetSelection {
        var selected: [SelectedHost] = []
        for host in hosts {
            var matched: [TagFilter] = []
            for group in groups {
                guard let filter = group.filters.first(where: { $0.matches(host) }) else { break }
                matched.append(filter)
            }
            if matched.count == groups.count { selected.append(SelectedHost(host: host, matchedFilters: matched)) }
        }
        var excluding: Int?
        var matchesNothing = false
        if selected.isEmpty && !hosts.isEmpty {
            if let index = groups.firstIndex(where: { group in !hosts.contains { host in group.filters.contains { $0.matches(host) } } }) {
                excluding = index
                matchesNothing = true
            } else {
                var remaining = hosts
                for (index, group) in groups.enumerated() {
                    remaining = remaining.filter { host in group.filters.contains { $0.matches(host) } }
                    if remaining.isEmpty {
                        excluding = index
                        break
                    }
                }
            }
        }
        return TargetSelection(groups: groups, selected: selected, excludingGroup: excluding,
                               excludingGroupMatchesNothing: matchesNothing)
    }

    /// When nothing was selected, an error that names the tag group to blame (CodeDeploy
    /// fails such a deployment with NO_INSTANCES).
    public func emptySelectionDiagnostic(file: String, inventory: String) -> Diagnostic? {
        guard selected.isEmpty else { return nil }
        guard let index = excludingGroup else {
            return Diagnostic(file: file, keyPath: "targets", message: "the inventory \(inventory) has no hosts to select")
        }
        let group = groups[index]
        let message: String
        if excludingGroupMatchesNothing {
            message = "tag group \(index + 1) (\(group)) matches no host of the inventory \(inventory)"
        } else {
            let earlier = (1...index).map(String.init).joined(separator: ", ")
            message = "no host matches tag group \(index + 1) (\(group)) together with tag group\(index > 1 ? "s" : "") \(earlier); a host must match every group"
        }
        return Diagnostic(file: file, line: group.line, column: group.column, keyPath: "targets",
                          message: message, hint: "check the tags in \(inventory) with 'hoist hosts \(inventory)'")
    }
}
