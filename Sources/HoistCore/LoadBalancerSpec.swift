/// A load balancer a playbook names, as parsed from its `load_balancers` section. The
/// adapters in HoistLoadBalancers turn these into drivers.
public struct LoadBalancerSpec: Sendable, Hashable, Codable {
    public var name: String
    public var driver: Driver
    /// Seconds to wait for a draining server's sessions to reach zero before `maint`.
    public var drainTimeoutSeconds: Double
    /// Seconds to wait, after registering, for the balancer's health check to report up.
    public var healthTimeoutSeconds: Double

    public enum Driver: Sendable, Hashable, Codable {
        case haproxy(HAProxy)
        case nginx(Nginx)
        case command(Command)
    }

    /// HAProxy through its runtime API.
    public struct HAProxy: Sendable, Hashable, Codable {
        /// Exactly one of these says where the runtime API is.
        public var socketPath: String?  // admin socket on the coordinator, or on `viaHost`
        public var tcpAddress: String?  // host:port of a TCP runtime API
        /// Inventory host whose admin socket is reached over SSH (socketPath is on that host).
        public var viaHost: String?
        public var backend: String
        /// Server name in the backend; `{host}` and `{address}` are replaced.
        public var serverTemplate: String
        public init(socketPath: String? = nil, tcpAddress: String? = nil, viaHost: String? = nil,
                    backend: String, serverTemplate: String = "{host}") {
            self.socketPath = socketPath
            self.tcpAddress = tcpAddress
            self.viaHost = viaHost
            self.backend = backend
            self.serverTemplate = serverTemplate
        }
    }

    /// nginx: an upstream include file rewritten atomically, checked, then reloaded.
    public struct Nginx: Sendable, Hashable, Codable {
        /// Debian's and Ubuntu's pid file for the nginx service.
        public static let defaultPidFile = "/run/nginx.pid"
        public static let defaultHealthPath = "/health"
        /// The health path in use: the playbook's, or the default.
        public var healthPathInUse: String { healthPath ?? Self.defaultHealthPath }
        /// The pid file in use: the playbook's, or the default.
        public var pidFileInUse: String { pidFile ?? Self.defaultPidFile }
        /// Inventory host running nginx; nil means this machine.
        public var host: String?
        public var upstreamFile: String
        public var upstream: String
        /// Server line address; `{host}` and `{address}` are replaced, e.g. `{address}:8080`.
        public var serverTemplate: String
        public var testCommand: String
        public var reloadCommand: String
        /// Path the coordinator GETs on each server (`http://<server address><path>`) to
        /// decide it is healthy, since open-source nginx has no active health checks; nil
        /// means `defaultHealthPath`.
        public var healthPath: String?
        /// nginx's pid file, where deregistering finds the workers a reload replaces, to wait
        /// for them to finish what they hold; nil means `defaultPidFile`.
        public var pidFile: String?
        public init(host: String? = nil, upstreamFile: String, upstream: String,
                    serverTemplate: String = "{address}:8080", testCommand: String = "nginx -t",
                    reloadCommand: String = "nginx -s reload", healthPath: String? = nil, pidFile: String? = nil) {
            self.host = host
            self.upstreamFile = upstreamFile
            self.upstream = upstream
            self.serverTemplate = serverTemplate
            self.testCommand = testCommand
            self.reloadCommand = reloadCommand
            self.healthPath = healthPath
            self.pidFile = pidFile
        }
    }

    /// Any other balancer: user commands run on this machine with the host and action as
    /// arguments (`register`, `deregister`, `health`).
    public struct Command: Sendable, Hashable, Codable {
        public var register: String
        public var deregister: String
        /// Exits 0 when the host is healthy in the balancer.
        public var health: String?
        public init(register: String, deregister: String, health: String? = nil) {
            self.register = register
            self.deregister = deregister
            self.health = health
        }
    }

    public init(name: String, driver: Driver, drainTimeoutSeconds: Double = 30, healthTimeoutSeconds: Double = 300) {
        self.name = name
        self.driver = driver
        self.drainTimeoutSeconds = drainTimeoutSeconds
        self.healthTimeoutSeconds = healthTimeoutSeconds
    }
}

/// Blue/green settings of a playbook.
public struct BlueGreenSpec: Sendable, Hashable, Codable {
    /// Tag key whose two values name the fleets, e.g. key `color`, values `blue` and `green`.
    public var fleetTag: String
    public var fleets: [String]
    /// nil: reroute as soon as the replacement is installed; otherwise wait this long for
    /// `hoist continue`, then end Stopped.
    public var readyWaitSeconds: Double?
    public enum OriginalFleetAction: String, Sendable, Hashable, Codable { case keepAlive = "KEEP_ALIVE", terminate = "TERMINATE" }
    public var originalFleetAction: OriginalFleetAction
    public var terminationWaitSeconds: Double
    public init(fleetTag: String, fleets: [String], readyWaitSeconds: Double? = nil,
                originalFleetAction: OriginalFleetAction = .keepAlive, terminationWaitSeconds: Double = 0) {
        self.fleetTag = fleetTag
        self.fleets = fleets
        self.readyWaitSeconds = readyWaitSeconds
        self.originalFleetAction = originalFleetAction
        self.terminationWaitSeconds = terminationWaitSeconds
    }
}
