import HoistCore
import HoistPlanning

/// What one host says of a deployment, from the record it keeps of every deployment it
/// received (`deployment.json`): the truth when the history has none, or a stale one.
public struct HostRecordReading: Sendable {
    public var host: String
    public var address: String
    /// The host's record of the deployment asked about; nil when it holds none.
    public var record: HostDeploymentRecord?
    /// Its record of the group's latest deployment.
    public var latestOnHost: HostDeploymentRecord?
    /// Why the host's records could not be read; nil when it answered.
    public var error: String?

    public init(host: String, address: String = "", record: HostDeploymentRecord? = nil,
                latestOnHost: HostDeploymentRecord? = nil, error: String? = nil) {
        self.host = host
        self.address = address
        self.record = record
        self.latestOnHost = latestOnHost
        self.error = error
    }
}

/// Reads the hosts' own records of one deployment, every host at once (`HostFanout`): the
/// next deployment finding an abandoned one and `hoist show --refresh` both ask this way, and
/// judge the answers by one rule (`HostRecordsReconciliation`).
public struct HostRecordsReader: Sendable {
    public var connector: any HostConnector
    public var groupID: String
    public var timeoutSeconds: Double = 60

    public init(connector: any HostConnector, groupID: String) {
        self.connector = connector
        self.groupID = groupID
    }

    /// Each host's answer, in the hosts' order.
    public func read(_ deploymentID: String, on hosts: [HostSpec]) async -> [HostRecordReading] {
        let (connector, groupID, timeout) = (self.connector, self.groupID, self.timeoutSeconds)
        return await HostFanout.each(hosts) { host in
            let commands = HostCommands(layout: HostLayout(root: host.deploymentRoot, groupID: groupID),
                                        deploymentID: deploymentID, become: RemoteProgram.usesSudo(host))
            func failed(_ why: String) -> HostRecordReading { HostRecordReading(host: host.name, address: host.address, error: why) }
            let answer: (result: CommandResult, out: String, err: String)
            do {
                let session = try await connector.connect(host)
                do {
                    let (result, out, err) = try await session.capture(commands.readRecords, timeoutSeconds: timeout)
                    answer = (result, out, err)
                } catch {
                    await session.close()
                    return failed("\(error)")
                }
                await session.close()
            } catch {
                return failed("\(error)")
            }
            // The program itself always exits 0: anything else is its wrapper (sudo) failing,
            // and no record printed then is no evidence that the host holds none.
            guard answer.result.succeeded else {
                let exit = answer.result.timedOut ? "timed out" : answer.result.exitStatus.map { "exit \($0)" } ?? answer.result.signal ?? "?"
                return failed("reading its records failed: " + (answer.err.isEmpty ? exit : ErrorExcerpt.of(answer.err, maxLines: 2)))
            }
            let reply = HostRecordsReply.parse(answer.out)
            return HostRecordReading(host: host.name, address: host.address, record: HostDeploymentRecord.parse(reply.this),
                                     latestOnHost: HostDeploymentRecord.parse(reply.latest))
        }.map(\.1)
    }
}
