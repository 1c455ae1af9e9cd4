/// How a deployment's size and window read in every output: "1 host", "one at a time",
/// and no "at most 0 at once" for a rollout too small to start (it is refused right after).
enum RolloutText {
    static func hosts(_ count: Int) -> String {
        count == 1 ? "1 host" : "\(count) hosts"
    }

    static func window(_ maxConcurrency: Int) -> String {
        switch maxConcurrency {
        case 0: return "none may be out of service at once"
        case 1: return "one at a time"
        default: return "at most \(maxConcurrency) at once"
        }
    }
}
