import Foundation
import HoistCore
import Yams

/// Reads `appspec.yml` text into an `AppSpec`, reporting every problem at once with CodeDeploy's
/// wording plus file:line:column, key path and a hint. Stricter than CodeDeploy where its
/// leniency hurts (unknown hook names, relative paths, octal modes); laxer where it is wrong
/// (`version: "0.0"` is accepted).
public enum AppSpecParser {
    /// The top-level keys CodeDeploy reads; others are ignored (with a warning here).
    public static let topLevelKeys = ["version", "os", "files", "permissions", "hooks", "file_exists_behavior"]

    /// The AppSpec (nil when there is any error) and all diagnostics, in file order.
    public static func parse(_ text: String, fileName: String = "appspec.yml") -> (appSpec: AppSpec?, diagnostics: [Diagnostic]) {
        let reader = YAMLReader(file: fileName, text: text)
        let spec = AppSpecReading(reader: reader).read(text)
        return (reader.hasErrors ? nil : spec, reader.diagnostics)
    }
}

/// One parse: the reader collecting diagnostics, and a function per AppSpec section.
struct AppSpecReading {
    let reader: YAMLReader

    static let startHint = "an AppSpec starts with `version: 0.0` and `os: linux`"

    func read(_ text: String) -> AppSpec? {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reader.report(.error, AppSpecMessages.empty, line: 1, column: 1, keyPath: nil, hint: Self.startHint)
            return nil
        }
        guard let root = YAMLDocument.load(text, into: reader, options: .psych4SafeLoad) else {
            if !reader.hasErrors {
                reader.report(.error, AppSpecMessages.empty, line: 1, column: 1, keyPath: nil, hint: Self.startHint)
            }
            return nil
        }
        if root.isNull {
            reader.error(AppSpecMessages.empty, at: root, hint: Self.startHint)
            return nil
        }
        guard let map = reader.map(root, hint: Self.startHint) else { return nil }
        reader.checkKeys(map, known: AppSpecParser.topLevelKeys, ignoredNote: "CodeDeploy ignores it")
        readVersion(map)
        readOS(map)
        return AppSpec(
            version: "0.0", os: "linux", files: readFiles(map),
            fileExistsBehavior: readFileExistsBehavior(map), permissions: readPermissions(map),
            hooks: readHooks(map))
    }

    private func readVersion(_ map: YAMLMap) {
        guard let node = map.value("version") else {
            reader.error(AppSpecMessages.version(map["version"]?.rubyText ?? ""), at: map["version"] ?? map.node,
                keyPath: "version", hint: "add `version: 0.0` at the top of the file")
            return
        }
        if let text = node.scalarText {
            if node.isPlainScalar, node.tagName == .int || node.tagName == .float,
                Double(text.replacingOccurrences(of: "_", with: "")) == 0 || node.integerValue == 0
            {
                return
            }
            if !node.isPlainScalar, text == "0.0" { return }
        }
        reader.error(AppSpecMessages.version(node.rubyText), at: node, hint: "write `version: 0.0`")
    }

    private func readOS(_ map: YAMLMap) {
        let node = map.value("os")
        if let node, node.scalarText == "linux" { return }
        reader.error(AppSpecMessages.os(node?.rubyText ?? ""), at: node ?? map["os"] ?? map.node, keyPath: "os",
            hint: "Hoist deploys to Linux hosts only: write `os: linux`")
    }

    private func readFileExistsBehavior(_ map: YAMLMap) -> FileExistsBehavior? {
        guard let node = map.value("file_exists_behavior") else { return nil }
        let names = FileExistsBehavior.allCases.map(\.rawValue)
        if let text = node.scalarText, let value = FileExistsBehavior(rawValue: text) { return value }
        reader.error(AppSpecMessages.fileExistsBehavior(node.rubyText), at: node,
            hint: DidYouMean.hint(for: node.scalarText ?? "", among: names) ?? "use DISALLOW, OVERWRITE or RETAIN (upper case)")
        return nil
    }
}
