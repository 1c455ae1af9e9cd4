/// Suggestions for misspelt names ("AfterInstal" → "AfterInstall"), by edit distance.
public enum DidYouMean {
    /// The closest candidate, if it is close enough to be a likely typo: a case-insensitive
    /// match, or at most max(2, count/3) edits apart.
    public static func suggestion(for name: String, among candidates: [String]) -> String? {
        let lowered = name.lowercased()
        if let same = candidates.first(where: { $0.lowercased() == lowered }) { return same }
        let limit = max(2, name.count / 3)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = levenshtein(lowered, candidate.lowercased())
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// " (did you mean `x`?)"-style hint text, or nil.
    public static func hint(for name: String, among candidates: [String]) -> String? {
        suggestion(for: name, among: candidates).map { "did you mean `\($0)`?" }
    }

    /// Edit distance (insertions, deletions, substitutions) between two strings.
    public static func levenshtein(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
