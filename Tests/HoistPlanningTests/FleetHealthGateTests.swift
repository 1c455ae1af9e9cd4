import HoistCore
import HoistPlanning
import Testing

/// Before traffic goes back to a fleet: enough of its hosts must answer their health checks.
@Suite struct FleetHealthGateTests {
    static func answers(_ problems: [String?]) -> [FleetHealthGate.Answer] {
        problems.enumerated().map { FleetHealthGate.Answer(host: "h00\($0.offset + 1)", problem: $0.element) }
    }

    @Test func aWholeHealthyFleetProceeds() {
        let decision = FleetHealthGate.decide(fleet: "blue", answers: Self.answers([nil, nil, nil, nil]), config: .oneAtATime)
        #expect(decision == .proceed(healthy: ["h001", "h002", "h003", "h004"], unhealthy: []))
    }

    @Test func enoughHealthyHostsProceedWithoutTheOthers() {
        let answers = Self.answers([nil, "DOWN L4CON", nil, nil])
        let decision = FleetHealthGate.decide(fleet: "blue", answers: answers, config: .halfAtATime)
        #expect(decision == .proceed(healthy: ["h001", "h003", "h004"], unhealthy: [answers[1]]))
    }

    @Test func tooFewRefusesNamingTheHosts() {
        let decision = FleetHealthGate.decide(fleet: "blue", answers: Self.answers(["DOWN L4CON", "DOWN L4CON", "DOWN L7STS", nil]), config: .halfAtATime)
        guard case .refuse(let message) = decision else { Issue.record("\(decision)"); return }
        #expect(message.contains("fleet blue"))
        #expect(message.contains("h001 (DOWN L4CON), h002 (DOWN L4CON), h003 (DOWN L7STS)"))
        #expect(message.contains("needs 2 healthy"))
        #expect(!message.contains("h004"))
    }

    @Test func evenAllAtOnceNeedsOneHealthyHost() {
        let decision = FleetHealthGate.decide(fleet: "green", answers: Self.answers(["down", "down"]), config: .allAtOnce)
        guard case .refuse(let message) = decision else { Issue.record("\(decision)"); return }
        #expect(message.contains("2 of its 2 hosts do not answer"))
    }

    @Test func oneAtATimeNeedsAllButOne() {
        #expect(FleetHealthGate.decide(fleet: "b", answers: Self.answers([nil, nil, "down"]), config: .oneAtATime)
            == .proceed(healthy: ["h001", "h002"], unhealthy: [FleetHealthGate.Answer(host: "h003", problem: "down")]))
        guard case .refuse = FleetHealthGate.decide(fleet: "b", answers: Self.answers([nil, "down", "down"]), config: .oneAtATime) else {
            Issue.record("two of three down under OneAtATime must be refused"); return
        }
    }
}
