import HoistConfig
import HoistCore
import Testing

/// A bounded, deterministic fuzz run: mutated AppSpecs must never crash the parser, and every
/// diagnostic must point inside the file.
@Suite struct AppSpecFuzzTests {
    static let seeds = [
        """
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /var/www/app
        permissions:
          - object: /var/www/app
            pattern: "*.sh"
            except: [a.sh]
            mode: "0755"
            acls: [u:deploy:rwx, d:g:www:r-x]
            context: {name: system_u, type: t, range: s0:c1.c3}
            type: [file]
        hooks:
          AfterInstall:
            - location: scripts/a.sh
              timeout: 300
              runas: app
              sudo: true
        """,
        #"{"version": 0.0, "os": "linux", "files": [{"source": "a", "destination": "/b"}], "hooks": {"ApplicationStart": [{"location": "s.sh"}]}}"#,
        "version: 0.0\nos: linux\nfile_exists_behavior: RETAIN\nhooks:\n  BeforeInstall: &h\n    - location: x.sh\n",
    ]

    static let fragments = [
        "&a ", "*a", "- ", ": ", "{", "}", "[", "]", "\t", "'", "\"", "0644", "~", "!!str ", "%YAML 1.1\n", "---\n",
        "? ", "|\n", ">-\n", "#", ",", "2024-01-01", "<<: *a\n", "\u{0}", "é", "\r\n", "  ", "\n- location:\n",
    ]

    /// SplitMix64: a tiny PRNG with a fixed seed, so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476C_E5B9_E4B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ text: String, using rng: inout SplitMix) -> String {
        var bytes = Array(text.utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where !bytes.isEmpty:
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...127, using: &rng)
            return String(decoding: bytes, as: UTF8.self)
        case 1 where !lines.isEmpty:
            lines.remove(at: Int.random(in: 0..<lines.count, using: &rng))
        case 2 where !lines.isEmpty:
            let i = Int.random(in: 0..<lines.count, using: &rng)
            lines.insert(lines[i], at: i)
        case 3:
            let at = Int.random(in: 0...bytes.count, using: &rng)
            bytes.insert(contentsOf: Array(fragments.randomElement(using: &rng)!.utf8), at: at)
            return String(decoding: bytes, as: UTF8.self)
        case 4 where lines.count > 1:
            lines.swapAt(Int.random(in: 0..<lines.count, using: &rng), Int.random(in: 0..<lines.count, using: &rng))
        default:
            return String(decoding: bytes.prefix(Int.random(in: 0...bytes.count, using: &rng)), as: UTF8.self)
        }
        return lines.joined(separator: "\n")
    }

    @Test func mutatedAppSpecsNeverCrashAndPointInsideTheFile() {
        var rng = SplitMix(state: 0x5EED_A995_EC)
        var rejected = 0
        for iteration in 0..<2000 {
            var text = Self.seeds[iteration % Self.seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) { text = Self.mutate(text, using: &rng) }
            let (spec, diagnostics) = AppSpecParser.parse(text)
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for d in diagnostics {
                #expect(d.line.map { (1...lineCount).contains($0) } == true, "iteration \(iteration): \(d) in \(text.debugDescription)")
                #expect((d.column ?? 0) >= 1, "iteration \(iteration): \(d)")
            }
            #expect((spec == nil) == diagnostics.hasErrors, "iteration \(iteration)")
            if spec == nil { rejected += 1 }
        }
        // The mutator must actually produce broken files, or the test proves nothing.
        #expect(rejected > 500)
    }
}
