import Foundation

/// Writes tar archives byte by byte, for the tricks libarchive's writer will not produce
/// (pax global headers) and to read back which header types an archive holds.
public struct TarBytes {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// One header block and the data, padded to 512 bytes.
    public mutating func add(_ name: String, type: Character = "0", data: [UInt8] = [], mode: Int = 0o644, link: String = "") {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: [UInt8], at offset: Int, width: Int) {
            for (i, byte) in text.prefix(width).enumerated() { header[offset + i] = byte }
        }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(Array(name.utf8), at: 0, width: 100)
        put(octal(mode, width: 8), at: 100, width: 8)
        put(octal(0, width: 8), at: 108, width: 8)
        put(octal(0, width: 8), at: 116, width: 8)
        put(octal(data.count, width: 12), at: 124, width: 12)
        put(octal(0, width: 12), at: 136, width: 12)
        header[156] = type.asciiValue!
        put(Array(link.utf8), at: 157, width: 100)
        put(Array("ustar\u{0}00".utf8), at: 257, width: 8)
        for i in 148..<156 { header[i] = 0x20 }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, width: 7) + [0x20], at: 148, width: 8)
        bytes += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    /// A pax header (`x` for the next member, `g` for every later one) with `records`.
    public mutating func pax(_ type: Character, _ records: [(String, String)]) {
        var data: [UInt8] = []
        for (key, value) in records {
            let body = " \(key)=\(value)\n"
            var length = body.utf8.count + 1
            while String(length).count + body.utf8.count != length { length += 1 }
            data += Array("\(length)\(body)".utf8)
        }
        add("pax-header", type: type, data: data)
    }

    public mutating func finish() { bytes += [UInt8](repeating: 0, count: 1024) }

    public func write(to path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    /// The type flags of every header in a plain tar file, in order.
    public static func headerTypes(of path: String) throws -> [Character] {
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var types: [Character] = []
        var offset = 0
        while offset + 512 <= data.count {
            let header = data[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            types.append(Character(UnicodeScalar(header[header.startIndex + 156])))
            let sizeText = String(decoding: header[(header.startIndex + 124)..<(header.startIndex + 136)].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            let size = Int(sizeText, radix: 8) ?? 0
            offset += 512 + (size + 511) / 512 * 512
        }
        return types
    }
}
