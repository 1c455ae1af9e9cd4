import Foundation
import HoistCore
import HoistHistory
import HoistHistoryPostgres

// 20 coordinators appending output to one history at once, each through its own store (its
// own SQLite connection pool, or its own PostgreSQL connection), on threads of their own.
// Prints lines per second, then reads every deployment back and counts lost, doubled or
// reordered lines.
//
//   HistoryBench sqlite FILE [coordinators] [lines] [batch]
//   HistoryBench postgres URL [coordinators] [lines] [batch]

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: HistoryBench sqlite FILE | postgres URL [coordinators] [lines] [batch]\n".utf8))
    exit(2)
}
let kind = arguments[1], location = arguments[2]
let coordinators = arguments.count > 3 ? Int(arguments[3])! : 20
let linesEach = arguments.count > 4 ? Int(arguments[4])! : 5000
let batch = arguments.count > 5 ? Int(arguments[5])! : 50

func open() throws -> any HistoryStore {
    kind == "sqlite" ? try SQLiteHistoryStore(path: location) : try PostgresHistoryStore(url: PostgresURL(location, environment: ProcessInfo.processInfo.environment))
}

let ids = (0..<coordinators).map { _ in DeploymentID.random() }
let stores = try ids.map { _ in try open() }
for (n, id) in ids.enumerated() {
    try stores[n].createDeployment(DeploymentRecord(
        id: id, application: "bench", deploymentGroup: "g\(n)", playbookPath: "bench.yml", status: .inProgress,
        createdBy: "bench@here", revisionPath: "r", deploymentConfigName: "CodeDeployDefault.AllAtOnce", createTime: Date()))
    try stores[n].upsertHost(HostRecord(deploymentID: id, host: "h\(n)", address: "10.0.0.1"))
}

let failures = Locked<[String]>([])
let start = ContinuousClock.now
DispatchQueue.concurrentPerform(iterations: coordinators) { n in
    var written = 0
    while written < linesEach {
        let count = min(batch, linesEach - written)
        let lines = (written..<(written + count)).map {
            OutputRecord(deploymentID: ids[n], host: "h\(n)", event: .afterInstall, stream: .stdout, time: Date(),
                         text: "coordinator \(n) line \($0) " + String(repeating: "x", count: 60))
        }
        do { try stores[n].appendOutput(lines) } catch { failures.withLock { $0.append("\(error)") } }
        written += count
    }
}
let elapsed = start.duration(to: .now)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

var lost = 0, misplaced = 0
for (n, id) in ids.enumerated() {
    var after: Int64 = 0, index = 0
    while true {
        let page = try stores[0].output(of: id, afterSeq: after, limit: 10000)
        guard let last = page.last else { break }
        for line in page {
            if !line.text.hasPrefix("coordinator \(n) line \(index) ") { misplaced += 1 }
            index += 1
        }
        after = last.seq
    }
    lost += linesEach - index
}
let total = coordinators * linesEach
print(String(format: "%-9@ %3d coordinators %7d lines in %7.2f s: %9.0f lines/s; lost %d, doubled or out of order %d, failed writes %d",
             kind as NSString, coordinators, total, seconds, Double(total) / seconds, max(0, lost), misplaced + max(0, -lost),
             failures.withLock { $0.count }))
