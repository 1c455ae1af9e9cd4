import Foundation
import HoistTestSupport
import Testing

/// The README's first command, `scripts/demo`, run from a clone under /root: a folder every
/// fleet host mounts privately. The demo's fleet (2 hosts, on a subnet and ports of its own
/// next to the test fleet's) must come up, take a real deployment through HAProxy and answer.
/// The suite's binary is reused (HOIST_DEMO_BINARY) so the test does not build Hoist again.
@Suite("scripts/demo from a clone under /root", .serialized)
struct DemoFromRootCloneTests {
    @Test(.timeLimit(.minutes(15)))
    func theDemoDeploysFromACloneUnderRoot() async throws {
        guard geteuid() == 0 else { return }  // the fleet needs root; CI runs as root
        let root = TestPaths.packageRoot.path
        let options = DemoFleet.options(ProcessInfo.processInfo.environment)
        let script = """
            set -euo pipefail
            clone=$(mktemp -d /root/hoist-demo-clone.XXXXXX)
            state=$(mktemp -d /var/tmp/hoist-demo-state.XXXXXX)
            cleanup() {
              "$clone/scripts/fleet" --dir "$clone/.fleet" down >/dev/null 2>&1 || true
              real=$(readlink "$clone/.fleet" || true)
              rm -rf "$clone" "$state"
              [[ $real == /var/tmp/hoist-fleets/* ]] && rm -rf "$real"
              true
            }
            trap cleanup EXIT
            # The package's files as a clone has them (tracked and new, not ignored ones).
            cd "\(root)"
            git ls-files -z --cached --others --exclude-standard |
              tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C "$clone"
            cd "$clone"
            env -u HOIST_FLEET_DIR HOIST_DEMO_BINARY="\(HoistBinary.path)" HOIST_DEMO_HOSTS=2 \\
              HOIST_DEMO_FLEET_OPTIONS="\(options)" XDG_STATE_HOME="$state/state" XDG_CACHE_HOME="$state/cache" \\
              scripts/demo 2>&1 && status=0 || status=$?
            echo "fleet link: $(readlink "$clone/.fleet" || echo none)"
            exit $status
            """
        let result = try await DeployScenario.offThePool { try DemoFleet.bash(script) }
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("demo: deployed"), "\(result.output)")
        #expect(result.output.contains("fleet link: /var/tmp/hoist-fleets/"), "\(result.output)")
        #expect(result.output.contains("which every host mounts privately: its files live in /var/tmp/hoist-fleets/"))
        #expect(result.output.contains("build: skipped"), "the suite's binary was reused")
        let answers = result.output.split(separator: "\n").filter { $0.hasPrefix("webapp version=") }
        #expect(answers.count == 6, "HAProxy answered from the deployed hosts: \(result.output)")
    }
}

/// Where the demo's own fleet goes, and running the script.
enum DemoFleet {
    /// The test fleet's subnet + 128 and its ports + 700, so it stands next to the test fleet
    /// (and to other developers' test fleets, which differ in the same positions).
    static func options(_ env: [String: String]) -> String {
        let subnet = env["HOIST_TEST_SUBNET"] ?? "10.77.8"
        var octets = subnet.split(separator: ".").map(String.init)
        let third = Int(octets.last ?? "8") ?? 8
        octets[octets.count - 1] = String((third + 128) % 254)
        let frontend = (Int(env["HOIST_TEST_FRONTEND_PORT"] ?? "") ?? 18180) + 700
        let stats = (Int(env["HOIST_TEST_STATS_PORT"] ?? "") ?? 19099) + 700
        return "--subnet \(octets.joined(separator: ".")) --frontend-port \(frontend) --stats-port \(stats)"
    }

    static func bash(_ script: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
