/// Renders a text once per key and hands every caller the same `String`, whose storage they
/// then share. A thousand hosts that wait to run the same program at the same moment (a lock
/// heartbeat, a delta's decoder) each held a copy of their own: about 2 KB a host apiece,
/// megabytes at the peak of a 1,000-host deployment (docs/performance.md).
public final class SharedText<Key: Hashable & Sendable>: Sendable {
    private let texts = Locked<[Key: String]>([:])
    private let render: @Sendable (Key) -> String

    public init(_ render: @escaping @Sendable (Key) -> String) {
        self.render = render
    }

    public func callAsFunction(_ key: Key) -> String {
        if let text = texts.withLock({ $0[key] }) { return text }
        // Rendered outside the lock; when two render at once, the first one kept is everyone's.
        let text = render(key)
        return texts.withLock { texts in
            if let kept = texts[key] { return kept }
            texts[key] = text
            return text
        }
    }
}
