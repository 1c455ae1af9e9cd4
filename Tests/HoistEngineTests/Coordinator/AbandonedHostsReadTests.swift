import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing
@testable import HoistEngine

/// The next deployment reads the hosts' own records of one left unfinished. It asked them host
/// after host: a round trip each in sequence, minutes at a thousand hosts.
@Suite struct AbandonedHostsReadTests {
    /// Sessions whose reads of `id`'s records wait, each, until every host's read is in flight
    /// at once, or `patience` has passed: read host after host, the first waits out its
    /// patience alone and `most` stays 1.
    final class GatedRecordReads: HostConnector, @unchecked Sendable {
        let id: String
        let groupID: String
        let expected: Int
        let patience: Duration
        let state = Locked((inFlight: 0, most: 0, reads: 0, waiting: [CheckedContinuation<Void, Never>]()))

        init(id: String, groupID: String, expected: Int, patience: Duration = .seconds(10)) {
            self.id = id
            self.groupID = groupID
            self.expected = expected
            self.patience = patience
        }

        func connect(_ host: HostSpec) async throws -> any HostSession {
            let program = HostCommands(layout: HostLayout(root: host.deploymentRoot, groupID: groupID), deploymentID: id,
                                       become: RemoteProgram.usesSudo(host)).readRecords
            return Session(inner: LocalHostSession(host: host), gate: self, program: program)
        }

        private func releaseAll() {
            let waiting = state.withLock { state in
                defer { state.waiting = [] }
                return state.waiting
            }
            for waiter in waiting { waiter.resume() }
        }

        func arrive() async {
            let patience = self.patience
            // A hang guard only: it ends the wait of reads that never overlap.
            let guardTask = Task { [weak self] in
                if (try? await Task.sleep(for: patience)) != nil { self?.releaseAll() }
            }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let all = state.withLock { state in
                    state.inFlight += 1
                    state.reads += 1
                    state.most = max(state.most, state.inFlight)
                    state.waiting.append(waiter)
                    return state.inFlight >= expected
                }
                if all { releaseAll() }
            }
            guardTask.cancel()
        }

        func leave() { state.withLock { $0.inFlight -= 1 } }

        final class Session: ForwardingSession, @unchecked Sendable {
            let gate: GatedRecordReads
            let program: String
            init(inner: any HostSession, gate: GatedRecordReads, program: String) {
                self.gate = gate
                self.program = program
                super.init(inner: inner)
            }

            override func run(_ command: String, timeoutSeconds: Double?, killGraceSeconds: Double,
                              onOutput: @escaping @Sendable (OutputLine) -> Void) async throws -> CommandResult {
                guard command == program else {
                    return try await super.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
                }
                await gate.arrive()
                defer { gate.leave() }
                return try await super.run(command, timeoutSeconds: timeoutSeconds, killGraceSeconds: killGraceSeconds, onOutput: onOutput)
            }
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func theHostsOfAnAbandonedDeploymentAreAskedAtOnce() async throws {
        let group = try FolderGroup(["h1", "h2", "h3", "h4"])
        let store = FaultyHistory.losingEnds(inner: group.history)
        let first = try await group.deploy(try await group.revision("v1"), ports: group.ports(history: store))
        let id = try #require(DeploymentID(first.id))
        #expect(try group.history.deployment(id)?.status == .inProgress)

        let gate = GatedRecordReads(id: first.id, groupID: group.groupID, expected: 4)
        var ports = group.ports()
        ports.connector = gate
        let second = try await group.deploy(try await group.revision("v2"), ports: ports)
        #expect(second.verdict.status == .succeeded)
        let counts = gate.state.current
        #expect(counts.reads == 4, "each host's records read once")
        #expect(counts.most == 4, "every host's records read at once")
        #expect(try group.history.deployment(id)?.status == .succeeded)
    }
}
