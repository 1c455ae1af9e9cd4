/// A load balancer in front of the hosts: the engine takes a host out of rotation before it
/// installs (BlockTraffic) and puts it back after (AllowTraffic). HoistLoadBalancers
/// implements it for HAProxy, nginx and user commands; engine tests use fakes.
public protocol LoadBalancer: Sendable {
    /// The balancer's name in the playbook's `load_balancers` section.
    var name: String { get }
    /// Puts the host's server in rotation (HAProxy: `set server B/S state ready`).
    func register(_ host: HostSpec) async throws
    /// Puts the host's server in rotation for AllowTraffic, so that its app is sent requests
    /// only once it answers its health check. A balancer that checks its servers itself
    /// gates the traffic (HAProxy), and this is `register`; one that cannot (open-source
    /// nginx) first waits, at most `healthTimeoutSeconds`, for the host to answer.
    func register(_ host: HostSpec, healthTimeoutSeconds: Double) async throws
    /// Takes the host out of rotation: drains until its current sessions reach zero or
    /// `drainTimeoutSeconds` runs out (like CodeDeploy's deregistration delay, running out is
    /// not an error), then stops sending it anything. Returns what a drain that ran out left
    /// open, when the balancer can tell: those sessions end when the host's app stops.
    @discardableResult
    func deregister(_ host: HostSpec, drainTimeoutSeconds: Double) async throws -> DrainCutShort?
    /// Waits until the balancer's own view of the host is healthy; throws a
    /// `LoadBalancerError` of kind `.timeout` when `timeoutSeconds` pass first.
    func waitUntilHealthy(_ host: HostSpec, timeoutSeconds: Double) async throws
    /// What the balancer says about the host right now.
    func state(of host: HostSpec) async throws -> LoadBalancerServerState
    /// Whether the host answers the balancer's health check, without sending it traffic: nil
    /// when it does, else what failed. Asked before traffic goes back to a fleet.
    func healthProblem(_ host: HostSpec, timeoutSeconds: Double) async -> String?
    /// Throws a `.configuration` error when the host cannot work with this balancer for a
    /// reason that needs nobody to be asked (e.g. its server name is not one HAProxy takes),
    /// so the deployment refuses it before the lock is taken and any host is touched.
    func check(_ host: HostSpec) throws
}

extension LoadBalancer {
    public func register(_ host: HostSpec, healthTimeoutSeconds: Double) async throws {
        try await register(host)
    }

    /// Reads `state(of:)`: up (or a balancer that cannot tell) is healthy. A balancer that
    /// stops checking hosts out of rotation (HAProxy in maint) says more in its own.
    public func healthProblem(_ host: HostSpec, timeoutSeconds: Double) async -> String? {
        do {
            let state = try await state(of: host)
            switch state.operational {
            case .up, .unknown: return nil
            case .down, .maint, .drain: return state.description
            }
        } catch {
            return "\(error)"
        }
    }

    public func check(_ host: HostSpec) throws {}
}

/// One host's server as a load balancer sees it: what an operator asked for (admin) and
/// what the balancer observes (operational).
public struct LoadBalancerServerState: Sendable, Hashable, CustomStringConvertible {
    /// What an operator or Hoist asked for.
    public enum Admin: String, Sendable, Hashable {
        case ready, drain, maint
        /// The balancer cannot say (command driver).
        case unknown
    }

    /// What the balancer's health checking observes.
    public enum Operational: String, Sendable, Hashable {
        case up, down, maint, drain
        /// The balancer cannot say (no health information).
        case unknown
    }

    /// The server's name inside the balancer, e.g. `app/h001` or `10.0.0.7:8080`.
    public var server: String
    public var admin: Admin
    public var operational: Operational
    /// Sessions currently open to the server, when the balancer counts them.
    public var currentSessions: Int?
    /// The balancer's own words, e.g. HAProxy's `UP 1/2` or `DOWN (L4CON)`.
    public var detail: String

    public init(server: String, admin: Admin, operational: Operational, currentSessions: Int? = nil, detail: String = "") {
        self.server = server
        self.admin = admin
        self.operational = operational
        self.currentSessions = currentSessions
        self.detail = detail
    }

    public var description: String {
        var text = "\(server): admin \(admin.rawValue), \(operational.rawValue)"
        if let currentSessions { text += ", \(currentSessions) current sessions" }
        if !detail.isEmpty { text += " (\(detail))" }
        return text
    }
}

/// What went wrong talking to a load balancer. The description names the balancer and how it
/// is reached, then what failed, e.g. `load balancer main (HAProxy at /run/haproxy/admin.sock):
/// backend app has no server h007`.
public struct LoadBalancerError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The balancer could not be reached (socket, TCP, SSH session).
        case connect
        /// The balancer or a command refused or failed.
        case command
        /// The backend or server the host maps to does not exist.
        case unknownServer
        /// The host did not become healthy in time.
        case timeout
        /// The playbook's settings cannot work (bad template, unsafe address).
        case configuration
    }

    /// The balancer's name and how it is reached, e.g. `main (HAProxy at 127.0.0.1:9999)`.
    public var balancer: String
    public var kind: Kind
    public var message: String

    public init(balancer: String, kind: Kind, message: String) {
        self.balancer = balancer
        self.kind = kind
        self.message = message
    }

    public var description: String { "load balancer \(balancer): \(message)" }
}

/// A drain that ran out with sessions still open on the server: they are cut when the
/// host's app stops, which a long-poll or a slow download meets as an error. Said, because
/// a drain that ran out used to look like one that finished.
public struct DrainCutShort: Sendable, Hashable, CustomStringConvertible {
    public var server: String
    public var openSessions: Int
    public var drainTimeoutSeconds: Double

    public init(server: String, openSessions: Int, drainTimeoutSeconds: Double) {
        self.server = server
        self.openSessions = openSessions
        self.drainTimeoutSeconds = drainTimeoutSeconds
    }

    public var description: String {
        "drain_timeout (\(formatSeconds(drainTimeoutSeconds))) ran out with \(openSessions) "
            + "\(openSessions == 1 ? "session" : "sessions") still open on \(server); they end when its app stops"
    }
}
