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
/// alone.
public enum BundleDeltaEncoder {
    static let block = 512

    /// Encodes `target` against `base` into `write`; returns the stream's length.
    public static func encode(base: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer,
                              write: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try withoutActuallyEscaping(write) { write in try encode(base, target, Output(write: write)) }
    }

    private static func encode(_ base: UnsafeRawBufferPointer, _ target: UnsafeRawBufferPointer, _ output: Output) throws -> Int64 {
        var index: [UInt64: Int] = [:]
        index.reserveCapacity(base.count / block)
        var at = base.count / block * block
        while at > 0 {
            at -= block
            // Walking backwards leaves each hash at its first block.
            index[hash(base, at)] = at
        }
        var out = output
        var copy: (from: Int, count: Int)?
        var dataStart: Int?
        var i = 0
        func flushCopy() throws {
            if let c = copy { try out.text("C \(c.from) \(c.count)\n"); copy = nil }
        }
        func flushData(to end: Int) throws {
            if let start = dataStart {
                try out.text("D \(end - start)\n")
                try out.bytes(UnsafeRawBufferPointer(rebasing: target[start..<end]))
                dataStart = nil
            }
        }
        while i + block <= target.count {
            if let c = copy, c.from + c.count + block <= base.count, equal(base, c.from + c.count, target, i) {
                copy = (c.from, c.count + block)
            } else if let j = index[hash(target, i)], equal(base, j, target, i) {
                try flushData(to: i)
                try flushCopy()
                copy = (j, block)
            } else {
                try flushCopy()
                if dataStart == nil { dataStart = i }
            }
            i += block
        }
        try flushCopy()
        if i < target.count, dataStart == nil { dataStart = i }
        try flushData(to: target.count)
        try out.text("E\n")
        try out.flush()
        return out.written
    }

    private static func hash(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var k = at
        while k < at + block {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
            k += 8
        }
        return h
    }

    private static func equal(_ a: UnsafeRawBufferPointer, _ i: Int, _ b: UnsafeRawBufferPointer, _ j: Int) -> Bool {
        memcmp(a.baseAddress! + i, b.baseAddress! + j, block) == 0
    }

    /// Gathers small writes (op lines) so the stream goes out in large ones.
    private struct Output {
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
