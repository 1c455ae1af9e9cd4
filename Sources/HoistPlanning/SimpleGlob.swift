/// CodeDeploy's permission globs: only `*` is special, and a name containing "/" never
/// matches (patterns and `except` apply to direct children only).
enum SimpleGlob {
    static func matches(_ name: String, pattern: String) -> Bool {
        if name.contains("/") { return false }
        let n = Array(name), p = Array(pattern)
        // reachable[j]: pattern prefix p[..<j] matches the name prefix consumed so far.
        var reachable = [Bool](repeating: false, count: p.count + 1)
        reachable[0] = true
        for j in 0..<p.count where p[j] == "*" && reachable[j] { reachable[j + 1] = true }
        for ch in n {
            var next = [Bool](repeating: false, count: p.count + 1)
            for j in 0..<p.count where reachable[j] {
                if p[j] == "*" { next[j] = true } else if p[j] == ch { next[j + 1] = true }
            }
            for j in 0..<p.count where p[j] == "*" && next[j] { next[j + 1] = true }
            reachable = next
        }
        return reachable[p.count]
    }
}
