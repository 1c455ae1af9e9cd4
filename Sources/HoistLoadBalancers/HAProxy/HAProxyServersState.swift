import HoistCore

/// One row of HAProxy's `show servers state <backend>`: what was asked of the server
/// (admin state bits) and where its state machine is (operational state).
public struct HAProxyServerStateRow: Sendable, Hashable {
    public var backend: String
    public var server: String
    /// `srv_op_state`: 0 stopped, 1 starting, 2 running, 3 stopping.
    public var operationalState: Int
    /// `srv_admin_state` bit field: 0x01 forced maint, 0x02 inherited maint, 0x04 `disabled`
    /// in the configuration (stays set after `state ready`, so alone it means nothing),
    /// 0x08 forced drain, 0x10 inherited drain, 0x20 maint (resolution), 0x40 maint (hostname).
    public var adminState: Int
    /// `srv_check_state` bit field (0x02: a health check is configured); nil when the
    /// HAProxy does not say.
    public var checkState: Int?

    public init(backend: String, server: String, operationalState: Int, adminState: Int, checkState: Int? = nil) {
        self.backend = backend
        self.server = server
        self.operationalState = operationalState
        self.adminState = adminState
        self.checkState = checkState
    }

    /// The server has a health check (`check` on its line): leaving maint, there is one to wait for.
    public var hasHealthCheck: Bool { (checkState ?? 0) & 0x02 != 0 }

    static let maintBits = 0x01 | 0x02 | 0x20 | 0x40
    static let drainBits = 0x08 | 0x10

    public var admin: LoadBalancerServerState.Admin {
        if adminState & Self.maintBits != 0 { return .maint }
        if adminState & Self.drainBits != 0 { return .drain }
        return .ready
    }
}

/// Parses `show servers state` output: a version line, a `# be_id be_name ...` header, then
/// one whitespace-separated row per server.
public enum HAProxyServersStateParser {
    public static func parse(_ text: String) throws -> [HAProxyServerStateRow] {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first(where: { $0.hasPrefix("# ") }) else {
            throw HAProxyStatParser.Failure(description: "`show servers state` answered without its `# be_id be_name ...` header: \(text.prefix(200))")
        }
        let names = header.dropFirst(2).split(separator: " ").map(String.init)
        func column(_ name: String) throws -> Int {
            guard let index = names.firstIndex(of: name) else {
                throw HAProxyStatParser.Failure(description: "`show servers state` has no \(name) column")
            }
            return index
        }
        let backend = try column("be_name"), server = try column("srv_name")
        let op = try column("srv_op_state"), admin = try column("srv_admin_state")
        let needed = max(backend, server, op, admin)
        let check = names.firstIndex(of: "srv_check_state")
        return lines.compactMap { line in
            if line.hasPrefix("#") { return nil }
            let fields = line.split(separator: " ").map(String.init)
            guard fields.count > needed, let opState = Int(fields[op]), let adminState = Int(fields[admin]) else { return nil }
            return HAProxyServerStateRow(
                backend: fields[backend], server: fields[server], operationalState: opState, adminState: adminState,
                checkState: check.flatMap { $0 < fields.count ? Int(fields[$0]) : nil })
        }
    }
}
