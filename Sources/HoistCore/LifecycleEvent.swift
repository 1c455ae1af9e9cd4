/// A CodeDeploy lifecycle event. Reserved events are run by Hoist itself and cannot carry
/// scripts; the others run the AppSpec's hook scripts.
public enum LifecycleEvent: String, Sendable, Hashable, Codable, CaseIterable {
    case beforeBlockTraffic = "BeforeBlockTraffic"
    case blockTraffic = "BlockTraffic"
    case afterBlockTraffic = "AfterBlockTraffic"
    case applicationStop = "ApplicationStop"
    case downloadBundle = "DownloadBundle"
    case beforeInstall = "BeforeInstall"
    case install = "Install"
    case afterInstall = "AfterInstall"
    case applicationStart = "ApplicationStart"
    case validateService = "ValidateService"
    case beforeAllowTraffic = "BeforeAllowTraffic"
    case allowTraffic = "AllowTraffic"
    case afterAllowTraffic = "AfterAllowTraffic"

    /// Events that Hoist performs itself (CodeDeploy's reserved events).
    public var isReserved: Bool {
        switch self {
        case .downloadBundle, .install, .blockTraffic, .allowTraffic: return true
        default: return false
        }
    }

    /// In-place order without a load balancer.
    public static let inPlace: [LifecycleEvent] = [
        .applicationStop, .downloadBundle, .beforeInstall, .install, .afterInstall,
        .applicationStart, .validateService,
    ]

    /// In-place order with traffic control.
    public static let inPlaceWithTraffic: [LifecycleEvent] = [
        .beforeBlockTraffic, .blockTraffic, .afterBlockTraffic,
    ] + inPlace + [.beforeAllowTraffic, .allowTraffic, .afterAllowTraffic]

    /// Blue/green: the replacement fleet's events, and the original fleet's.
    public static let blueGreenReplacement: [LifecycleEvent] = inPlace + [
        .beforeAllowTraffic, .allowTraffic, .afterAllowTraffic,
    ]
    public static let blueGreenOriginal: [LifecycleEvent] = [
        .beforeBlockTraffic, .blockTraffic, .afterBlockTraffic,
    ]
}
