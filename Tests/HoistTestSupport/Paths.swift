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
}
