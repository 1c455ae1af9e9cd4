/// How strictly a host's SSH key is checked against known_hosts.
public enum HostKeyChecking: String, Sendable, Hashable, Codable, CaseIterable {
    /// Unknown or changed keys refuse the host (the default).
    case strict
    /// Unknown keys are recorded; changed keys refuse the host.
    case acceptNew = "accept-new"
    /// No check at all; explicit and loudly reported.
    case off
}

/// A tag on a host. A tag may have a key only (`canary`) or a key and a value (`role: web`).
public struct Tag: Sendable, Hashable, Codable, CustomStringConvertible {
    public var key: String
    public var value: String?
    public init(_ key: String, _ value: String? = nil) {
        self.key = key
        self.value = value
    }
    public var description: String { value.map { "\(key)=\($0)" } ?? key }
}

/// One SSH hop in front of a host (ProxyJump-style). Hops are tried in order.
public struct JumpHost: Sendable, Hashable, Codable, CustomStringConvertible {
    public var address: String
    public var port: Int
    public var user: String?
    public init(address: String, port: Int = 22, user: String? = nil) {
        self.address = address
        self.port = port
        self.user = user
    }
    public var description: String { (user.map { "\($0)@" } ?? "") + address + (port == 22 ? "" : ":\(port)") }
}

/// Everything needed to reach one host and to deploy to it: the resolved result of an
/// inventory entry, its defaults and ssh_config. Pure data; adapters turn it into sessions.
public struct HostSpec: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The host's name in the inventory; what every message and log prefix shows.
    public var name: String
    public var address: String
    public var port: Int
    public var user: String
    public var identityFiles: [String]
    public var knownHostsFile: String?
    public var hostKeyChecking: HostKeyChecking
    public var jumps: [JumpHost]
    /// Use sudo for deployment work when the SSH user is not root.
    public var become: Bool
    public var deploymentRoot: String
    public var tags: [Tag]
    /// Environment variable holding a password for password authentication, if any.
    public var passwordEnv: String?

    public static let defaultDeploymentRoot = "/var/lib/hoist"

    public init(
        name: String, address: String, port: Int = 22, user: String = "root",
        identityFiles: [String] = [], knownHostsFile: String? = nil,
        hostKeyChecking: HostKeyChecking = .strict, jumps: [JumpHost] = [],
        become: Bool = false, deploymentRoot: String = HostSpec.defaultDeploymentRoot,
        tags: [Tag] = [], passwordEnv: String? = nil
    ) {
        self.name = name
        self.address = address
        self.port = port
        self.user = user
        self.identityFiles = identityFiles
        self.knownHostsFile = knownHostsFile
        self.hostKeyChecking = hostKeyChecking
        self.jumps = jumps
        self.become = become
        self.deploymentRoot = deploymentRoot
        self.tags = tags
        self.passwordEnv = passwordEnv
    }

    public var description: String { name }

    public func tagValue(_ key: String) -> String?? {
        guard let tag = tags.first(where: { $0.key == key }) else { return nil }
        return .some(tag.value)
    }
}
