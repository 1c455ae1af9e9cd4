/// The longest any time setting may be (a timeout, an interval, a wait, a lease): 30 days.
/// Every such setting becomes a `Duration` or whole nanoseconds somewhere, and `1e300s`
/// crashed the conversion mid-deployment; no deployment waits a month for anything.
public enum LongestDuration {
    public static let seconds: Double = 30 * 86_400
    /// `2592000 seconds (30 days)`, for messages.
    public static let described = "\(Int(seconds)) seconds (\(Int(seconds) / 86_400) days)"
}
