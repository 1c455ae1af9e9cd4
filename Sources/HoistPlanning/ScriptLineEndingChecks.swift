import HoistCore

extension AppSpecChecks {
    /// How many leading bytes of a hook script `checkScriptLineEndings` reads: its first line.
    public static let scriptHeadLength = 256

    /// The hook scripts in the bundle whose first bytes to read for `checkScriptLineEndings`,
    /// each once, in hook order.
    public static func scriptsToRead(_ appSpec: AppSpec, entries: [BundleEntry]) -> [String] {
        let index = BundleIndex(entries)
        var paths: [String] = []
        for event in LifecycleEvent.allCases {
            for script in appSpec.scripts(for: event) {
                guard let path = PathSyntax.normalizeRelative(script.location), index.kind(path) == .file,
                      !paths.contains(path) else { continue }
                paths.append(path)
            }
        }
        return paths
    }

    /// One warning per hook whose script has Windows line endings (its first line ends in
    /// CRLF), from the script's first bytes (`heads`, by bundle path). CodeDeploy takes such a
    /// revision, so it is not an error; but the host reads the CR as part of the shebang's
    /// last word (`/bin/bash\r`) and the hook fails with "No such file or directory".
    public static func checkScriptLineEndings(
        _ appSpec: AppSpec, heads: [String: [UInt8]], fileName: String = "appspec.yml"
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for event in LifecycleEvent.allCases {
            for (i, script) in appSpec.scripts(for: event).enumerated() {
                guard let path = PathSyntax.normalizeRelative(script.location), let head = heads[path],
                      let why = windowsLineEndings(head) else { continue }
                diagnostics.append(Diagnostic(
                    .warning, file: fileName, line: script.position?.line, column: script.position?.column,
                    keyPath: "hooks.\(event.rawValue)[\(i)].location",
                    message: "\(script.location) has Windows line endings (CRLF): \(why)",
                    hint: "convert the script with `dos2unix \(script.location)` or `sed -i 's/\\r$//' \(script.location)`"))
            }
        }
        return diagnostics
    }

    /// What a CRLF first line does to the script; nil when the first line does not end in CRLF
    /// (or does not end within `head`).
    static func windowsLineEndings(_ head: [UInt8]) -> String? {
        guard let newline = head.firstIndex(of: UInt8(ascii: "\n")), newline > 0, head[newline - 1] == UInt8(ascii: "\r")
        else { return nil }
        let firstLine = String(decoding: head[..<(newline - 1)], as: UTF8.self)
        guard firstLine.hasPrefix("#!") else {
            return "the shell takes the carriage return at the end of each line as part of the command"
        }
        let lastWord = firstLine.dropFirst(2).split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) ?? ""
        return "its first line, `\(firstLine)`, ends in a carriage return, which the host reads as part of `\(lastWord)\\r`, so the script does not start"
    }
}
