/// Reads a limit from an environment variable (`HOIST_BUNDLE_MAX_ENTRIES=500000`,
/// `HOIST_BUNDLE_CACHE_MAX_SIZE=2G`): nil when it is unset or empty, the limit when it says
/// one, and a `Problem` in words when it does not.
enum LimitVariable {
    /// A variable that says neither a count nor a size.
    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// A whole number of at least `least`, or `unlimited` when `unlimited` allows it.
    static func count(_ name: String, in environment: [String: String], least: Int, unit: String, example: String,
                      unlimited: Bool) throws(Problem) -> Int? {
        guard let text = environment[name], !text.isEmpty else { return nil }
        if unlimited, text == "unlimited" { return .max }
        guard let count = Int(text), count >= least else {
            throw Problem(description: "\(name)=\(text) is not a number of \(unit); use a whole number such as \(example)"
                + (unlimited ? ", or unlimited" : ""))
        }
        return count
    }

    /// Bytes, or a whole number with K, M, G or T (powers of 1024), or `unlimited` when
    /// `unlimited` allows it; more than 0 unless `zero` allows it.
    static func size(_ name: String, in environment: [String: String], example: String, unlimited: Bool,
                     zero: Bool = true) throws(Problem) -> Int64? {
        guard let text = environment[name], !text.isEmpty else { return nil }
        guard unlimited || text != "unlimited", let bytes = bytes(text), zero || bytes > 0 else {
            throw Problem(description: "\(name)=\(text) is not a size; use bytes or a whole number with K, M, G or T (KiB, MiB, GiB, TiB), such as \(example)"
                + (unlimited ? ", or unlimited" : ""))
        }
        return bytes
    }

    /// `2G`, `500MiB`, `1048576`, `unlimited`; units are powers of 1024, in either case.
    static func bytes(_ text: String) -> Int64? {
        if text == "unlimited" { return .max }
        var digits = Substring(text)
        var unit = ""
        while let last = digits.last, !last.isNumber {
            unit = String(last) + unit
            digits = digits.dropLast()
        }
        let shifts: [String: Int64] = ["": 0, "B": 0, "K": 10, "KIB": 10, "M": 20, "MIB": 20, "G": 30, "GIB": 30, "T": 40, "TIB": 40]
        guard let shift = shifts[unit.uppercased()], let value = Int64(digits), value >= 0,
              value <= Int64.max >> shift else { return nil }
        return value << shift
    }
}
