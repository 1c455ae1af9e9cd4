import HoistCore
import HoistPlanning
import Testing

/// Where a plan that only reroutes sends traffic, what revision that is, and when
/// `--blue-green-rollback` has nothing to go back to.
@Suite struct RerouteBackTests {
    static let spec = BlueGreenSpec(fleetTag: "color", fleets: ["blue", "green"])

    static func plan(_ phases: [DeploymentPhase]) -> DeploymentPlan {
        let hosts = ["b1", "b2", "b3", "g1", "g2"].map {
            HostSpec(name: $0, address: "127.0.0.1", tags: [Tag("color", $0.hasPrefix("b") ? "blue" : "green")])
        }
        return DeploymentPlan(application: "shop", deploymentGroup: "prod", hosts: hosts, config: .allAtOnce, phases: phases, blueGreen: spec)
    }

    static func installed(_ id: String, _ revision: String) -> RerouteBack.Installed {
        RerouteBack.Installed(deploymentID: id, revision: revision, revisionSHA256: revision + "-sha")
    }

    @Test func onlyAPlanThatInstallsNothingIsOne() throws {
        #expect(try RerouteBack.target(of: Self.plan(DeploymentPhase.blueGreen(Self.spec, traffic: true)), records: BlueGreenRecords(live: "blue")) == nil)
        #expect(try RerouteBack.target(of: Self.plan(DeploymentPhase.blueGreenReturn()), records: BlueGreenRecords(live: "blue"))?.fleet == "blue")
    }

    @Test func aRollbackGoesToTheFleetThatServedBeforeAndUndoesItsDeployment() throws {
        let records = BlueGreenRecords(live: "green", servedBefore: "blue", servedBeforeDeployment: "d-AAAAAAAA2")
        let back = try #require(try RerouteBack.target(of: Self.plan(DeploymentPhase.blueGreenRollback()), records: records))
        #expect(back.fleet == "blue" && back.role == .replacement && back.hosts == ["b1", "b2", "b3"])
        #expect(back.isRollback && back.undoes == "d-AAAAAAAA2")
        // The automatic return names no deployment: the one it follows is already known.
        #expect(try RerouteBack.target(of: Self.plan(DeploymentPhase.blueGreenReturn()), records: records)?.undoes == nil)
    }

    @Test func theRevisionIsTheOneMostOfTheFleetRuns() throws {
        var back = try #require(try RerouteBack.target(of: Self.plan(DeploymentPhase.blueGreenRollback()),
                                                       records: BlueGreenRecords(live: "green", servedBefore: "blue")))
        try back.settle(installed: ["b1": Self.installed("d-OLD000000", "v0"), "b2": Self.installed("d-AAAAAAAA1", "v1"),
                                    "b3": Self.installed("d-AAAAAAAA1", "v1")])
        #expect(back.revision == Self.installed("d-AAAAAAAA1", "v1"))
        #expect(back.otherHosts == ["b1"])
        let verdict = back.verdict(inRotation: ["b1", "b2", "b3"])
        #expect(verdict == "Traffic went back to fleet blue: b1, b2, b3 in rotation, running v1 (installed by d-AAAAAAAA1); b1 last installed another revision or none.")
    }

    @Test func withNoRecordsOrNothingInstalledARollbackIsRefused() throws {
        let plan = Self.plan(DeploymentPhase.blueGreenRollback())
        #expect(throws: RerouteBack.Refusal.self) { try RerouteBack.target(of: plan, records: BlueGreenRecords()) }
        var back = try #require(try RerouteBack.target(of: plan, records: BlueGreenRecords(live: "green", servedBefore: "blue",
                                                                                          servedBeforeDeployment: "d-AAAAAAAA2")))
        do {
            try back.settle(installed: [:])
            Issue.record("a fleet that never installed was accepted")
        } catch {
            #expect(error.description == "nothing to roll back: fleet blue (b1, b2, b3), which served before d-AAAAAAAA2, has no revision of the group installed, so there is nothing to move traffic back to")
        }
        // The automatic return is not refused: the live fleet is where traffic stays.
        var back2 = try #require(try RerouteBack.target(of: Self.plan(DeploymentPhase.blueGreenReturn()), records: BlueGreenRecords()))
        try back2.settle(installed: [:])
        #expect(back2.revision == nil)
    }
}
