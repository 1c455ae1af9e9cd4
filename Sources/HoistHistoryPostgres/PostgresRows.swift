import Foundation
import HoistCore
import HoistHistory
import PostgresNIO

/// How records become statement parameters and rows become records. Each read names its
/// columns (`Columns`) and decodes them in that order. Reading is strict, as in the SQLite
/// store: a value this version does not know is reported with its column.
struct PostgresRows {
    let store: String

    enum Columns {
        static let deployment = """
            id, application, deploymentGroup, playbookPath, status, errorCode, errorMessage, creator, createdBy,
            revisionPath, revisionSHA256, deploymentConfigName, fileExistsBehavior, rollbackOf, deploymentType,
            description, createTime, startTime, endTime, hostCount, revisionCommit, origin, coordinatorMachine,
            coordinatorPid, coordinatorStart
            """
        static let host = "deploymentID, host, address, status, errorCode, message, startTime, endTime"
        static let event = "deploymentID, host, event, status, errorCode, message, scriptName, startTime, endTime"
        static let output = "deploymentID, host, event, seq, stream, time, text"
        static let phase = "deploymentID, idx, name, detail, hosts, startTime, endTime"
        static let delivery = "deploymentID, triggerName, event, host, target, status, attempts, error, eventTime, endTime"
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func millis(_ date: Date?) -> Int64? { date.map { millis($0) } }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    /// Reads one row's cells in order.
    struct Reader {
        let row: PostgresRandomAccessRow
        let rows: PostgresRows
        var index = 0

        init(_ row: PostgresRow, _ rows: PostgresRows) {
            self.row = row.makeRandomAccess()
            self.rows = rows
        }

        mutating func next<T: PostgresDecodable>(_: T.Type = T.self) throws -> T {
            defer { index += 1 }
            return try row[index].decode(T.self)
        }

        mutating func text() throws -> String { try next(String.self) }
        mutating func optionalText() throws -> String? { try next(String?.self) }
        mutating func int() throws -> Int { Int(try next(Int64.self)) }
        mutating func date() throws -> Date { PostgresRows.date(try next(Int64.self)) }
        mutating func optionalDate() throws -> Date? { try next(Int64?.self).map(PostgresRows.date) }

        mutating func value<V: RawRepresentable>(_: V.Type = V.self) throws -> V where V.RawValue == String {
            let column = row[index].columnName
            let text = try self.text()
            guard let value = V(rawValue: text) else {
                throw HistoryError.unreadableValue(path: rows.store, column: column, value: text)
            }
            return value
        }

        mutating func optionalValue<V: RawRepresentable>(_: V.Type = V.self) throws -> V? where V.RawValue == String {
            let column = row[index].columnName
            guard let text = try optionalText() else { return nil }
            guard let value = V(rawValue: text) else {
                throw HistoryError.unreadableValue(path: rows.store, column: column, value: text)
            }
            return value
        }

        mutating func id() throws -> DeploymentID {
            let column = row[index].columnName
            let text = try self.text()
            guard let id = DeploymentID(text) else { throw HistoryError.unreadableValue(path: rows.store, column: column, value: text) }
            return id
        }

        mutating func optionalID() throws -> DeploymentID? {
            if try row[index].decode(String?.self) == nil { index += 1; return nil }
            return try id()
        }
    }

    func deployment(_ row: PostgresRow) throws -> DeploymentRecord {
        var r = Reader(row, self)
        return DeploymentRecord(
            id: try r.id(), application: try r.text(), deploymentGroup: try r.text(), playbookPath: try r.text(),
            status: try r.value(), errorCode: try r.optionalValue(), errorMessage: try r.optionalText(),
            creator: try r.value(), createdBy: try r.text(), revisionPath: try r.text(),
            revisionSHA256: try r.optionalText(), deploymentConfigName: try r.text(),
            fileExistsBehavior: try r.value(), rollbackOf: try r.optionalID(), deploymentType: try r.value(),
            description: try r.optionalText(), createTime: try r.date(), startTime: try r.optionalDate(),
            endTime: try r.optionalDate(), hostCount: try r.int(), revisionCommit: try r.optionalText(),
            origin: try r.optionalValue(),
            coordinator: DeploymentCoordinator(stored: try r.optionalText(), pid: try r.next(Int64?.self), processStart: try r.optionalText()))
    }

    func host(_ row: PostgresRow) throws -> HostRecord {
        var r = Reader(row, self)
        return HostRecord(
            deploymentID: try r.id(), host: try r.text(), address: try r.text(), status: try r.value(),
            errorCode: try r.optionalValue(), message: try r.optionalText(), startTime: try r.optionalDate(),
            endTime: try r.optionalDate())
    }

    func event(_ row: PostgresRow) throws -> EventRecord {
        var r = Reader(row, self)
        return EventRecord(
            deploymentID: try r.id(), host: try r.text(), event: try r.value(), status: try r.value(),
            errorCode: try r.optionalValue(), message: try r.optionalText(), scriptName: try r.optionalText(),
            startTime: try r.optionalDate(), endTime: try r.optionalDate())
    }

    func output(_ row: PostgresRow) throws -> OutputRecord {
        var r = Reader(row, self)
        return OutputRecord(
            deploymentID: try r.id(), host: try r.text(), event: try r.value(), seq: try r.next(Int64.self),
            stream: try r.value(), time: try r.date(), text: try r.text())
    }

    func phase(_ row: PostgresRow) throws -> PhaseRecord {
        var r = Reader(row, self)
        return PhaseRecord(
            deploymentID: try r.id(), index: try r.int(), name: try r.text(), detail: try r.optionalText(),
            hosts: try r.text().split(separator: "\n").map(String.init), startTime: try r.date(),
            endTime: try r.optionalDate())
    }

    func delivery(_ row: PostgresRow) throws -> DeliveryRecord {
        var r = Reader(row, self)
        return DeliveryRecord(
            deploymentID: try r.id(), trigger: try r.text(), event: try r.value(), host: try r.optionalText(),
            target: try r.text(), status: try r.value(), attempts: try r.int(), error: try r.optionalText(),
            eventTime: try r.date(), endTime: try r.date())
    }
}

/// Statement parameters built in order, `$1`, `$2`, … as they are appended.
struct Binds {
    var bindings = PostgresBindings()
    var count = 0

    init() {}

    init(_ values: [(any PostgresValue)?]) {
        for value in values { add(value) }
    }

    mutating func add(_ value: (any PostgresValue)?) {
        count += 1
        if let value { value.bind(into: &bindings) } else { bindings.appendNull() }
    }
}

/// A value a statement can take: text, a number, or arrays of them (for `unnest`).
protocol PostgresValue {
    func bind(into bindings: inout PostgresBindings)
}

/// Every text Hoist writes there goes through `storable` (HoistHistory): PostgreSQL's text
/// cannot hold a NUL, and would refuse the whole statement (a batch of output with one NUL a
/// hook printed would be lost).
extension String: PostgresValue {
    func bind(into b: inout PostgresBindings) { b.append(storable) }
}
extension Int64: PostgresValue { func bind(into b: inout PostgresBindings) { b.append(self) } }
extension Int: PostgresValue { func bind(into b: inout PostgresBindings) { b.append(Int64(self)) } }
extension Bool: PostgresValue { func bind(into b: inout PostgresBindings) { b.append(self) } }
extension Array: PostgresValue where Element == String {
    func bind(into b: inout PostgresBindings) { b.append(map(\.storable)) }
}

/// An array of numbers as one parameter (`$n::bigint[]`).
struct NumberArray: PostgresValue {
    let values: [Int64]
    func bind(into b: inout PostgresBindings) { b.append(values) }
}
