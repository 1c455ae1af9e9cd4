/// Splits a byte stream into lines, decoding each whole line once as UTF-8 (invalid bytes
/// become U+FFFD) so that a character split across chunks is never mangled.
///
/// It holds at most `limit` bytes of one line: a longer line (a progress bar redrawn with
/// `\r` can be megabytes without a newline) keeps its start, and a note says how many bytes
/// were left out. The hook wrapper writes the whole line to the host's scripts.log.
struct LineSplitter {
    static let defaultLimit = 64 << 10

    let limit: Int
    private var pending: [UInt8] = []
    private var dropped = 0

    init(limit: Int = LineSplitter.defaultLimit) {
        self.limit = limit
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, _ emit: (String) -> Void) {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? bytes.endIndex
            keep(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            guard let newline else { return }
            emit(line())
            start = newline + 1
        }
    }

    /// Emits a last line that had no newline.
    mutating func finish(_ emit: (String) -> Void) {
        if !pending.isEmpty || dropped > 0 { emit(line()) }
    }

    private mutating func keep(_ part: UnsafeRawBufferPointer) {
        let room = max(0, limit - pending.count)
        pending.append(contentsOf: part.prefix(room))
        dropped += max(0, part.count - room)
    }

    private mutating func line() -> String {
        var bytes = pending[...]
        if dropped > 0 {
            // Cut at a character boundary, so the kept start decodes cleanly.
            var cut = bytes.endIndex
            while cut > bytes.startIndex, bytes[cut - 1] & 0xC0 == 0x80 { cut -= 1 }
            if cut > bytes.startIndex, bytes[cut - 1] >= 0xC0 { cut -= 1 } else { cut = bytes.endIndex }
            dropped += bytes.endIndex - cut
            bytes = bytes[..<cut]
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if dropped > 0 {
            text += " … [hoist: the next \(dropped) bytes of this line are only in the host's log]"
        }
        pending.removeAll(keepingCapacity: pending.count <= 4096)
        dropped = 0
        return text
    }
}
