import HoistCore

extension AppSpecReading {
    static let fileKeys = ["source", "destination"]

    func readFiles(_ map: YAMLMap) -> [FileMapping] {
        guard let node = map.value("files"),
            let items = reader.list(node, hint: "write `files:` followed by `- source: ...` and `destination: ...` items")
        else { return [] }
        var mappings: [FileMapping] = []
        for item in items {
            guard let entry = reader.map(item, hint: "each files item has `source:` and `destination:`") else { continue }
            reader.checkKeys(entry, known: Self.fileKeys, ignoredNote: "CodeDeploy ignores it")
            guard let sourceNode = entry.value("source") else {
                reader.error(AppSpecMessages.missingSource, at: entry["source"] ?? item, keyPath: item.keyPath + ".source",
                    hint: "add `source:` (a path in the bundle; `/` means the whole revision)")
                continue
            }
            guard let source = reader.string(sourceNode) else { continue }
            guard let destinationNode = entry.value("destination") else {
                reader.error(AppSpecMessages.missingDestination(source), at: entry["destination"] ?? item,
                    keyPath: item.keyPath + ".destination", hint: "add `destination:` (an absolute directory on the host)")
                continue
            }
            guard let destination = reader.string(destinationNode) else { continue }
            var valid = true
            if PathSyntax.normalizeRelative(source) == nil {
                reader.error("the source (\(source)) leaves the revision bundle through `..`", at: sourceNode,
                    hint: "sources are paths inside the bundle, relative to its root")
                valid = false
            }
            if !destination.hasPrefix("/") {
                reader.error("the destination (\(destination)) must be an absolute path", at: destinationNode,
                    hint: "CodeDeploy would resolve it against the agent's working directory; write the full path, e.g. /var/www/app")
                valid = false
            }
            if valid { mappings.append(FileMapping(source: source, destination: destination, position: item.position)) }
        }
        return mappings
    }
}
