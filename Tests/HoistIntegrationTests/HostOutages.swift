import Foundation
import HoistCore
import Testing

/// Keeps the tests that make a host unreachable (its sshd stopped, its link taken down) apart
/// from the tests that need every host of the fleet answering. The traffic tests deploy to the
/// whole web fleet without taking hosts from `DeployHostPool`, so a deploy test stopping the
/// sshd of a host it holds made a traffic deployment fail with "connection refused", or
/// reroute in more batches than the test expects; a host whose link was down made the
/// termination hook of a blue/green test wait out its timeout. An outage waits for the running
/// whole-fleet tests to end; a whole-fleet test waits for running outages, and for outages
/// already waiting (first come, first served), so neither side starves.
actor HostOutages {
    static let shared = HostOutages()

    private enum Want { case everyHost, outage }

    private var wholeFleetTests = 0
    private var outages = 0
    private var waiting: [(want: Want, continuation: CheckedContinuation<Void, Never>)] = []

    /// Stops `host`'s sshd for the length of `body`, then starts it again, also when `body` throws.
    static func withSSHDStopped<T>(_ host: String, _ body: () async throws -> T) async throws -> T {
        try await during(stop: { try FleetControl.sshd("stop", host) }, restore: { try FleetControl.sshd("start", host) }, body)
    }

    /// Takes the host's network link down for the length of `body` (the host goes silent:
    /// packets vanish, nothing is refused), then up again, also when `body` throws.
    static func withLinkDown<T>(_ link: String, _ body: () async throws -> T) async throws -> T {
        try await during(stop: { try FleetControl.ip(["link", "set", link, "down"]) }, restore: { try FleetControl.ip(["link", "set", link, "up"]) }, body)
    }

    /// Puts `content` in `file` on the host (one that breaks every command there: a failing
    /// login shell startup file) for the length of `body`, then removes it, also when `body`
    /// throws: to the tests deploying to the whole fleet, an outage like the others.
    static func withHostFile<T>(_ file: URL, _ content: String, _ body: () async throws -> T) async throws -> T {
        try await during(stop: { try content.write(to: file, atomically: true, encoding: .utf8) },
                         restore: { try? FileManager.default.removeItem(at: file) }, body)
    }

    /// Gives root on `host` another login shell (`LoginShell`) for the length of `body`: every
    /// session on the host starts in it, with its startup file's umask, not only the test's.
    static func withLoginShell<T>(_ shell: String, startupFile: String, startup: String, on host: String,
                                  _ body: () async throws -> T) async throws -> T {
        var login: LoginShell?
        return try await during(stop: { login = try LoginShell(shell, startupFile: startupFile, startup: startup, on: host) },
                                restore: { login?.restore() }, body)
    }

    /// Hides every program whose name starts with one of `names` from the SSH sessions on
    /// `host` (`HiddenPrograms`) for the length of `body`; with no names, just runs `body`.
    static func withHiddenPrograms<T>(_ names: [String], on host: String, _ body: () async throws -> T) async throws -> T {
        guard !names.isEmpty else { return try await body() }
        var hidden: HiddenPrograms?
        return try await during(stop: { hidden = try HiddenPrograms(names, on: host) }, restore: { hidden?.restore() }, body)
    }

    /// Mounts a tmpfs of `size` (e.g. `2m`) over `folder` inside `host`'s mount namespace,
    /// holding a copy of what the folder held, for the length of `body`: a nearly full disk.
    /// Then unmounts it (what the folder held is there again), also when `body` throws.
    static func withSmallDisk<T>(_ host: String, _ folder: String, size: String, _ body: () async throws -> T) async throws -> T {
        let dir = shellQuote(folder), keep = shellQuote(folder + ".keep")
        return try await during(stop: {
            let mounted = try FleetControl.exec(host, "set -e; mkdir -p \(dir); rm -rf \(keep); cp -a \(dir) \(keep); "
                                                + "mount -t tmpfs -o size=\(size) tmpfs \(dir); cp -a \(keep)/. \(dir)/; rm -rf \(keep)")
            guard mounted.status == 0 else {
                _ = try? FleetControl.exec(host, "umount \(dir); rm -rf \(keep)")
                throw FleetControl.Failed(description: "could not mount a small disk over \(folder) on \(host)")
            }
        }, restore: {
            let unmounted = try FleetControl.exec(host, "umount \(dir)")
            guard unmounted.status == 0 else { throw FleetControl.Failed(description: "could not unmount \(folder) on \(host)") }
        }, body)
    }

    private static func during<T>(stop: () throws -> Void, restore: () throws -> Void, _ body: () async throws -> T) async throws -> T {
        await shared.begin(.outage)
        do {
            try stop()
        } catch {
            await shared.end(.outage)
            throw error
        }
        let result: Result<T, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        let restored = Result { try restore() }
        await shared.end(.outage)
        try restored.get()
        return try result.get()
    }

    /// Runs `body` while no host of the fleet has its sshd stopped.
    static func whileEveryHostAnswers<T>(_ body: () async throws -> T) async throws -> T {
        await shared.begin(.everyHost)
        do {
            let value = try await body()
            await shared.end(.everyHost)
            return value
        } catch {
            await shared.end(.everyHost)
            throw error
        }
    }

    private func canStart(_ want: Want) -> Bool {
        want == .outage ? wholeFleetTests == 0 : outages == 0
    }

    private func begin(_ want: Want) async {
        if waiting.isEmpty, canStart(want) {
            admit(want)
            return
        }
        await withCheckedContinuation { waiting.append((want, $0)) }
    }

    private func admit(_ want: Want) {
        if want == .outage { outages += 1 } else { wholeFleetTests += 1 }
    }

    private func end(_ want: Want) {
        if want == .outage { outages -= 1 } else { wholeFleetTests -= 1 }
        while let first = waiting.first, canStart(first.want) {
            waiting.removeFirst()
            admit(first.want)
            first.continuation.resume()
        }
    }
}

/// A trait for the suites whose tests need every host of the fleet answering: each test runs
/// inside `HostOutages.whileEveryHostAnswers`.
struct EveryHostAnswers: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Held per test, not across a whole suite, so outages can run between its tests.
        guard !test.isSuite else { return try await function() }
        try await HostOutages.whileEveryHostAnswers(function)
    }
}

extension Trait where Self == EveryHostAnswers {
    static var everyHostAnswers: Self { EveryHostAnswers() }
}
