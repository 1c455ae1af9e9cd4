import ArgumentParser

/// Hoist's documented exit codes.
extension HoistExitCode {
    public static let succeeded: Int32 = 0
    public static let deploymentFailed: Int32 = 3
    public static let stopped: Int32 = 4
    /// The deployment could not start: too few healthy hosts, no host reachable, no revision.
    public static let couldNotStart: Int32 = 5
    /// Another deployment holds the group's lock.
    public static let lockHeld: Int32 = 6
}
