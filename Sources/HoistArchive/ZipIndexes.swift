import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A zip names each member twice: in its local header, before the data, and in the central
/// directory at the end. `unzip` and the CodeDeploy agent list the central directory and name
/// each member from it (its Info-ZIP Unicode name where that is sound); libarchive lists the
/// central directory's members under their local headers' names, and on some zips (a long
/// comment, end records it finds inconsistent) reads the local headers alone. A crafted zip
/// can make the two readers install different files, so `ArchiveReadHandle` compares every
/// member libarchive reads with this listing, in order, and refuses the zip at the first
/// difference: there is then no name both readers would give.
///
/// Reads only the end record and the central directory (once, whole).
enum ZipIndexes {
    /// One member as `unzip` lists it.
    struct Member: Equatable {
        /// The name unzip installs it under.
        var name: [UInt8]
        /// unzip makes a folder of a name that ends in `/`, and a file of any other.
        var isDirectory: Bool { name.last == UInt8(ascii: "/") }
    }

    /// The members in central directory order, or why the zip cannot be listed as unzip
    /// lists it. What libarchive reads but this cannot follow is refused: what cannot be
    /// compared could differ.
    static func listing(path: String) -> Result<[Member], Refusal> {
        let unreadable = Refusal("its central directory could not be followed member by member")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Refusal("it could not be opened again: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(unreadable) }
        let file = ZipFile(fd: fd, size: Int64(info.st_size))
        guard let directory = file.centralDirectory() else { return .failure(unreadable) }
        // Read whole, so bounded: 200,000 members (the entry limit) with long names fit.
        guard directory.size <= 256 << 20 else {
            return .failure(Refusal("its central directory is \(directory.size >> 20) MiB, more than Hoist reads"))
        }
        guard let records = file.bytes(at: directory.offset + directory.shift, count: directory.size) else { return .failure(unreadable) }
        var members: [Member] = []
        var localHeaders = Set<Int64>()
        var at = 0
        for _ in 0..<directory.count {
            guard at + 46 <= records.count, records.le32(at) == 0x0201_4b50 else { return .failure(unreadable) }
            let nameLength = Int(records.le16(at + 28)), extraLength = Int(records.le16(at + 30)), commentLength = Int(records.le16(at + 32))
            guard at + 46 + nameLength + extraLength <= records.count else { return .failure(unreadable) }
            let raw = Array(records[(at + 46)..<(at + 46 + nameLength)])
            let extra = Array(records[(at + 46 + nameLength)..<(at + 46 + nameLength + extraLength)])
            var localOffset = Int64(records.le32(at + 42))
            if localOffset == 0xFFFF_FFFF {
                // ZIP64: the offset is in the extra field, after whichever sizes overflowed too.
                guard let zip64 = ZipFile.field(0x0001, in: extra) else { return .failure(unreadable) }
                var skip = 0
                if records.le32(at + 24) == 0xFFFF_FFFF { skip += 8 }
                if records.le32(at + 20) == 0xFFFF_FFFF { skip += 8 }
                guard zip64.count >= skip + 8 else { return .failure(unreadable) }
                localOffset = Int64(bitPattern: zip64.le64(skip))
            }
            // unzip refuses members that overlap; two sharing one local header are the plainest.
            guard localHeaders.insert(localOffset).inserted else {
                return .failure(Refusal("two members, one of them \(shown(raw)), share one local header"))
            }
            members.append(Member(name: unzipName(raw: raw, extra: extra, madeBy: records[at + 5])))
            at += 46 + nameLength + extraLength + commentLength
        }
        return .success(members)
    }

    /// Why a zip is refused, in words that follow "the zip …: ".
    struct Refusal: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The name unzip gives a member: the first Info-ZIP Unicode path field's, when it is
    /// version 1 and its checksum matches the stored name, else the stored name; in a zip
    /// made on MS-DOS, with backslashes as separators.
    static func unzipName(raw: [UInt8], extra: [UInt8], madeBy host: UInt8) -> [UInt8] {
        var name = raw
        if let unicode = ZipFile.field(0x7075, in: extra), unicode.count >= 5, unicode[0] == 1,
           UInt32(unicode[1]) | UInt32(unicode[2]) << 8 | UInt32(unicode[3]) << 16 | UInt32(unicode[4]) << 24 == CRC32.of(raw) {
            name = Array(unicode.dropFirst(5))
        }
        if host == 0 { name = name.map { $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0 } }
        return name
    }

    static func shown(_ name: [UInt8]) -> String {
        "'" + String(decoding: name.prefix(200), as: UTF8.self) + (name.count > 200 ? "…" : "") + "'"
    }
}

/// The CRC-32 zip uses (IEEE 802.3), for the checksum in a Unicode path field.
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        (0..<8).reduce(UInt32(n)) { c, _ in c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func of(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { table[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }
}

/// Little-endian reads of a zip's records.
private struct ZipFile {
    let fd: Int32
    let size: Int64

    func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset + Int64(count) <= size else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        let read = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        return read == count ? buffer : nil
    }

    /// Where the central directory starts, how long it is and how many members it lists, from
    /// the end of central directory record (and its ZIP64 form when the counts overflowed).
    /// `shift`: how far every stated offset is from where it points in the file, for a zip
    /// with bytes before it (a self-extracting stub), which unzip and libarchive read too.
    func centralDirectory() -> (offset: Int64, size: Int, count: Int, shift: Int64)? {
        // The end record is 22 bytes and a comment of up to 65,535.
        let tailLength = Int(min(size, 22 + 65_535))
        guard tailLength >= 22, let tail = bytes(at: size - Int64(tailLength), count: tailLength),
              let end = (0...(tailLength - 22)).reversed().first(where: { tail.le32($0) == 0x0605_4b50 }) else { return nil }
        let endOffset = size - Int64(tailLength) + Int64(end)
        var count = Int(tail.le16(end + 10))
        var length = Int64(tail.le32(end + 12))
        var offset = Int64(tail.le32(end + 16))
        // The central directory ends where the end record (or the ZIP64 one) starts.
        var directoryEnd = endOffset
        if count == 0xFFFF || length == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            guard let locator = bytes(at: endOffset - 20, count: 20), locator.le32(0) == 0x0706_4b50 else { return nil }
            // The ZIP64 end record is where the locator says, or, with bytes before the zip,
            // right before the locator.
            let stated = Int64(bitPattern: locator.le64(8))
            directoryEnd = bytes(at: stated, count: 4)?.le32(0) == 0x0606_4b50 && stated < endOffset ? stated : endOffset - 20 - 56
            guard let end64 = bytes(at: directoryEnd, count: 56), end64.le32(0) == 0x0606_4b50 else { return nil }
            count = Int(clamping: end64.le64(32))
            length = Int64(bitPattern: end64.le64(40))
            offset = Int64(bitPattern: end64.le64(48))
        }
        guard length >= 0, length <= directoryEnd, offset >= 0 else { return nil }
        return (offset, Int(length), count, directoryEnd - length - offset)
    }

    /// The data of the extra field with this id, or nil.
    static func field(_ id: UInt16, in extra: [UInt8]) -> [UInt8]? {
        var at = 0
        while at + 4 <= extra.count {
            let length = Int(extra.le16(at + 2))
            guard at + 4 + length <= extra.count else { return nil }
            if extra.le16(at) == id { return Array(extra[(at + 4)..<(at + 4 + length)]) }
            at += 4 + length
        }
        return nil
    }
}

private extension Array where Element == UInt8 {
    func le16(_ at: Int) -> UInt16 { UInt16(self[at]) | UInt16(self[at + 1]) << 8 }
    func le32(_ at: Int) -> UInt32 { UInt32(le16(at)) | UInt32(le16(at + 2)) << 16 }
    func le64(_ at: Int) -> UInt64 { UInt64(le32(at)) | UInt64(le32(at + 4)) << 32 }
}
