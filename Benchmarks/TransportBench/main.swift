import Foundation
import HoistCore
import HoistDigest
import HoistSSH
import HoistTestSupport

// Measures Hoist's libssh2 transport against OpenSSH on the same hosts in the same run.
//   TransportBench fleet FLEET_DIR N [COMMANDS]
//     connect + authenticate + COMMANDS (default 10) × `true` on N fleet hosts, all in
//     parallel; OpenSSH does the same with one ControlMaster per host through `xargs -P N`.
//   TransportBench upload ADDRESS PORT IDENTITY KNOWN_HOSTS MEGABYTES
//     a file of MEGABYTES random bytes with Hoist's upload, then with `scp`.

func now() -> Double { ProcessInfo.processInfo.systemUptime }

func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

@discardableResult
func shell(_ script: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

func connector() -> SSHConnector {
    var options = SSHConnectorOptions()
    options.useAgent = false
    return SSHConnector(options: options)
}

func openSSHOptions(identity: String, knownHosts: String) -> String {
    "-o BatchMode=yes -o IdentitiesOnly=yes -i \(shellQuote(identity)) -o UserKnownHostsFile=\(shellQuote(knownHosts)) -o StrictHostKeyChecking=yes -o LogLevel=ERROR"
}

func fleetBench(dir: URL, count: Int, commands: Int) async throws {
    let hosts = Array(try Fleet.load(dir: dir).filter { $0.jumps.isEmpty }.prefix(count))
    print("hosts: \(hosts.count) (asked for \(count)), commands per host: \(commands)")
    let connector = connector()

    // Like a deployment: every session is opened and held, then used, then closed, so the
    // peak RSS is that of all N sessions at once.
    let hoistStart = now()
    let failures = try await withThrowingTaskGroup(of: String?.self) { group in
        var connectErrors: [String] = []
        let sessions = await withTaskGroup(of: ((any HostSession)?, String?).self) { opening in
            for host in hosts {
                opening.addTask {
                    do { return (try await connector.connect(host), nil) } catch { return (nil, "\(error)") }
                }
            }
            var all: [any HostSession] = []
            for await (session, error) in opening {
                if let session { all.append(session) }
                if let error { connectErrors.append(error) }
            }
            return all
        }
        for session in sessions {
            group.addTask {
                do {
                    for _ in 0..<commands {
                        let result = try await session.run("true", timeoutSeconds: 60, killGraceSeconds: 1) { _ in }
                        if result.exitStatus != 0 { return "\(session.host.name): true exited \(String(describing: result.exitStatus))" }
                    }
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        }
        var all = connectErrors
        for try await failure in group { if let failure { all.append(failure) } }
        for session in sessions { await session.close() }
        return all
    }
    let hoistSeconds = now() - hoistStart
    let rss = peakRSSMegabytes()
    for failure in failures { print("hoist failure: \(failure)") }

    print(String(format: "hoist:   %.2f s wall (%d failures), peak RSS %.1f MB", hoistSeconds, failures.count, rss))
    if ProcessInfo.processInfo.environment["HOIST_BENCH_SKIP_OPENSSH"] != nil { return }

    let control = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-bench-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: control, withIntermediateDirectories: true)
    let options = openSSHOptions(identity: dir.appendingPathComponent("id_ed25519").path,
                                 knownHosts: dir.appendingPathComponent("known_hosts").path)
    // One line per host: name, address, port; each gets its own master connection.
    let perHost = """
        c=\(shellQuote(control.path))/$1; o="\(options) -p $3 -o ControlPath=$c"
        ssh $o -o ControlMaster=yes -o ControlPersist=yes -fN root@$2 || exit 1
        for i in $(seq \(commands)); do ssh $o root@$2 true || exit 1; done
        ssh $o -O exit root@$2 2>/dev/null
        """
    let lines = hosts.map { "\($0.name) \($0.address) \($0.port)" }.joined(separator: "\n")
    let sshStart = now()
    let status = try shell("printf '%s\\n' \(shellQuote(lines)) | xargs -P \(max(hosts.count, 1)) -L 1 bash -c \(shellQuote(perHost)) _")
    let sshSeconds = now() - sshStart
    try? FileManager.default.removeItem(at: control)

    print(String(format: "openssh: %.2f s wall (exit %d), ControlMaster per host, xargs -P %d", sshSeconds, status, hosts.count))
    print(String(format: "ratio hoist/openssh: %.2f", hoistSeconds / sshSeconds))
}

func uploadBench(address: String, port: Int, identity: String, knownHosts: String, megabytes: Int) async throws {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("hoist-bench-upload-\(UUID().uuidString.prefix(8))")
    try shell("head -c \(megabytes)M /dev/urandom > \(shellQuote(file.path))")
    defer { try? FileManager.default.removeItem(at: file) }
    let host = HostSpec(name: address, address: address, port: port, identityFiles: [identity], knownHostsFile: knownHosts)
    let session = try await connector().connect(host)
    let remote = "/tmp/hoist-bench-upload-\(UUID().uuidString.prefix(8))"
    // Best of three, each side, to damp the noise of a shared machine.
    let digest = try FileSHA256.hex(path: file.path)
    var hoist = Double.infinity
    var scp = Double.infinity
    for _ in 0..<3 {
        let start = now()
        _ = try await session.upload(localPath: file.path, remotePath: remote, mode: 0o644, sha256: digest, progress: nil)
        hoist = min(hoist, now() - start)
        let scpStart = now()
        try shell("scp -q -P \(port) \(openSSHOptions(identity: identity, knownHosts: knownHosts)) \(shellQuote(file.path)) root@\(address):\(remote).scp")
        scp = min(scp, now() - scpStart)
    }
    _ = try await session.capture("rm -f \(remote) \(remote).scp")
    await session.close()
    let mb = Double(megabytes)
    print(String(format: "upload %d MB: hoist %.2f s (%.0f MB/s, includes the remote sha256sum), scp %.2f s (%.0f MB/s)",
                 megabytes, hoist, mb / hoist, scp, mb / scp))
}

let arguments = CommandLine.arguments
do {
    switch arguments.dropFirst().first {
    case "fleet" where arguments.count >= 4:
        try await fleetBench(dir: URL(fileURLWithPath: arguments[2]), count: Int(arguments[3]) ?? 50,
                             commands: arguments.count > 4 ? Int(arguments[4]) ?? 10 : 10)
    case "upload" where arguments.count >= 7:
        try await uploadBench(address: arguments[2], port: Int(arguments[3]) ?? 22, identity: arguments[4],
                              knownHosts: arguments[5], megabytes: Int(arguments[6]) ?? 50)
    default:
        print("usage: TransportBench fleet FLEET_DIR N [COMMANDS] | upload ADDRESS PORT IDENTITY KNOWN_HOSTS MEGABYTES")
        exit(2)
    }
} catch {
    print("error: \(error)")
    exit(1)
}
