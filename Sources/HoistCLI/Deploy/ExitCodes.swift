import ArgumentParser

/// Hoist's documented exit codes.
extension HoistExitCode {
    public static let succeeded: Int32 = 0
    public static let deploymentFailed: Int32 = 3
    public static let stopped: Int32 = 4
    /// Another deployment holds the group's lock.
    public static let lockHeld: Int32 = 6
}
