import HoistArchive
import HoistCore
import HoistPlanning

/// A deployment as it would run, computed without contacting any host: `hoist plan` prints
/// it as text or JSON. Built from a playbook, its selected hosts and a loaded revision.
struct DeploymentPreview: Encodable {
    var application: String
    var deploymentGroup: String
    var playbook: String
    var inventory: String
    /// `IN_PLACE` or `BLUE_GREEN`.
    var deploymentType: String
    var revision: RevisionPart
    var deploymentConfig: ConfigPart
    /// The hosts the deployment targets (after `--hosts`), in inventory order.
    var hosts: [String]
    var rollout: RolloutPart
    /// The deployment's phases in order, as `DeploymentPlan` lists them.
    var phases: [String]
    /// In-place: every host's events. Blue/green: the replacement fleet's events.
    var events: [EventPart]
    var blueGreen: BlueGreenPart?
    var files: FilesPart
    var loadBalancers: [BalancerPart]
    var triggers: [TriggerPart]
    var alarms: AlarmsPart?
    /// What the plan cannot know and assumed.
    var assumptions: [String]

    struct TriggerPart: Encodable {
        var name: String
        var events: [String]
        /// `webhook` or `command`.
        var kind: String
        var target: String
        /// Webhooks: `codedeploy` or `slack`.
        var format: String?
        /// Webhooks: the variable holding the signing secret (never its value).
        var secretEnv: String?
        var timeoutSeconds: Double
    }

    struct AlarmsPart: Encodable {
        var intervalSeconds: Double
        var ignorePollAlarmFailure: Bool
        /// What happens when a check is in ALARM.
        var onAlarm: String
        var checks: [CheckPart]
    }

    struct CheckPart: Encodable {
        var name: String
        /// `http`, `command` or `prometheus`.
        var kind: String
        var check: String
        var perHost: Bool
        var timeoutSeconds: Double
    }

    struct RevisionPart: Encodable {
        var path: String
        var format: String
        var sha256: String?
        var appSpec: String
    }

    struct ConfigPart: Encodable {
        var name: String
        /// `playbook` or `--config`.
        var from: String
        var minimumHealthyHosts: MinimumHealthyHosts
        var zonal: ZonalConfig?
    }

    struct RolloutPart: Encodable {
        /// The hosts the minimum applies to (blue/green: the replacement fleet).
        var fleet: [String]
        var fleetSize: Int
        var healthyAtStart: Int
        var minimumHealthy: Int
        var maxConcurrency: Int
        /// The playbook's `ssh.concurrency`, when it caps the window further.
        var connectionLimit: Int?
        var order: [String]
        var zones: [ZonePart]
        var reason: String
        var refusal: RefusalPart?
    }

    struct ZonePart: Encodable {
        var name: String?
        var hosts: [String]
        var minimumHealthy: Int
        var bakeSeconds: Int
    }

    struct RefusalPart: Encodable {
        var code: String
        var message: String
    }

    /// One lifecycle event on a host.
    struct EventPart: Encodable {
        var event: String
        /// True for events Hoist performs itself (DownloadBundle, Install, Block/AllowTraffic).
        var reserved: Bool
        /// For scriptable events: `new revision` or the host's last successful revision.
        var scriptsFrom: String?
        /// The scripts, when they come from the new revision (the others are read on the host).
        var scripts: [HookScript]?
        /// What Hoist does, for reserved events.
        var action: String?
        /// True when a failure of this event does not fail the host (ignore_application_stop_failures).
        var failureIgnored: Bool = false
    }

    struct BlueGreenPart: Encodable {
        var fleetTag: String
        /// Fleet name → its hosts, in the playbook's fleet order.
        var fleets: [FleetPart]
        /// Selected hosts whose fleet tag names neither fleet: they get nothing.
        var outsideFleets: [String]
        /// Which fleet gets the new revision, in words.
        var replacementRule: String
        /// The replacement when no live fleet is recorded (the second listed fleet).
        var assumedReplacement: String
        var assumedOriginal: String
        var originalEvents: [EventPart]
        var rerouteOrder: [String]
        var readyWaitSeconds: Double?
        var originalFleetAction: String
        var terminationWaitSeconds: Double
    }

    struct FleetPart: Encodable {
        var name: String
        var hosts: [String]
    }

    struct FilesPart: Encodable {
        var fileExistsBehavior: String
        /// `appspec`, `--file-exists-behavior` or `playbook`.
        var fileExistsBehaviorFrom: String
        var destinations: [String]
        var directories: Int
        var permissionSteps: Int
    }

    struct BalancerPart: Encodable {
        var name: String
        var driver: String
        var drainTimeoutSeconds: Double
        var healthTimeoutSeconds: Double
        /// Host → the server (or argument) it is in this balancer.
        var servers: [ServerPart]
    }

    struct ServerPart: Encodable {
        var host: String
        var server: String
    }
}
