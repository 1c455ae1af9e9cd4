import Foundation
import HoistTestSupport

/// `scripts/fleet` for the deploy tests: run a command inside a host, stop or start its sshd,
/// and find a host's private folders from this (the root) namespace.
enum FleetControl {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `scripts/fleet --dir $HOIST_FLEET_DIR arguments…`; returns its status and stdout.
    @discardableResult
    static func fleet(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        guard let script = Fleet.script else { throw Failed(description: "scripts/fleet is missing") }
        return try local(script, ["--dir", TestPaths.fleetDir.path] + arguments)
    }

    /// Runs a program in this (the root) namespace, stdin and stderr on /dev/null; returns its
    /// status and stdout.
    static func local(_ program: URL, _ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = program
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs `command` with `sh -c` inside `host`'s namespaces.
    static func exec(_ host: String, _ command: String) throws -> (status: Int32, stdout: String) {
        try fleet(["exec", host, "--", "sh", "-c", command])
    }

    static func sshd(_ action: String, _ host: String) throws {
        let result = try fleet(["sshd", action, host])
        guard result.status == 0 else { throw Failed(description: "scripts/fleet sshd \(action) \(host) failed (\(result.status))") }
    }

    /// Runs `ip arguments…` in this (the root) namespace, e.g. to take a host's link down.
    static func ip(_ arguments: [String]) throws {
        let result = try local(URL(fileURLWithPath: "/sbin/ip"), arguments)
        guard result.status == 0 else {
            throw Failed(description: "ip \(arguments.joined(separator: " ")) failed (\(result.status))")
        }
    }

    /// Where `path` on `host` is seen from here: the host's private folders are bind mounts
    /// of the fleet folder's `hosts/NAME/<folder>`.
    static func url(_ host: String, _ path: String) -> URL {
        let mounts = [("/etc/hoist-test", "etc-hoist-test"), ("/var/lib", "var-lib"), ("/srv", "srv"), ("/opt", "opt"), ("/tmp", "tmp"),
                      ("/root", "root"), ("/home", "home")]
        for (prefix, folder) in mounts where path == prefix || path.hasPrefix(prefix + "/") {
            return TestPaths.fleetDir.appendingPathComponent("hosts/\(host)/\(folder)")
                .appendingPathComponent(String(path.dropFirst(prefix.count)))
        }
        preconditionFailure("\(path) is not in a host's private folders")
    }
}
