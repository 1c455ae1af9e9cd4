import Foundation
import HoistCore
import HoistTestSupport
import Testing

/// What a person sees on a terminal during a blue/green deployment (run under `script`, so
/// hoist gets a pseudo-terminal and its live view): each phase's header before its hosts are
/// ticked, a counter that never says more hosts done or running than the phase has, and a
/// summary with one row per host and no unknown status.
extension TrafficTests {
    /// Runs hoist under `script -qfc` and returns what it wrote, escape sequences removed.
    static func onTerminal(_ args: [String]) throws -> (status: Int32, text: String) {
        let command = ([HoistBinary.path] + args).map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", command, "/dev/null"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let raw = String(decoding: data, as: UTF8.self)
        let plain = raw.replacingOccurrences(of: "\u{1b}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r", with: "")
        return (process.terminationStatus, plain)
    }

    @Test func aBlueGreenDeploymentReadsPhaseByPhaseOnATerminal() throws {
        let env = try TestPaths.fleetHAProxyEnv()
        let socket = try #require(env["HAPROXY_SOCKET"])
        let scratch = try ScratchDirectory("hoist-bg-terminal")
        let playbook = try Self.playbook(scratch, name: "bluegreen.yml", socket: socket, blueGreen: true, group: "traffic-terminal")
        let run = try Self.onTerminal(["deploy", playbook, "--revision", try Self.revision(scratch, "t-\(UUID().uuidString.prefix(6))"),
                                       "--db", scratch.file("h.db")])
        #expect(run.status == 0, "\(run.text.suffix(3000))")
        let lines = run.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }

        // Every tick comes after a phase header, and each phase ticks only its own hosts.
        var phaseHosts: Set<String>?
        for line in lines {
            let words = line.split(whereSeparator: { " ,;:".contains($0) }).map(String.init)
            if line.hasPrefix("Block "), words.count > 1 {
                phaseHosts = try Self.hosts(ofFleet: words[1])
            } else if line.hasPrefix("Install on "), words.count > 2 {
                phaseHosts = try Self.hosts(ofFleet: words[2])
            } else if line.hasPrefix("Reroute ") {
                phaseHosts = Set(words.filter { $0.range(of: #"^h\d{3}$"#, options: .regularExpression) != nil })
            } else if line.hasPrefix("✔ ") || line.hasPrefix("✘ ") {
                let host = String(line.dropFirst(2).prefix { $0 != " " })
                #expect(phaseHosts?.contains(host) == true, "\(host) ticked outside its phase: \(line)")
            }
        }
        // The counter: never more done, or done and running, than the phase has hosts.
        for line in lines where line.hasPrefix("[") && line.contains(" done: ") {
            let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count >= 5 else { continue }
            let (done, total, running) = (numbers[0], numbers[1], numbers[4])
            #expect(done <= total && done + running <= total, "\(line)")
        }
        // The summary: one row per web host, none unknown.
        let rows = lines.filter { $0.range(of: #"^h\d{3} +(Succeeded|Failed|Skipped|Unknown)"#, options: .regularExpression) != nil }
        let web = try Self.hosts(ofFleet: "blue").union(try Self.hosts(ofFleet: "green"))
        #expect(rows.count == web.count, "\(rows) in:\n\(lines.suffix(30).joined(separator: "\n"))")
        #expect(Set(rows.map { String($0.prefix(4)) }) == web)
        #expect(!rows.contains { $0.contains("Unknown") || $0.contains("?") }, "\(rows)")
    }
}
