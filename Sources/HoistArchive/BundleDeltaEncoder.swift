import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes the `BundleDelta` stream that rebuilds one bundle from another. Both are tars, whose
/// members start on 512-byte boundaries, so the new bundle is cut into 512-byte blocks and
/// each is looked up among the held bundle's blocks at the same alignment: a file that did
/// not change is found wherever it moved, and a run of unchanged files becomes one copy. A
/// block is taken from the held bundle only when its bytes are equal, never on the hash
/// alone. Both bundles are read in pieces (the new one once, front to back; the held one
/// once to index it, then a block at a time to compare), so the coordinator's memory holds
/// the index and a megabyte, whatever their size: at a thousand hosts every megabyte shows.
public enum BundleDeltaEncoder {
    static let block = 512
    /// How much of the new bundle is read at a time; a `D` line never spans two pieces.
    static let piece = 1 << 20

    /// Random access to a bundle's bytes.
    public protocol Input {
        var count: Int { get }
        /// Fills `into` from `offset` (short only at the end).
        func read(at offset: Int, into: UnsafeMutableRawBufferPointer) throws -> Int
    }

    /// Encodes `target` against `base` into `write`; returns the stream's length.
    public static func encode(base: some Input, target: some Input,
                              write: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try withoutActuallyEscaping(write) { write in
            var encoder = Encoder(base: base, target: target, out: Output(write: write))
            return try encoder.run()
        }
    }

    private struct Encoder<Base: Input, Target: Input> {
        let base: Base
        let target: Target
        var out: Output
        var index: [UInt64: Int] = [:]
        /// The copy being extended, in the held bundle.
        var copy: (from: Int, count: Int)?
        /// Where the data run being gathered starts in the current piece.
        var dataStart: Int?
        let piece = UnsafeMutableRawBufferPointer.allocate(byteCount: BundleDeltaEncoder.piece, alignment: 16)
        let held = UnsafeMutableRawBufferPointer.allocate(byteCount: BundleDeltaEncoder.block, alignment: 16)

        init(base: Base, target: Target, out: Output) {
            self.base = base
            self.target = target
            self.out = out
        }

        mutating func run() throws -> Int64 {
            defer { piece.deallocate(); held.deallocate() }
            try indexBase()
            var at = 0
            while at < target.count {
                let n = try readFully(target, at: at, into: piece)
                let blocks = n / block * block
                var i = 0
                while i < blocks {
                    try take(blockAt: i)
                    i += block
                }
                try takeTail(from: blocks, to: n)
                try flushData(to: n)
                at += n
                if n < piece.count { break }
            }
            try flushCopy()
            try out.text("E\n")
            try out.flush()
            return out.written
        }

        /// Hashes every whole block of the held bundle; a hash keeps its first block.
        mutating func indexBase() throws {
            index.reserveCapacity(base.count / block)
            var at = 0
            while at + block <= base.count {
                let n = try readFully(base, at: at, into: piece)
                var i = 0
                while i + block <= n {
                    let h = hash(UnsafeRawBufferPointer(piece), i)
                    if index[h] == nil { index[h] = at + i }
                    i += block
                }
                at += n
                if n < piece.count { break }
            }
        }

        mutating func take(blockAt i: Int) throws {
            if let c = copy, try heldEquals(at: c.from + c.count, pieceAt: i) {
                copy = (c.from, c.count + block)
            } else if let j = index[hash(UnsafeRawBufferPointer(piece), i)], try heldEquals(at: j, pieceAt: i) {
                try flushData(to: i)
                try flushCopy()
                copy = (j, block)
            } else {
                try flushCopy()
                if dataStart == nil { dataStart = i }
            }
        }

        /// An unaligned tail at the very end is data.
        mutating func takeTail(from start: Int, to end: Int) throws {
            guard start < end else { return }
            try flushCopy()
            if dataStart == nil { dataStart = start }
        }

        func heldEquals(at offset: Int, pieceAt i: Int) throws -> Bool {
            guard offset + block <= base.count, try base.read(at: offset, into: held) == block else { return false }
            return memcmp(held.baseAddress!, piece.baseAddress! + i, block) == 0
        }

        mutating func flushCopy() throws {
            if let c = copy { try out.text("C \(c.from) \(c.count)\n"); copy = nil }
        }

        mutating func flushData(to end: Int) throws {
            guard let start = dataStart else { return }
            try out.text("D \(end - start)\n")
            try out.bytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(piece)[start..<end]))
            dataStart = nil
        }

        func readFully(_ input: some Input, at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            var done = 0
            while done < buffer.count {
                let n = try input.read(at: offset + done, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]))
                if n <= 0 { break }
                done += n
            }
            return done
        }
    }

    static func hash(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var k = at
        while k < at + block {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            k += 8
        }
        return h
    }

    /// Gathers small writes (op lines) so the stream goes out in large ones.
    struct Output {
        let write: (UnsafeRawBufferPointer) throws -> Void
        var buffer: [UInt8] = []
        var written: Int64 = 0

        init(write: @escaping (UnsafeRawBufferPointer) throws -> Void) {
            self.write = write
            buffer.reserveCapacity(1 << 16)
        }

        mutating func text(_ line: String) throws {
            buffer.append(contentsOf: line.utf8)
            written += Int64(line.utf8.count)
            if buffer.count >= 1 << 16 { try flush() }
        }

        mutating func bytes(_ data: UnsafeRawBufferPointer) throws {
            written += Int64(data.count)
            if data.count < 1 << 12 {
                buffer.append(contentsOf: data)
                if buffer.count >= 1 << 16 { try flush() }
                return
            }
            try flush()
            try write(data)
        }

        mutating func flush() throws {
            guard !buffer.isEmpty else { return }
            try buffer.withUnsafeBytes { try write($0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
