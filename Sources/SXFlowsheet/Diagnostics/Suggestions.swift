/// "Did you mean" suggestions by edit distance (Levenshtein, case-insensitive).
public enum Suggestions {
    /// Edit distance between two strings, counted in Unicode scalars, ignoring case.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let s = Array(a.lowercased().unicodeScalars), t = Array(b.lowercased().unicodeScalars)
        if s.isEmpty { return t.count }
        if t.isEmpty { return s.count }
        var previous = Array(0...t.count)
        var current = [Int](repeating: 0, count: t.count + 1)
        for i in 1...s.count {
            current[0] = i
            for j in 1...t.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] == t[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[t.count]
    }

    /// The candidate nearest to `word`, if it is near enough to be a plausible misspelling
    /// (distance ≤ max(1, a third of the word's length)).
    public static func nearest(to word: String, in candidates: [String]) -> String? {
        let limit = max(1, word.count / 3 + (word.count >= 6 ? 1 : 0))
        let scored = candidates.map { ($0, editDistance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// "did you mean 'x'?" or the list of valid names when nothing is close.
    public static func help(for word: String, in candidates: [String], kind: String) -> String {
        if let n = nearest(to: word, in: candidates) { return "did you mean '\(n)'?" }
        if candidates.isEmpty { return "no \(kind) is defined" }
        let shown = candidates.prefix(12).map { "'\($0)'" }.joined(separator: ", ")
        return "valid \(kind)s: \(shown)\(candidates.count > 12 ? ", …" : "")"
    }
}
