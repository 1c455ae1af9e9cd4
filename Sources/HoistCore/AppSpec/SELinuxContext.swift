/// `permissions[].context`: the SELinux file context `semanage fcontext -a` sets. CodeDeploy
/// reads the user from `name` (the User Guide says `user`) and requires `type`.
public struct SELinuxContext: Sendable, Hashable, Codable {
    public var name: String?
    public var type: String
    public var range: SELinuxRange?

    public init(name: String? = nil, type: String, range: SELinuxRange? = nil) {
        self.name = name
        self.type = type
        self.range = range
    }
}

/// An MLS/MCS range `sN[-sM][:cX[.cY],...]`, validated and normalised as CodeDeploy does
/// (categories 0...1023, no duplicates, ranges compressed back to `cX.cY`).
public struct SELinuxRange: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Why a range was refused, with CodeDeploy's own wording.
    public struct Invalid: Error, Sendable, Hashable {
        public var message: String
    }

    public var low: Int
    public var high: Int
    /// Sorted, unique; nil when the range has no category part.
    public var categories: [Int]?

    public init(low: Int, high: Int, categories: [Int]? = nil) {
        self.low = low
        self.high = high
        self.categories = categories
    }

    public init(parsing text: String) throws(Invalid) {
        let parts = try Self.split(text, on: ":")
        let sensitivity = try Self.split(parts[0], on: "-")
        low = try Self.number(sensitivity[0], prefix: "s", limit: nil, error: "invalid sensitivity")
        if sensitivity.count == 2 {
            high = try Self.number(sensitivity[1], prefix: "s", limit: nil, error: "invalid sensitivity")
            if high < low {
                throw Invalid(message: "The deployment failed because of a problem with the SELinux range specified (\(text)) for the context parameter in the permissions section of the application specification file. Make corrections in the permissions section of the AppSpec file, and then try again.")
            }
        } else {
            high = low
        }
        guard parts.count == 2 else { categories = nil; return }
        var all: [Int] = []
        for part in parts[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if part.contains(".") {
                let bounds = try Self.split(part, on: ".")
                let a = try Self.number(bounds[0], prefix: "c", limit: 1023, error: "invalid category")
                let b = try Self.number(bounds[1], prefix: "c", limit: 1023, error: "invalid category")
                if b < a { throw Invalid(message: "invalid category range \(bounds[0]).\(bounds[1])") }
                all.append(contentsOf: a...b)
            } else {
                all.append(try Self.number(part, prefix: "c", limit: 1023, error: "invalid category"))
            }
        }
        all.sort()
        if Set(all).count != all.count { throw Invalid(message: "duplicate categories") }
        categories = all
    }

    /// The normalised text passed to `semanage -r`.
    public var description: String {
        var out = "s\(low)"
        if high != low { out += "-s\(high)" }
        guard let categories else { return out }
        out += ":"
        var runs: [String] = []
        var i = 0
        while i < categories.count {
            var j = i
            while j + 1 < categories.count && categories[j + 1] == categories[j] + 1 { j += 1 }
            runs.append(i == j ? "c\(categories[i])" : "c\(categories[i]).c\(categories[j])")
            i = j + 1
        }
        return out + runs.joined(separator: ",")
    }

    private static func split(_ input: String, on separator: Character) throws(Invalid) -> [String] {
        let parts = input.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.contains(where: \.isEmpty) { throw Invalid(message: "invalid range part \(input)") }
        return parts
    }

    private static func number(_ s: String, prefix: Character, limit: Int?, error: String) throws(Invalid) -> Int {
        let digits = s.dropFirst()
        guard s.count >= 2, s.first == prefix, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let n = Int(digits), limit.map({ n <= $0 }) ?? true
        else { throw Invalid(message: "\(error) \(s)") }
        return n
    }
}
