/// JSON written by hand where the key order is part of the format (CodeDeploy's payloads,
/// lock files read by shell programs) or where Foundation's encoders cost too much (`--json`
/// writes an object per line of hook output): a quoted string, and an object whose keys keep
/// the order they were given in.
public enum JSONText {
    /// How `quote` writes a string.
    public enum Style: Sendable {
        /// Only what JSON requires is escaped: quotes, backslashes, control characters.
        case plain
        /// As Foundation's JSONSerialization writes it: also `\/`, `\b` and `\f`. For output
        /// that JSONSerialization used to write, so that it keeps its bytes (`--json`).
        case foundation
    }

    /// `value` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// everything else (slashes unless `.foundation`, non-ASCII) as is.
    public static func quote(_ value: String, _ style: Style = .plain) -> String {
        let foundation = style == .foundation
        // Every byte to escape is ASCII, and no byte of a multi-byte UTF-8 sequence is, so
        // the bytes can be looked at one by one. Most text has none: one copy.
        func escaped(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C || (foundation && byte == 0x2F) }
        guard value.utf8.contains(where: escaped) else { return "\"" + value + "\"" }
        var out: [UInt8] = [0x22]
        out.reserveCapacity(value.utf8.count + 16)
        for byte in value.utf8 {
            guard escaped(byte) else {
                out.append(byte)
                continue
            }
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x2F: out += [0x5C, 0x2F]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08 where foundation: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C where foundation: out += [0x5C, UInt8(ascii: "f")]
            default:
                let hex = Array("0123456789abcdef".utf8)
                out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"k":v,...}` from already-rendered values, in the order given.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// `[v,...]` from already-rendered values.
    public static func array(_ items: [String]) -> String {
        "[" + items.joined(separator: ",") + "]"
    }
}
