/// Host names in a sentence: the first few, then how many more. A fleet of a thousand hosts
/// turns any per-host list into a line nobody reads; every message that names hosts shortens
/// them the same way.
public enum HostNameList {
    /// `h1, h2, h3 and 7 more`: at most `limit` names.
    public static func text(_ names: [String], limit: Int = 5) -> String {
        names.prefix(limit).joined(separator: ", ") + (names.count > limit ? " and \(names.count - limit) more" : "")
    }

    /// `h1, h2 and 48 more: connection timed out; h51: connection refused`: the hosts grouped
    /// by their reason, reasons in the order first seen.
    public static func byReason(_ pairs: [(host: String, reason: String)], limit: Int = 5) -> String {
        var order: [String] = []
        var hosts: [String: [String]] = [:]
        for (host, reason) in pairs {
            if hosts[reason] == nil { order.append(reason) }
            hosts[reason, default: []].append(host)
        }
        return order.map { "\(text(hosts[$0] ?? [], limit: limit)): \($0)" }.joined(separator: "; ")
    }
}
