import HoistCore
import HoistTestSupport
import Testing
@testable import HoistEngine

/// `HostFanout.answers`: every host at once, returning once enough answered and a host that
/// answers a moment later had its chance, without waiting for a silent one.
@Suite struct HostFanoutTests {
    @Test(.timeLimit(.minutes(1))) func aHostAnsweringJustAfterTheFirstIsWaitedForAndASilentOneIsNot() async {
        let hosts = ["first", "next", "silent"].map { HostSpec(name: $0, address: "127.0.0.1") }
        let firstAnswered = Gate(), never = Gate()
        defer { never.open() }
        let answers = await HostFanout.answers(hosts, stragglerWait: .seconds(5), until: { $0.contains { $0 != nil } }) { host -> String in
            switch host.name {
            case "first": firstAnswered.open()
            case "next": await firstAnswered.wait()
            default: await never.wait()
            }
            return host.name
        }
        #expect(answers.map(\.0.name) == ["first", "next", "silent"])
        #expect(answers.map(\.1) == ["first", "next", nil], "the straggler is in, the silent host is not waited for")
    }
}
