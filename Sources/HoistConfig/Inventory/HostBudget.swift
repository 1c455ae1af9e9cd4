/// The host names one inventory may expand to, all its patterns together. `HostRange` caps
/// one pattern at 10,000 names, but 100 lines of `gN-[0000:9999]` still made 1,000,000 hosts
/// and 2.4 GB before anything was checked. Every listing counts (a host in two groups counts
/// twice), since each listing is made and kept.
final class HostBudget {
    static let largest = 100_000
    private var used = 0
    private var exceeded = false

    /// The names `pattern` expands to, counted against the budget. Past it, throws once, at
    /// the pattern that went past; after that gives no names, so one error stands for all.
    func names(_ pattern: String) throws(HostRange.Invalid) -> [String] {
        if exceeded { return [] }
        let names = try HostRange.expand(pattern)
        used += names.count
        guard used <= Self.largest else {
            exceeded = true
            throw HostRange.Invalid(
                message: "'\(pattern)' takes the inventory past \(Self.largest) host names, the most one inventory may have "
                    + "(a host listed in several groups counts once per listing)",
                hint: "split the hosts into several inventories, or check the ranges' bounds")
        }
        return names
    }
}
