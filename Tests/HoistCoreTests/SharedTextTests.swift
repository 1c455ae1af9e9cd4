import HoistCore
import Testing

/// A program a thousand hosts wait to run at once is one string in memory, not a thousand.
@Suite struct SharedTextTests {
    /// Where a string's bytes live: the same address means one storage, shared.
    private func storage(_ text: String) -> UnsafeRawPointer? {
        var text = text
        return text.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func everyCallerOfAKeyGetsTheSameStorageRenderedOnce() {
        let renders = Locked(0)
        let shared = SharedText<String> { key in
            renders.withLock { $0 += 1 }
            return String(repeating: "program for \(key); ", count: 100)
        }
        let first = shared("/var/lib/hoist")
        let again = (0..<1000).map { _ in shared("/var/lib/hoist") }
        #expect(renders.current == 1)
        #expect(again.allSatisfy { $0 == first && storage($0) == storage(first) })

        let other = shared("/srv/hoist")
        #expect(renders.current == 2)
        #expect(other != first)
        #expect(storage(other) != storage(first))
    }

    @Test func callersOnManyThreadsAllGetTheKeptText() async {
        let shared = SharedText<Int> { String(repeating: "beat \($0) ", count: 200) }
        let texts = await withTaskGroup(of: String.self) { group in
            for _ in 0..<64 { group.addTask { shared(7) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let kept = shared(7)
        #expect(texts.count == 64)
        #expect(texts.allSatisfy { storage($0) == storage(kept) })
    }
}
