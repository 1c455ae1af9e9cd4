import Foundation

/// The XDG base directories Hoist keeps its files in: the history (state), the bundle cache
/// (cache) and `hoist local`'s deployments (data), read one way. A variable counts only when
/// absolute, as the spec says; otherwise the folder is under `$HOME`, and the account's home
/// only when HOME is unset (a CI job's HOME is where its files belong).
public enum XDGDirectory: Sendable {
    case state, cache, data

    private var variable: String {
        switch self {
        case .state: "XDG_STATE_HOME"
        case .cache: "XDG_CACHE_HOME"
        case .data: "XDG_DATA_HOME"
        }
    }

    private var underHome: String {
        switch self {
        case .state: ".local/state"
        case .cache: ".cache"
        case .data: ".local/share"
        }
    }

    /// `<base>/<rest>`, e.g. `XDGDirectory.cache.path("hoist/bundles", environment)`.
    public func path(_ rest: String, _ environment: [String: String]) -> String {
        if let base = environment[variable], base.hasPrefix("/") { return Self.join(base, rest) }
        return Self.join(Self.home(environment), Self.join(underHome, rest))
    }

    /// `$HOME`, else the account's home folder.
    public static func home(_ environment: [String: String]) -> String {
        environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    }

    public static func join(_ base: String, _ rest: String) -> String {
        base.hasSuffix("/") ? base + rest : base + "/" + rest
    }
}
