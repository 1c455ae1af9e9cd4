import HoistCore

/// Reads an Ansible INI inventory: hosts before any section (ungrouped), `[group]` host lines
/// with `key=value` vars, `[group:children]`, `[group:vars]` and `[all:vars]`; host ranges
/// such as `web[01:05]` expand.
struct AnsibleINIParser {
    let reader: YAMLNodeReader
    let budget: HostBudget

    func parse(_ text: String) -> AnsibleInventory {
        var inventory = AnsibleInventory()
        var section = "ungrouped"
        var kind = "hosts"
        for (index, rawLine) in TextLines.lines(text).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.trimming(" \t")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    reader.error(line: lineNumber, column: 1, "", "section header '\(line)' has no closing ']'")
                    continue
                }
                let header = String(line.dropFirst().dropLast())
                let parts = header.split(separator: ":", maxSplits: 1).map(String.init)
                section = parts.first ?? ""
                kind = parts.count > 1 ? parts[1] : "hosts"
                guard !section.isEmpty, ["hosts", "children", "vars"].contains(kind) else {
                    let hint = didYouMean(kind, in: ["children", "vars"]).map { "did you mean ':\($0)'?" }
                    reader.error(line: lineNumber, column: 1, header, "unknown section kind '\(kind)'",
                                 hint: hint ?? "use [group], [group:children] or [group:vars]")
                    kind = "skip"
                    continue
                }
                inventory.ensureGroup(section)
                continue
            }
            let words = Self.words(line)
            switch kind {
            case "children":
                for child in words {
                    inventory.ensureGroup(child.text)
                    if !inventory.groups[section]!.children.contains(child.text) {
                        inventory.groups[section]!.children.append(child.text)
                    }
                }
            case "vars":
                guard let (key, value) = Self.keyValue(line) else {
                    reader.error(line: lineNumber, column: 1, "\(section):vars", "'\(line)' is not key=value")
                    continue
                }
                inventory.groups[section]!.vars.append((key, .init(text: value, line: lineNumber, column: 1)))
            case "hosts":
                guard let first = words.first else { continue }
                var vars: [(key: String, value: AnsibleInventory.Value)] = []
                for word in words.dropFirst() {
                    guard let eq = word.text.firstIndex(of: "="), eq != word.text.startIndex else {
                        reader.error(line: lineNumber, column: word.column, join(section, first.text),
                                     "'\(word.text)' is not a key=value host variable")
                        continue
                    }
                    vars.append((String(word.text[..<eq]),
                                 .init(text: String(word.text[word.text.index(after: eq)...]), line: lineNumber, column: word.column)))
                }
                // `host:port`, as Ansible INI allows; the port becomes ansible_port.
                var hostText = first.text
                if let colon = hostText.lastIndex(of: ":"), hostText.firstIndex(of: ":") == colon, !hostText.contains("["),
                    let port = Int(hostText[hostText.index(after: colon)...])
                {
                    vars.insert(("ansible_port", .init(text: String(port), line: lineNumber, column: first.column)), at: 0)
                    hostText = String(hostText[..<colon])
                }
                let names: [String]
                do throws(HostRange.Invalid) { names = try budget.names(hostText) } catch {
                    reader.error(line: lineNumber, column: first.column, section, error.message, hint: error.hint)
                    continue
                }
                do throws(HostRange.Invalid) {
                    try inventory.add(hosts: names, written: hostText, to: section,
                                      place: { .init(line: lineNumber, column: first.column, keyPath: join(section, $0)) },
                                      vars: vars)
                } catch {
                    reader.error(line: lineNumber, column: first.column, join(section, hostText), error.message, hint: error.hint)
                }
            default:
                continue
            }
        }
        return inventory
    }

    /// Splits a line into words, keeping quoted parts together and dropping the quotes and
    /// any trailing `# comment`.
    static func words(_ line: String) -> [(text: String, column: Int)] {
        var words: [(text: String, column: Int)] = []
        var current = "", start = 0, quote: Character?, inWord = false
        for (offset, ch) in line.enumerated() {
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
                continue
            }
            if ch == "#" && !inWord { break }
            if ch == " " || ch == "\t" {
                if inWord { words.append((current, start + 1)); current = ""; inWord = false }
                continue
            }
            if !inWord { inWord = true; start = offset }
            if ch == "\"" || ch == "'" { quote = ch } else { current.append(ch) }
        }
        if inWord { words.append((current, start + 1)) }
        return words
    }

    static func keyValue(_ line: String) -> (String, String)? {
        guard let eq = line.firstIndex(of: "=") else { return nil }
        let key = String(line[..<eq]).trimming(" \t")
        var value = String(line[line.index(after: eq)...]).trimming(" \t")
        if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
            value = String(value.dropFirst().dropLast())
        }
        return key.isEmpty ? nil : (key, value)
    }
}
