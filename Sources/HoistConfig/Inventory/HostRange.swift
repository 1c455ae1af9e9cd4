import Foundation

/// Expands Ansible-style host ranges: `web[01:03]` gives web01, web02, web03 (the width of
/// the first bound keeps zero padding), `[a:c]` gives letters, `[1:9:2]` steps by 2. Several
/// ranges in one pattern multiply out, left to right.
enum HostRange {
    struct Invalid: Error {
        var message: String
        var hint: String?
    }

    /// The address of each of `names` (expanded from `nameText`) when their address is
    /// `address`: a range pairs up with the names (`web[01:03]` with `10.0.0.[11:13]`), a
    /// plain address is every host's. Hoist's `address` and Ansible's `ansible_host` alike.
    static func pair(names: [String], nameText: String, address: String) throws(Invalid) -> [String] {
        let expanded = try expand(address)
        if expanded.count == names.count { return expanded }
        if expanded.count == 1 { return Array(repeating: address, count: names.count) }
        if names.count == 1 {
            throw Invalid(message: "the address has a range of \(expanded.count) but the host name '\(nameText)' has none",
                          hint: "give the name a range of the same length, e.g. \(nameText)[01:\(String(format: "%02d", expanded.count))]")
        }
        throw Invalid(message: "the address range gives \(expanded.count) addresses but the host name range gives \(names.count) names",
                      hint: "make both ranges the same length")
    }

    static func containsRange(_ pattern: String) -> Bool {
        pattern.contains("[") && pattern.contains(":") && pattern.contains("]")
    }

    /// The most names one pattern may give. `h[0000001:9999999]`, or `h[1:9]` nine times
    /// over, took 10 to 15 GB before anything else was read.
    static let largest = 10_000

    static func expand(_ pattern: String) throws(Invalid) -> [String] {
        let count = try count(pattern)
        guard count <= largest else {
            throw Invalid(message: "'\(pattern)' gives \(count > Int32.max ? "more than \(Int32.max)" : String(count)) host names; at most \(largest) are allowed "
                          + "(split the hosts into smaller ranges, or check the range's bounds)")
        }
        return try expandWithin(pattern)
    }

    /// How many names `pattern` gives, without making them (saturating at Int.max).
    private static func count(_ pattern: String) throws(Invalid) -> Int {
        var total = 1
        var rest = Substring(pattern)
        while let open = rest.firstIndex(of: "[") {
            guard let close = rest[open...].firstIndex(of: "]") else {
                throw Invalid(message: "'\(pattern)' has '[' without a closing ']'")
            }
            let body = String(rest[rest.index(after: open)..<close])
            let (product, overflow) = total.multipliedReportingOverflow(by: try bounds(body, in: pattern).count)
            total = overflow ? Int.max : product
            rest = rest[rest.index(after: close)...]
        }
        return total
    }

    private static func expandWithin(_ pattern: String) throws(Invalid) -> [String] {
        guard let open = pattern.firstIndex(of: "[") else { return [pattern] }
        guard let close = pattern[open...].firstIndex(of: "]") else {
            throw Invalid(message: "'\(pattern)' has '[' without a closing ']'")
        }
        let head = String(pattern[..<open])
        let body = String(pattern[pattern.index(after: open)..<close])
        let tails = try expandWithin(String(pattern[pattern.index(after: close)...]))
        return try bounds(body, in: pattern).items.flatMap { item in tails.map { head + item + $0 } }
    }

    /// One `[start:end:step]`, read once: how many names it gives (without making them, for
    /// the limit) and the names.
    private struct Bounds {
        var start: Int, end: Int, step: Int
        /// Zero padding of numbers; nil for letters.
        var width: Int?

        /// Saturating at Int.max.
        var count: Int {
            let (span, overflow) = end.subtractingReportingOverflow(start)
            return overflow ? Int.max : span / step + 1
        }

        var items: [String] {
            guard let width else {
                return stride(from: start, through: end, by: step).compactMap { UInt32(exactly: $0).flatMap(Unicode.Scalar.init).map { String(Character($0)) } }
            }
            return stride(from: start, through: end, by: step).map { number in
                let digits = String(number)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
        }
    }

    private static func bounds(_ body: String, in pattern: String) throws(Invalid) -> Bounds {
        let parts = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw Invalid(message: "'\(pattern)' has a range '[\(body)]' that is not [start:end] or [start:end:step]")
        }
        var step = 1
        if parts.count == 3 {
            guard let s = Int(parts[2]), s > 0 else {
                throw Invalid(message: "'\(pattern)' has a range step '\(parts[2])' that is not a positive number")
            }
            step = s
        }
        let bounds: Bounds
        if let start = Int(parts[0]), let end = Int(parts[1]) {
            bounds = Bounds(start: start, end: end, step: step, width: parts[0].count)
        } else {
            let startScalars = Array(parts[0].unicodeScalars), endScalars = Array(parts[1].unicodeScalars)
            guard startScalars.count == 1, endScalars.count == 1,
                startScalars[0].properties.isAlphabetic, endScalars[0].properties.isAlphabetic
            else {
                throw Invalid(message: "'\(pattern)' has a range [\(body)] that is neither numbers nor single letters")
            }
            bounds = Bounds(start: Int(startScalars[0].value), end: Int(endScalars[0].value), step: step, width: nil)
        }
        guard bounds.start <= bounds.end else {
            throw Invalid(message: "'\(pattern)' has a range [\(body)] whose start is after its end")
        }
        return bounds
    }
}
