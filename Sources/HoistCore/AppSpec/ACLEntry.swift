/// One setfacl entry from `permissions[].acls`, parsed the way CodeDeploy parses it:
/// `[d|default:][u|user|g|group|m|mask|o|other:]name:perms`, perms an `rwx`/`-` string or one
/// octal digit. The base u/g/o entries are added when the ACL is applied (they depend on the
/// file's mode at that moment), so they cannot be written here.
public struct ACLEntry: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable { case user, group, mask, other }

    /// Why an entry was refused; each maps to one CodeDeploy message.
    public enum Invalid: Error, Sendable, Hashable {
        case malformed
        case baseEntry
        case invalidPermission(Character)
    }

    public var isDefault: Bool
    public var kind: Kind
    /// Empty for mask/other and for default base entries.
    public var name: String
    public var read: Bool
    public var write: Bool
    public var execute: Bool

    public init(isDefault: Bool = false, kind: Kind, name: String, read: Bool, write: Bool, execute: Bool) {
        self.isDefault = isDefault
        self.kind = kind
        self.name = name
        self.read = read
        self.write = write
        self.execute = execute
    }

    /// Parses one entry as written in the AppSpec.
    public init(parsing text: String) throws(Invalid) {
        let parts = Array(text.split(separator: ":", omittingEmptySubsequences: false).map(String.init).reversed())
        guard (2...4).contains(parts.count) else { throw .malformed }
        var isDefault = false
        var kind: Kind?
        var name = ""
        if parts.count == 4 {
            guard Self.isDefaultWord(parts[3]) else { throw .malformed }
            isDefault = true
        }
        if parts.count >= 3 {
            if Self.isDefaultWord(parts[2]) {
                if isDefault { throw .malformed }
                isDefault = true
            } else if let k = Self.kind(parts[2]) {
                kind = k
            } else {
                throw .malformed
            }
        }
        // The name slot may itself be a type word: "d:m:rw" is a default mask entry.
        if let k = Self.kind(parts[1]), k == .mask || k == .other {
            if kind == nil { kind = k } else { name = k.rawValue }
        } else {
            if kind == nil { kind = .user }
            name = parts[1]
        }
        let resolved = kind ?? .user
        if (resolved == .mask || resolved == .other) && !name.isEmpty { throw .malformed }
        if !isDefault && resolved != .mask && name.isEmpty { throw .baseEntry }

        var r = false, w = false, x = false
        let perms = Array(parts[0])
        if perms.count == 1, let digit = perms[0].wholeNumberValue, ("0"..."7").contains(perms[0]) {
            r = digit & 4 != 0
            w = digit & 2 != 0
            x = digit & 1 != 0
        } else {
            for ch in perms {
                switch ch {
                case "r": r = true
                case "w": w = true
                case "x": x = true
                case "-": break
                default: throw .invalidPermission(ch)
                }
            }
        }
        self.init(isDefault: isDefault, kind: resolved, name: name, read: r, write: w, execute: x)
    }

    /// The canonical setfacl form, e.g. `default:user:alice:rw-`.
    public var description: String {
        (isDefault ? "default:" : "") + "\(kind.rawValue):\(name):" + permissionText
    }

    /// `rwx` with `-` for missing bits.
    public var permissionText: String {
        (read ? "r" : "-") + (write ? "w" : "-") + (execute ? "x" : "-")
    }

    private static func isDefaultWord(_ s: String) -> Bool { s == "d" || s == "default" }

    private static func kind(_ s: String) -> Kind? {
        switch s {
        case "u", "user": return .user
        case "g", "group": return .group
        case "m", "mask": return .mask
        case "o", "other": return .other
        default: return nil
        }
    }
}
