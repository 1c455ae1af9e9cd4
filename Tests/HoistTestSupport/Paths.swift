import Foundation

/// Where things are, for tests: the package root, the built binary, the local fleet.
public enum TestPaths {
    /// The package root, found from this source file's location.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The local fleet's state folder (scripts/fleet writes it); HOIST_FLEET_DIR overrides.
    public static var fleetDir: URL {
        if let dir = ProcessInfo.processInfo.environment["HOIST_FLEET_DIR"] {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.appendingPathComponent(".fleet")
    }

    /// The fleet's HAProxy settings (`haproxy/env`: its socket, ports and backends), by name.
    public static func fleetHAProxyEnv() throws -> [String: String] {
        let text = try String(contentsOf: fleetDir.appendingPathComponent("haproxy/env"), encoding: .utf8)
        var env: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { env[parts[0]] = parts[1] }
        }
        return env
    }
}
