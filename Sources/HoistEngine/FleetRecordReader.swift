import HoistCore
import HoistPlanning

/// Reads a blue/green group's records from its hosts: which fleet is live and which served
/// before the last deployment (`BlueGreenRecords`), and what each host last installed
/// (`RerouteBack.Installed`, from the host's record of that deployment). What a deployment
/// does with them is decided elsewhere (`DeploymentPhase.resolved`, `RerouteBack`).
struct FleetRecordReader: Sendable {
    var connector: any HostConnector
    var plan: DeploymentPlan
    var deploymentID: String

    func commands(_ host: HostSpec) -> HostCommands {
        HostCommands(layout: HostLayout(root: host.deploymentRoot, groupID: plan.groupID),
                     deploymentID: deploymentID, become: RemoteProgram.usesSudo(host))
    }

    /// The live fleet and the one that served before the last deployment, each from the
    /// first host that records one of the plan's fleets: usually one round trip to the first
    /// host for both. The deployment that recorded the second comes with it.
    func fleets() async -> BlueGreenRecords {
        let fleets = plan.blueGreen?.fleets ?? []
        var found = BlueGreenRecords()
        for host in plan.hosts where found.live == nil || found.servedBefore == nil {
            let records = BlueGreenRecords.parse(await capture(commands(host).readFleetRecords, on: host) ?? "")
            if found.live == nil, let live = records.live, fleets.contains(live) { found.live = live }
            if found.servedBefore == nil, let served = records.servedBefore, fleets.contains(served) {
                found.servedBefore = served
                found.servedBeforeDeployment = records.servedBeforeDeployment
            }
        }
        return found
    }

    /// What each of `names` last installed of this group, asked all at once; a host that
    /// does not answer, or records nothing of this group, is left out.
    func installed(on names: [String]) async -> [String: RerouteBack.Installed] {
        let wanted = Set(names)
        let hosts = plan.hosts.filter { wanted.contains($0.name) }
        let answers = await HostFanout.each(hosts) { host -> RerouteBack.Installed? in
            let text = HostRecordsReply.sections(await capture(commands(host).readInstalledRecord, on: host) ?? "")["installed"] ?? ""
            guard let record = HostDeploymentRecord.parse(text), record.application == plan.application,
                  record.deploymentGroup == plan.deploymentGroup else { return nil }
            return RerouteBack.Installed(deploymentID: record.deploymentID, revision: record.revision,
                                         revisionSHA256: record.revisionSHA256)
        }
        var found: [String: RerouteBack.Installed] = [:]
        for (host, installed) in answers { found[host.name] = installed }
        return found
    }

    /// Runs a reading program on a host; nil when the host could not be asked.
    func capture(_ command: String, on host: HostSpec) async -> String? {
        guard let session = try? await connector.connect(host) else { return nil }
        let answer = try? await session.capture(command, timeoutSeconds: 30)
        await session.close()
        return answer?.1
    }
}
