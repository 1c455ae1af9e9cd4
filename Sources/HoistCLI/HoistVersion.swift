/// Hoist's release, as `hoist --version` prints it and the man page names it.
public enum HoistVersion {
    public static let current = "0.1.0"
}
