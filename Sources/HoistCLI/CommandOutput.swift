import Foundation
import HoistCore

/// Short texts for hook scripts, shared by `validate` and `plan`.
enum ScriptText {
    /// `scripts/start.sh (timeout 300 s, runas app)`; the default timeout is not repeated.
    static func describe(_ script: HookScript) -> String {
        var details: [String] = []
        if script.timeout != HookScript.defaultTimeout { details.append("timeout \(script.timeout) s") }
        if let runas = script.runas { details.append("runas \(runas)") }
        if script.sudo { details.append("sudo") }
        return details.isEmpty ? script.location : "\(script.location) (\(details.joined(separator: ", ")))"
    }
}

/// Long lists on a terminal: the first `limit` items, then how many more.
enum ListText {
    static let defaultLimit = 20

    static func limited(_ title: String, _ items: [String], limit: Int = defaultLimit, indent: String = "") -> String {
        if items.isEmpty { return "\(indent)\(title): none\n" }
        var out = "\(indent)\(title) (\(items.count)):\n"
        for item in items.prefix(limit) { out += "\(indent)  \(item)\n" }
        if items.count > limit { out += "\(indent)  … and \(items.count - limit) more\n" }
        return out
    }
}

/// Pretty, key-sorted JSON, the one form Hoist's `--json` outputs use.
enum CommandJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
