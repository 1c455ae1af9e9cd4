/// One `permissions` entry: what to set (mode, ACL, SELinux context, owner/group) on the
/// installed paths under `object` that match `pattern` and not `except`.
public struct Permission: Sendable, Hashable, Codable {
    /// Which installed paths a permission applies to.
    public enum ObjectType: String, Sendable, Hashable, Codable, CaseIterable {
        case file, directory
    }

    public var object: String
    /// `**` (every descendant) or a simple `*` glob over direct children's names.
    public var pattern: String
    public var except: [String]
    public var owner: String?
    public var group: String?
    public var mode: FileMode?
    public var acls: [ACLEntry]?
    public var context: SELinuxContext?
    public var types: Set<ObjectType>
    public var position: SourcePosition?

    public static let recursivePattern = "**"

    public init(
        object: String, pattern: String = Permission.recursivePattern, except: [String] = [],
        owner: String? = nil, group: String? = nil, mode: FileMode? = nil,
        acls: [ACLEntry]? = nil, context: SELinuxContext? = nil,
        types: Set<ObjectType> = [.file, .directory], position: SourcePosition? = nil
    ) {
        self.object = object
        self.pattern = pattern
        self.except = except
        self.owner = owner
        self.group = group
        self.mode = mode
        self.acls = acls
        self.context = context
        self.types = types
        self.position = position
    }
}

/// A permissions mode as CodeDeploy keeps it: 3 or 4 octal digits, e.g. "644" or "0755".
public struct FileMode: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Why a mode text was refused; the padded text is what CodeDeploy prints.
    public enum Invalid: Error, Sendable, Hashable {
        case tooLong(padded: String)
        case invalidCharacter(padded: String, character: Character)
    }

    /// The digits, left-padded with 0 to at least 3 characters.
    public let text: String

    /// Validates like CodeDeploy: pad to 3 characters, at most 4, octal digits only.
    public init(validating raw: String) throws(Invalid) {
        var padded = raw
        while padded.count < 3 { padded = "0" + padded }
        if padded.count > 4 { throw .tooLong(padded: padded) }
        if let bad = padded.first(where: { !("0"..."7").contains($0) }) {
            throw .invalidCharacter(padded: padded, character: bad)
        }
        text = padded
    }

    /// Decodes the digits and validates them again, so a stored mode is never invalid.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(validating: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid mode \(text)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    /// The permission bits as a number (e.g. 0o644).
    public var bits: UInt32 { UInt32(text, radix: 8) ?? 0 }

    public var description: String { text }
}
