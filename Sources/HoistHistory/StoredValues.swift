import Foundation
import GRDB
import HoistCore

/// How record fields become column values and back. Reading is strict: a value this
/// version does not know is reported with the column it came from, never guessed.
struct StoredValues {
    let path: String

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func millis(_ date: Date?) -> Int64? { date.map { millis($0) } }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// Output text goes to SQLite as bytes (cast to TEXT in the statement) and comes back as
    /// bytes (`wholeTextColumn`): GRDB passes a String as a C string both ways, so a NUL a
    /// hook printed would end the line there, `a\0b end` read back as `a`.
    static func wholeText(_ text: String) -> Data { Data(text.utf8) }
    static func wholeText(_ row: Row, _ column: String) -> String { String(decoding: row[column] as Data, as: UTF8.self) }
    static func wholeTextColumn(_ column: String) -> String { "CAST(\(column) AS BLOB) AS \(column)" }

    /// Statement arguments with every text as the stores keep it (`String.storable`).
    static func arguments(_ values: [(any DatabaseValueConvertible)?]) -> StatementArguments {
        StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in (value as? String)?.storable ?? value })
    }

    func date(_ row: Row, _ column: String) -> Date? {
        (row[column] as Int64?).map(Self.date)
    }

    func required<Value: RawRepresentable>(_ row: Row, _ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        let text: String = row[column]
        guard let value = Value(rawValue: text) else {
            throw HistoryError.unreadableValue(path: path, column: column, value: text)
        }
        return value
    }

    func optional<Value: RawRepresentable>(_ row: Row, _ column: String, as type: Value.Type = Value.self) throws -> Value?
    where Value.RawValue == String {
        guard row[column] as String? != nil else { return nil }
        return try required(row, column)
    }

    func deploymentID(_ row: Row, _ column: String) throws -> DeploymentID {
        let text: String = row[column]
        guard let id = DeploymentID(text) else {
            throw HistoryError.unreadableValue(path: path, column: column, value: text)
        }
        return id
    }

    func deployment(_ row: Row) throws -> DeploymentRecord {
        DeploymentRecord(
            id: try deploymentID(row, "id"),
            application: row["application"], deploymentGroup: row["deploymentGroup"],
            playbookPath: row["playbookPath"],
            status: try required(row, "status"), errorCode: try optional(row, "errorCode"),
            errorMessage: row["errorMessage"],
            creator: try required(row, "creator"), createdBy: row["createdBy"],
            revisionPath: row["revisionPath"], revisionSHA256: row["revisionSHA256"],
            deploymentConfigName: row["deploymentConfigName"],
            fileExistsBehavior: try required(row, "fileExistsBehavior"),
            rollbackOf: row["rollbackOf"] as String? == nil ? nil : try deploymentID(row, "rollbackOf"),
            deploymentType: try required(row, "deploymentType"), description: row["description"],
            createTime: Self.date(row["createTime"]), startTime: date(row, "startTime"), endTime: date(row, "endTime"),
            hostCount: row["hostCount"], revisionCommit: row["revisionCommit"], origin: try optional(row, "origin"),
            coordinator: DeploymentCoordinator(stored: row["coordinatorMachine"], pid: row["coordinatorPid"], processStart: row["coordinatorStart"]))
    }

    func host(_ row: Row) throws -> HostRecord {
        HostRecord(
            deploymentID: try deploymentID(row, "deploymentID"), host: row["host"], address: row["address"],
            status: try required(row, "status"), errorCode: try optional(row, "errorCode"), message: row["message"],
            startTime: date(row, "startTime"), endTime: date(row, "endTime"))
    }

    func event(_ row: Row) throws -> EventRecord {
        EventRecord(
            deploymentID: try deploymentID(row, "deploymentID"), host: row["host"], event: try required(row, "event"),
            status: try required(row, "status"), errorCode: try optional(row, "errorCode"), message: row["message"],
            scriptName: row["scriptName"], startTime: date(row, "startTime"), endTime: date(row, "endTime"))
    }

    func phase(_ row: Row) throws -> PhaseRecord {
        let hosts: String = row["hosts"]
        return PhaseRecord(
            deploymentID: try deploymentID(row, "deploymentID"), index: row["idx"], name: row["name"], detail: row["detail"],
            hosts: hosts.split(separator: "\n").map(String.init), startTime: Self.date(row["startTime"]),
            endTime: date(row, "endTime"))
    }

    func output(_ row: Row) throws -> OutputRecord {
        OutputRecord(
            deploymentID: try deploymentID(row, "deploymentID"), host: row["host"], event: try required(row, "event"),
            seq: row["seq"], stream: try required(row, "stream"), time: Self.date(row["time"]), text: Self.wholeText(row, "text"))
    }

    func delivery(_ row: Row) throws -> DeliveryRecord {
        DeliveryRecord(
            deploymentID: try deploymentID(row, "deploymentID"), trigger: row["triggerName"],
            event: try required(row, "event"), host: row["host"], target: row["target"],
            status: try required(row, "status"), attempts: row["attempts"], error: row["error"],
            eventTime: Self.date(row["eventTime"]), endTime: Self.date(row["endTime"]))
    }
}
