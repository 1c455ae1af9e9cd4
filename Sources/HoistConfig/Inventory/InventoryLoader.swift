import HoistCore
import Yams

/// Reads an inventory in any of the formats Hoist knows, applies ssh_config, and returns every
/// host resolved, or every problem found.
public enum InventoryLoader {
    /// Which format a file is in: `.ini`, no extension, or text starting with `[` is Ansible
    /// INI; YAML with a top-level `all:` (or only group names) is Ansible YAML; YAML with
    /// `hosts:` or `defaults:` at the top is Hoist's own format.
    public static func detectFormat(text: String, file: String) -> InventoryFormat {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let lowerName = name.lowercased()
        if lowerName.hasSuffix(".ini") || !name.contains(".") { return .ansibleINI }
        let firstLine = TextLines.lines(text).map { $0.trimming(" \t") }
            .first { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix(";") }
        if let firstLine, firstLine.hasPrefix("["), firstLine.hasSuffix("]"), !firstLine.contains(",") { return .ansibleINI }
        guard let root = try? Yams.compose(yaml: TextLines.withoutByteOrderMark(text)), case .mapping(let mapping) = root else { return .hoist }
        let keys = mapping.keys.compactMap(\.string)
        if keys.contains("all") { return .ansibleYAML }
        if keys.contains("hosts") || keys.contains("defaults") { return .hoist }
        return .ansibleYAML
    }

    /// Parses inventory text. `file` is the name used in diagnostics; relative paths in the
    /// inventory resolve against the folder holding `file`. ssh_config is read through
    /// `environment` (the one the inventory names, else `~/.ssh/config` when it exists).
    public static func parse(text: String, file: String, environment: ConfigEnvironment) -> Result<Inventory, DiagnosticsError> {
        let reader = YAMLNodeReader(file: file)
        let paths = PathResolver(baseDirectory: environment.folder(of: file), homeDirectory: environment.homeDirectory)
        // A file with no extension is read as INI, where every line of a program or an
        // archive became an error of its own (`inventory: /bin/ls`: 1,883 of them).
        if let problem = TextEncodingCheck.problem(text, what: "an inventory: YAML, or Ansible's INI or YAML") {
            reader.error(line: problem.line, column: problem.line.map { _ in 1 }, "", problem.message, hint: problem.hint)
            return .failure(DiagnosticsError(reader.diagnostics))
        }
        let format = detectFormat(text: text, file: file)
        var drafts: [HostDraft] = []
        var defaults = HostSettings()
        var sshConfigPath: String?
        var sshConfigNamed = false
        let budget = HostBudget()
        switch format {
        case .ansibleINI:
            drafts = AnsibleINIParser(reader: reader, budget: budget).parse(text).drafts(reader: reader, paths: paths)
        case .ansibleYAML:
            if let root = reader.compose(text) {
                drafts = AnsibleYAMLParser(reader: reader, budget: budget).parse(root).drafts(reader: reader, paths: paths)
            }
        case .hoist:
            guard let root = reader.compose(text) else {
                if !reader.hasErrors { reader.error(line: nil, column: nil, "", "the inventory is empty", hint: "add 'hosts:'") }
                return .failure(DiagnosticsError(reader.diagnostics))
            }
            let parsed = HoistInventoryParser(reader: reader, paths: paths, budget: budget).parse(root)
            drafts = parsed.drafts
            defaults = parsed.defaults
            sshConfigPath = parsed.sshConfig
            sshConfigNamed = parsed.sshConfig != nil
        }

        var sshConfig: SSHConfig?
        let configPath = sshConfigPath ?? environment.homeDirectory + "/.ssh/config"
        if let configText = environment.readFile(configPath) {
            let folder = PathResolver(baseDirectory: environment.folder(of: configPath), homeDirectory: environment.homeDirectory)
            let (config, problems) = SSHConfig.parse(
                configText, file: configPath, baseDirectory: folder.baseDirectory, homeDirectory: environment.homeDirectory,
                files: SSHConfig.IncludedFiles(read: environment.readFile, list: environment.listFolder))
            sshConfig = config
            reader.append(problems)
        } else if sshConfigNamed {
            reader.error(line: nil, column: nil, "defaults.ssh_config", "cannot read the ssh_config file \(configPath)",
                         hint: "fix the path or remove 'ssh_config'")
        }

        let hosts = HostResolver(reader: reader, sshConfig: sshConfig).resolve(drafts, defaults: defaults)
        if hosts.isEmpty && !reader.hasErrors {
            reader.error(line: nil, column: nil, "", "the inventory has no hosts")
        }
        if reader.hasErrors { return .failure(DiagnosticsError(reader.diagnostics)) }
        return .success(Inventory(file: file, format: format, hosts: hosts, warnings: reader.diagnostics))
    }

    /// Reads and parses an inventory file.
    public static func load(path: String, environment: ConfigEnvironment = .process) -> Result<Inventory, DiagnosticsError> {
        guard let text = environment.readFile(environment.absolute(path)) else {
            return .failure(DiagnosticsError([Diagnostic(file: path, message: "cannot read the inventory file",
                                                         hint: "check that the path exists and is readable")]))
        }
        return parse(text: text, file: path, environment: environment)
    }
}
