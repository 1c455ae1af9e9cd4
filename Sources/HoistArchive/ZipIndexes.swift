import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A zip names each member twice: in its local header, before the data, and in the central
/// directory at the end. `unzip` and the CodeDeploy agent install the central directory's
/// names; libarchive lists the central directory's members under their local headers' names.
/// A crafted zip whose two disagree would have Hoist validate and install `b.txt` where the
/// agent installs `a.txt`, so such a zip is refused: there is no name both readers would give.
///
/// Reads only the end record, the central directory (once, whole) and each local header.
enum ZipIndexes {
    /// Why the zip's indexes disagree (or cannot be compared), or nil when every member has
    /// the same name (and the same Info-ZIP Unicode name, where either header has one) in both.
    /// A zip libarchive reads but whose central directory this cannot follow is refused too:
    /// what cannot be compared could disagree.
    static func disagreement(path: String) -> String? {
        let unreadable = "its central directory could not be followed member by member"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "it could not be opened again: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return unreadable }
        let file = ZipFile(fd: fd, size: Int64(info.st_size))
        guard let directory = file.centralDirectory() else { return unreadable }
        // Read whole, so bounded: 200,000 members (the entry limit) with long names fit.
        guard directory.size <= 256 << 20 else { return "its central directory is \(directory.size >> 20) MiB, more than Hoist reads" }
        guard let records = file.bytes(at: directory.offset + directory.shift, count: directory.size) else { return unreadable }
        var at = 0
        for index in 0..<directory.count {
            guard at + 46 <= records.count, records.le32(at) == 0x0201_4b50 else { return unreadable }
            let nameLength = Int(records.le16(at + 28)), extraLength = Int(records.le16(at + 30)), commentLength = Int(records.le16(at + 32))
            guard at + 46 + nameLength + extraLength <= records.count else { return unreadable }
            let name = Array(records[(at + 46)..<(at + 46 + nameLength)])
            let extra = Array(records[(at + 46 + nameLength)..<(at + 46 + nameLength + extraLength)])
            var localOffset = Int64(records.le32(at + 42))
            if localOffset == 0xFFFF_FFFF {
                // ZIP64: the offset is in the extra field, after whichever sizes overflowed too.
                guard let zip64 = ZipFile.field(0x0001, in: extra) else { return unreadable }
                var skip = 0
                if records.le32(at + 24) == 0xFFFF_FFFF { skip += 8 }
                if records.le32(at + 20) == 0xFFFF_FFFF { skip += 8 }
                guard zip64.count >= skip + 8 else { return unreadable }
                localOffset = Int64(bitPattern: zip64.le64(skip))
            }
            localOffset += directory.shift
            guard let local = file.bytes(at: localOffset, count: 30), local.le32(0) == 0x0403_4b50,
                  let localNameAndExtra = file.bytes(at: localOffset + 30, count: Int(local.le16(26)) + Int(local.le16(28))) else {
                return "member \(index + 1) (\(shown(name))): its local header is missing or cut short"
            }
            let localName = Array(localNameAndExtra.prefix(Int(local.le16(26))))
            let localExtra = Array(localNameAndExtra.dropFirst(Int(local.le16(26))))
            if localName != name {
                return "member \(index + 1) is \(shown(name)) in the central directory but \(shown(localName)) in its local header"
            }
            let unicode = ZipFile.field(0x7075, in: extra), localUnicode = ZipFile.field(0x7075, in: localExtra)
            if unicode != nil || localUnicode != nil, unicode?.dropFirst(5) != localUnicode?.dropFirst(5) {
                return "member \(shown(name)) has different Unicode names in the central directory and its local header"
            }
            at += 46 + nameLength + extraLength + commentLength
        }
        return nil
    }

    private static func shown(_ name: [UInt8]) -> String {
        "'" + String(decoding: name.prefix(200), as: UTF8.self) + (name.count > 200 ? "…" : "") + "'"
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
