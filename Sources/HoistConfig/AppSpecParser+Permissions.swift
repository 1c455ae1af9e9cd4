import HoistCore

extension AppSpecReading {
    static let permissionKeys = ["object", "pattern", "except", "owner", "group", "mode", "acls", "context", "type"]
    static let contextKeys = ["name", "type", "range"]
    static let modeHint = "a mode is 3 or 4 octal digits in quotes, e.g. \"0644\" or \"755\""

    func readPermissions(_ map: YAMLMap) -> [Permission] {
        guard let node = map.value("permissions"),
            let items = reader.list(node, hint: "write `permissions:` followed by `- object: ...` items")
        else { return [] }
        return items.compactMap(readPermission)
    }

    private func readPermission(_ item: YAMLNode) -> Permission? {
        guard let entry = reader.map(item, hint: "each permissions item is a map with at least `object:`") else { return nil }
        reader.checkKeys(entry, known: Self.permissionKeys, ignoredNote: "CodeDeploy ignores it")
        let errorsBefore = reader.diagnostics.count(where: { $0.severity == .error })

        var object = ""
        if let node = entry.value("object"), let text = reader.string(node) {
            object = text.trimmingCharacters(in: .whitespaces)
            if !object.isEmpty && !object.hasPrefix("/") {
                reader.error("the object (\(object)) must be an absolute path", at: node,
                    hint: "permissions apply under an installed path such as /var/www/app")
            }
        }
        if object.isEmpty {
            reader.error(AppSpecMessages.missingObject, at: entry["object"] ?? item, keyPath: item.keyPath + ".object",
                hint: "add `object:` with the installed path the permissions apply under")
        }
        var permission = Permission(object: object, position: item.position)
        if let node = entry.value("pattern"), let pattern = reader.string(node) {
            permission.pattern = pattern
            if pattern != Permission.recursivePattern { checkGlob(pattern, at: node) }
        }
        if let node = entry.value("except") {
            permission.except = strings(node, hint: "write `except: [name, ...]`")
            for (item, glob) in zip(reader.list(node) ?? [], permission.except) { checkGlob(glob, at: item) }
        }
        if let node = entry.value("type") { permission.types = objectTypes(node) }
        if let node = entry.value("owner") { permission.owner = reader.string(node) }
        if let node = entry.value("group") { permission.group = reader.string(node) }
        if let node = entry.value("mode") { permission.mode = mode(node) }
        if let node = entry.value("acls") { permission.acls = acls(node) }
        if let node = entry.value("context") { permission.context = context(node) }
        let errorsAfter = reader.diagnostics.count(where: { $0.severity == .error })
        return errorsAfter == errorsBefore ? permission : nil
    }

    /// CodeDeploy's globs know only `*` and match direct children's names, so some patterns
    /// can never mean what they look like.
    private func checkGlob(_ glob: String, at node: YAMLNode) {
        if glob.contains("/") {
            reader.warning("the pattern `\(glob)` contains `/`, so it never matches: patterns match the names of the object's direct children",
                at: node, hint: "use a narrower `object:` instead of a path in the pattern")
        } else if glob.contains(where: { "?[]{}".contains($0) }) {
            reader.warning("only `*` is a wildcard in CodeDeploy patterns; `?`, `[]` and `{}` match themselves", at: node,
                hint: "rewrite the pattern with `*` only")
        }
    }

    private func strings(_ node: YAMLNode, hint: String) -> [String] {
        guard let items = reader.list(node, hint: hint) else { return [] }
        return items.compactMap { reader.string($0) }
    }

    private func objectTypes(_ node: YAMLNode) -> Set<Permission.ObjectType> {
        guard let items = reader.list(node, hint: "write `type: [file]`, `type: [directory]` or both") else { return [] }
        var types: Set<Permission.ObjectType> = []
        for item in items {
            guard let text = reader.string(item) else { continue }
            if let type = Permission.ObjectType(rawValue: text) {
                types.insert(type)
            } else {
                reader.error(AppSpecMessages.objectType(text), at: item,
                    hint: DidYouMean.hint(for: text, among: ["file", "directory"]) ?? "use `file` or `directory`")
            }
        }
        return types
    }

    /// CodeDeploy stringifies the YAML value, so an unquoted `0644` (a YAML 1.1 octal number,
    /// 420) becomes mode "420": warn, then validate what CodeDeploy would use.
    private func mode(_ node: YAMLNode) -> FileMode? {
        let raw: String
        if let value = node.integerValue {
            raw = String(value)
            if let written = node.scalarText, written != raw {
                let suggestion = written.hasPrefix("0") && written.allSatisfy(\.isNumber)
                    ? "write `mode: \"\(written)\"` in quotes (or `mode: \(written.drop(while: { $0 == "0" }))`)"
                    : "write the mode as quoted octal digits, e.g. `mode: \"0644\"`"
                reader.warning("unquoted `mode: \(written)` is a YAML number (\(value)), so CodeDeploy uses mode \(raw), not \(written)",
                    at: node, hint: suggestion)
            }
        } else if let text = reader.string(node, hint: Self.modeHint) {
            raw = text
        } else {
            return nil
        }
        do {
            return try FileMode(validating: raw)
        } catch {
            switch error {
            case .tooLong(let padded):
                reader.error(AppSpecMessages.modeLength(padded), at: node, hint: Self.modeHint)
            case .invalidCharacter(let padded, let character):
                reader.error(AppSpecMessages.modeCharacter(padded, character), at: node, hint: Self.modeHint)
            }
        }
        return nil
    }

    private func acls(_ node: YAMLNode) -> [ACLEntry]? {
        guard let items = reader.list(node, hint: "write `acls:` followed by `- u:name:rwx` items") else { return nil }
        var entries: [ACLEntry] = []
        for item in items {
            guard let text = reader.string(item) else { continue }
            do {
                entries.append(try ACLEntry(parsing: text))
            } catch {
                switch error {
                case .malformed:
                    reader.error(AppSpecMessages.invalidACL(text), at: item,
                        hint: "an entry is [d:][u|g|m|o:]name:perms, e.g. u:deploy:rwx or d:g:www:r-x")
                case .baseEntry:
                    reader.error(AppSpecMessages.baseACL(text), at: item, hint: "set the owner/group/other bits with `mode:` instead")
                case .invalidPermission(let c):
                    reader.error(AppSpecMessages.aclCharacter(text, c), at: item, hint: "permissions are r, w, x and - (or one octal digit)")
                }
            }
        }
        return entries
    }

    private func context(_ node: YAMLNode) -> SELinuxContext? {
        guard let map = reader.map(node, hint: "write `context:` with `type:` and optionally `name:` and `range:`") else { return nil }
        for entry in map.entries where !Self.contextKeys.contains(entry.key) {
            switch entry.key {
            case "user":
                reader.warning("CodeDeploy reads the SELinux user from `name`, so `user` is ignored", at: entry.keyNode,
                    hint: "rename `user:` to `name:` (the User Guide is wrong here)")
            case "role":
                reader.warning("SELinux roles are not supported, so `role` is ignored", at: entry.keyNode, hint: "remove `role:`")
            default:
                reader.warning("unknown key `\(entry.key)`; CodeDeploy ignores it", at: entry.keyNode,
                    hint: DidYouMean.hint(for: entry.key, among: Self.contextKeys) ?? "known keys: name, type, range")
            }
        }
        guard let typeNode = map.value("type") else {
            reader.error(AppSpecMessages.contextType(node.rubyText), at: map["type"] ?? node, keyPath: node.keyPath + ".type",
                hint: "add `type:`, e.g. httpd_sys_content_t")
            return nil
        }
        guard let type = reader.string(typeNode) else { return nil }
        var context = SELinuxContext(type: type)
        if let nameNode = map.value("name") { context.name = reader.string(nameNode) }
        if let rangeNode = map.value("range"), let text = reader.string(rangeNode) {
            do {
                context.range = try SELinuxRange(parsing: text)
            } catch {
                reader.error(error.message, at: rangeNode, hint: "a range is sN[-sM][:cX[.cY],...], e.g. s0-s0:c0.c1023")
            }
        }
        return context
    }
}
