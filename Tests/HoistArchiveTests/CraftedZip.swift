@testable import HoistArchive

/// A zip written byte by byte, stored members only, with the knobs a hostile zip turns: a
/// local header that names a member otherwise, extra fields, the system that made it, a mode,
/// two members on one local header, a member the central directory leaves out, a count that
/// lists fewer than it holds, a bad CRC, a long comment.
struct CraftedZip {
    struct Member {
        var name: String
        var data: [UInt8] = Array("x\n".utf8)
        /// The local header's name, when it differs.
        var localName: String?
        var extra: [UInt8] = []
        /// 3 Unix, 0 MS-DOS.
        var madeBy: UInt8 = 3
        var mode: UInt32 = 0o100644
        /// Written with the local header of the member at this index, not one of its own.
        var sharesLocalHeaderOf: Int?
        /// Left out of the central directory: only its local header is there.
        var listed = true
        var badCRC = false
    }

    var members: [Member]
    /// The count the end record states, when not every listed member.
    var statedCount: Int?
    var comment: [UInt8] = []

    static let appSpec = Member(name: "appspec.yml", data: Array("version: 0.0\nos: linux\n".utf8))

    /// An Info-ZIP Unicode path field for `name`, stored as `raw`.
    static func unicodePath(_ name: String, for raw: String, version: UInt8 = 1) -> [UInt8] {
        let body = [version] + le32(CRC32.of(Array(raw.utf8))) + Array(name.utf8)
        return le16(0x7075) + le16(UInt16(body.count)) + body
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var offsets: [UInt32] = []
        for member in members {
            if let shared = member.sharesLocalHeaderOf {
                offsets.append(offsets[shared])
                continue
            }
            offsets.append(UInt32(out.count))
            let name = Array((member.localName ?? member.name).utf8)
            out += Self.le32(0x0403_4b50) + Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0x21)
            out += Self.le32(crc(member)) + Self.le32(UInt32(member.data.count)) + Self.le32(UInt32(member.data.count))
            out += Self.le16(UInt16(name.count)) + Self.le16(UInt16(member.extra.count)) + name + member.extra + member.data
        }
        let directoryStart = out.count
        var listedCount = 0
        for (index, member) in members.enumerated() where member.listed {
            listedCount += 1
            let name = Array(member.name.utf8)
            out += Self.le32(0x0201_4b50) + Self.le16(UInt16(member.madeBy) << 8 | 20) + Self.le16(20) + Self.le16(0) + Self.le16(0)
            out += Self.le16(0) + Self.le16(0x21) + Self.le32(crc(member))
            out += Self.le32(UInt32(member.data.count)) + Self.le32(UInt32(member.data.count))
            out += Self.le16(UInt16(name.count)) + Self.le16(UInt16(member.extra.count)) + Self.le16(0) + Self.le16(0) + Self.le16(0)
            out += Self.le32(member.mode << 16) + Self.le32(offsets[index]) + name + member.extra
        }
        let count = UInt16(statedCount ?? listedCount)
        let directorySize = UInt32(out.count - directoryStart)
        out += Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(count) + Self.le16(count)
        out += Self.le32(directorySize) + Self.le32(UInt32(directoryStart))
        out += Self.le16(UInt16(comment.count)) + comment
        return out
    }

    private func crc(_ member: Member) -> UInt32 { CRC32.of(member.data) ^ (member.badCRC ? 1 : 0) }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { le16(UInt16(v & 0xFFFF)) + le16(UInt16(v >> 16)) }
}
