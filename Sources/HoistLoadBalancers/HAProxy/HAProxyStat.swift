/// One server row of HAProxy's `show stat` CSV: what the balancer observes right now.
public struct HAProxyStatRow: Sendable, Hashable {
    public var backend: String
    public var server: String
    /// `scur`: sessions open to the server now.
    public var currentSessions: Int
    /// `status`: `UP`, `DOWN`, `MAINT`, `DRAIN`, `UP 1/2`, `no check`, ...
    public var status: String
    /// `check_status`: the last health check's result, e.g. `L4CON`, `L7OK`; may be empty.
    public var checkStatus: String

    public init(backend: String, server: String, currentSessions: Int, status: String, checkStatus: String = "") {
        self.backend = backend
        self.server = server
        self.currentSessions = currentSessions
        self.status = status
        self.checkStatus = checkStatus
    }

    /// The server is in rotation and its last completed health check passed; or it has no
    /// health check (`no check`), so HAProxy always counts it up. `UP` alone is not enough:
    /// right after `state ready` HAProxy shows the server UP before its first check has run
    /// (check_status empty or `INI`, or `* L7OK` while a check is in progress), and `UP 2/3`
    /// after a failed check means it is going down. A server leaving maint shows `UP 1/2`
    /// with the check result from before maint, which says nothing about the host now: only
    /// a plain `UP` counts, once a new check has passed.
    public var isHealthy: Bool {
        if status == "no check" { return true }
        return status == "UP" && Self.passedChecks.contains(checkStatus)
    }

    static let passedChecks: Set<String> = ["L4OK", "L6OK", "L7OK", "L7OKC"]
}

/// Parses `show stat` output (a `# pxname,svname,...` header, then CSV rows).
public enum HAProxyStatParser {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The server rows; frontend and backend summary rows are left out.
    public static func parse(_ text: String) throws -> [HAProxyStatRow] {
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)[...]
        guard let header = lines.popFirst(), header.hasPrefix("# ") else {
            throw Failure(description: "`show stat` answered without its `# pxname,svname,...` header: \(text.prefix(200))")
        }
        let names = header.dropFirst(2).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func column(_ name: String) throws -> Int {
            guard let index = names.firstIndex(of: name) else {
                throw Failure(description: "`show stat` has no \(name) column")
            }
            return index
        }
        let pxname = try column("pxname"), svname = try column("svname"), scur = try column("scur")
        let status = try column("status")
        let checkStatus = names.firstIndex(of: "check_status")
        return lines.compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > max(pxname, svname, scur, status) else { return nil }
            let server = fields[svname]
            if server == "FRONTEND" || server == "BACKEND" { return nil }
            return HAProxyStatRow(
                backend: fields[pxname], server: server, currentSessions: Int(fields[scur]) ?? 0,
                status: fields[status], checkStatus: checkStatus.flatMap { $0 < fields.count ? fields[$0] : nil } ?? "")
        }
    }
}
