import Foundation
import HoistCore

/// The inventory formats Hoist reads.
public enum InventoryFormat: String, Sendable, Hashable, Codable {
    /// Hoist's own YAML: `defaults:` and `hosts:` with addresses and tags.
    case hoist
    /// An Ansible INI inventory (`[group]`, `[group:children]`, `[group:vars]`).
    case ansibleINI = "ansible-ini"
    /// An Ansible YAML inventory (`all: {hosts:, children:, vars:}`).
    case ansibleYAML = "ansible-yaml"
}

/// A parsed inventory: every host fully resolved (defaults, ssh_config, jump hosts), plus the
/// warnings found on the way.
public struct Inventory: Sendable, Hashable {
    public var file: String
    public var format: InventoryFormat
    public var hosts: [HostSpec]
    public var warnings: [Diagnostic]
    public init(file: String, format: InventoryFormat, hosts: [HostSpec], warnings: [Diagnostic] = []) {
        self.file = file
        self.format = format
        self.hosts = hosts
        self.warnings = warnings
    }

    public func host(named name: String) -> HostSpec? { hosts.first { $0.name == name } }
}

/// What an inventory may read besides its own text: the home folder (for `~` and the default
/// `~/.ssh/config`) and other files (the ssh_config). Tests pass a temporary home so that the
/// real `~/.ssh` is never read.
public struct ConfigEnvironment: Sendable {
    public var homeDirectory: String
    public var currentDirectory: String
    public var readFile: @Sendable (String) -> String?
    /// Environment variables a playbook may name (a trigger's `secret_env`).
    public var variables: [String: String]

    public init(
        homeDirectory: String, currentDirectory: String = FileManager.default.currentDirectoryPath,
        readFile: @escaping @Sendable (String) -> String? = ConfigEnvironment.readFromDisk,
        variables: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.homeDirectory = homeDirectory
        self.currentDirectory = currentDirectory
        self.readFile = readFile
        self.variables = variables
    }

    /// The process's own home ($HOME) and working folder, reading real files.
    public static var process: ConfigEnvironment {
        ConfigEnvironment(homeDirectory: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
    }

    @Sendable public static func readFromDisk(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `path` made absolute against the working folder.
    public func absolute(_ path: String) -> String {
        PathResolver(baseDirectory: currentDirectory, homeDirectory: homeDirectory).resolve(path)
    }

    /// The folder holding `path`, absolute.
    public func folder(of path: String) -> String {
        let absolute = absolute(path)
        guard let slash = absolute.lastIndex(of: "/") else { return currentDirectory }
        return slash == absolute.startIndex ? "/" : String(absolute[..<slash])
    }
}
