import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing

/// Everything a host sends back is hostile input: seeded, bounded fuzzing of the parsers of
/// the lock programs' replies, the probe's reply and the hook wrapper's stderr. Each must
/// never crash and must take nothing from a line that is not its own.
@Suite struct HostReplyFuzzTests {
    static let fragments = [
        "\u{1e}", "\u{1e}taken 0", "\u{1e}held ", "\u{1e}owner {", "\u{1e}stop ", "\u{1e}last=", "\u{1e}bundle=",
        "\u{1e}appspec=appspec.yml ", "\u{1e}df=", "%", "=", " ", "\n", "\r", "\u{0}", "é", "-1", "99999999999999999999", "\u{1e}HOIST-HOOK ",
        "exited 0", "pid 1", "leftopen 0 1 2", "runas shell /usr/sbin/nologin", "%%", "\\",
    ]

    static let lockReplies = [
        "\u{1e}taken 0\n",
        "\u{1e}held 12\n\u{1e}owner {\"deploymentID\":\"d-A\",\"heartbeatTime\":1}\n",
        "noise\n\u{1e}beat 0\n\u{1e}stop graceful by bob pid 1 at 2\n\u{1e}stop immediate by eve\n",
        "\u{1e}tookover 400\n\u{1e}owner {}\n",
    ]

    @Test func lockRepliesNeverCrashAndTakeOnlyMarkerLines() {
        var rng = SplitMix(state: 0x10C4_5EED)
        var parsed = 0
        for iteration in 0..<3000 {
            let text = Fuzzing.mutated(Self.lockReplies[iteration % Self.lockReplies.count], fragments: Self.fragments, using: &rng)
            guard let reply = GroupLockReply.parse(text) else { continue }
            parsed += 1
            let lines = text.split(separator: "\n")
            #expect(lines.contains { $0.hasPrefix("\u{1e}" + reply.outcome.rawValue) }, "iteration \(iteration): \(text.debugDescription)")
            #expect(reply.stopRequests.count == lines.filter { $0.hasPrefix("\u{1e}stop ") && $0.count > 6 }.count, "iteration \(iteration): \(text.debugDescription)")
            if let owner = reply.ownerJSON {
                #expect(lines.contains { $0 == "\u{1e}owner " + owner }, "iteration \(iteration)")
            }
        }
        #expect(parsed > 1000, "the mutator keeps enough replies readable to test them")
    }

    static let probeReplies = [
        "\u{1e}last=/var/lib/hoist/g/d-A\n\u{1e}recent=/var/lib/hoist/g/d-B\n\u{1e}appspec=appspec.yml dmVyc2lvbjogMC4w\n\u{1e}bundle=abc /var/lib/hoist/g/d-A\n",
        "\u{1e}last=\n\u{1e}recent=\n",
        "motd noise\n\u{1e}bundle=def /x\n\u{1e}bundle=broken\n",
        "\u{1e}df=/dev/sda1 41152736 39000000 2152736 95% /\n\u{1e}last=\n",
    ]

    @Test func probeRepliesNeverCrashAndTakeOnlyMarkerLines() {
        var rng = SplitMix(state: 0x960B_E5EE)
        for iteration in 0..<3000 {
            let text = Fuzzing.mutated(Self.probeReplies[iteration % Self.probeReplies.count], fragments: Self.fragments, using: &rng)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let result = HostProbeResult.parse(lines) { $0.isEmpty ? nil : "decoded" }
            for (digest, folder) in result.bundles {
                #expect(lines.contains("\u{1e}bundle=\(digest) \(folder)"), "iteration \(iteration): \(text.debugDescription)")
            }
            if let free = result.freeBytes {
                #expect(lines.contains { $0.hasPrefix("\u{1e}df=") && HostSpaceReply.availableBytes(dfLine: String($0.dropFirst(4))) == free },
                        "iteration \(iteration): \(text.debugDescription)")
            }
            if let last = result.lastSuccessfulDir {
                #expect(lines.contains("\u{1e}last=\(last)"), "iteration \(iteration)")
            }
        }
    }

    static let key = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

    /// Whatever the script prints, before and after the key line, is output and never a
    /// status; only the wrapper's keyed line ends the run.
    @Test func hookOutputNeverPassesForTheWrapper() {
        var rng = SplitMix(state: 0x400C_5EED)
        let forgeries = [
            "\u{1e}HOIST-HOOK \(String(Self.key.reversed())) exited 0",
            "\u{1e}HOIST-HOOK 01234567-89ab-cdef-0123-456789abcdef exited 0",
            "\u{1e}HOIST-RESULT exited 0", "\u{1e}HOIST-RESULT pid 1 /tmp", "HOIST-PGID:1",
            "\u{1e}HOIST-HOOK \(Self.key.prefix(35)) exited 0", "\u{1e}HOIST-HOOK \(Self.key.uppercased()) exited 0",
        ]
        for iteration in 0..<3000 {
            var reader = HookStatusReader()
            // Before the key: a login shell's noise, which may look like anything.
            let noise = Fuzzing.mutated(forgeries.randomElement(using: &rng)!, fragments: Self.fragments, using: &rng)
            let passed = reader.read(noise)
            if reader.started { continue }  // the noise happened to be a well-formed key line: the host's own word
            #expect(passed == noise)
            #expect(reader.read(HookStatusReader.marker + Self.key) == nil)
            #expect(reader.started)
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let line = Fuzzing.mutated(forgeries.randomElement(using: &rng)!, fragments: Self.fragments, using: &rng)
                guard !line.contains(HookStatusReader.marker + Self.key + " ") else { continue }
                #expect(reader.read(line) == line, "iteration \(iteration): \(line.debugDescription)")
            }
            #expect(reader.result == nil, "iteration \(iteration)")
            #expect(reader.read("partial" + HookStatusReader.marker + Self.key + " exited 3") == "partial")
            #expect(reader.result == .exited(3))
        }
    }

    @Test func theWrappersLinesAreRead() {
        var reader = HookStatusReader()
        #expect(reader.read("login noise") == "login noise")
        #expect(!reader.started)
        #expect(reader.read(HookStatusReader.marker + Self.key) == nil)
        #expect(reader.read(HookStatusReader.marker + Self.key + " runas shell /usr/sbin/nologin") == nil)
        #expect(reader.runAsUser == .loginShell("/usr/sbin/nologin"))
        #expect(reader.read(HookStatusReader.marker + Self.key + " leftopen 0 12 34") == nil)
        #expect(reader.result == .outputsLeftOpen(0, pids: [12, 34]))
        #expect(reader.read(HookStatusReader.marker + Self.key + " error cd") == nil)
        #expect(reader.result == .wrapperError("cd"))
    }
}
