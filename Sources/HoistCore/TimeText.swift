import Foundation

/// `4.2s`, `42s`, `4m12s`: a duration as every output shows it.
public func formatDuration(_ seconds: Double) -> String {
    if seconds < 10 { return String(format: "%.1fs", seconds) }
    if seconds < 120 { return String(format: "%.0fs", seconds) }
    return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60)
}

/// `2s`, `0.5s`: how a configured wait is written in messages, as it was given.
public func formatSeconds(_ seconds: Double) -> String {
    plainSeconds(seconds) + "s"
}

/// `5`, `0.5`: a number of seconds as it was given; one too large for an Int (or infinite)
/// as Double writes it, where `Int(_:)` would trap.
public func plainSeconds(_ value: Double) -> String {
    value.isFinite && abs(value) < 1e15 && value == value.rounded() ? String(Int(value)) : String(value)
}

/// `2026-12-04T00:51:02Z`: the time at the start of every plain output line, and the end of
/// a wait. With `milliseconds`, `2026-12-04T00:51:02.047Z`, as `--json` writes every time
/// (ISO8601DateFormatter's `.withFractionalSeconds`, which rounds to the millisecond).
public func utcStamp(_ time: Date, milliseconds: Bool = false) -> String {
    var seconds = time_t(time.timeIntervalSince1970)
    var fraction = ""
    if milliseconds {
        let total = Int64((time.timeIntervalSince1970 * 1000).rounded())
        let (whole, rest) = total.quotientAndRemainder(dividingBy: 1000)
        // Before 1970 the remainder is negative: borrow a second.
        seconds = time_t(rest < 0 ? whole - 1 : whole)
        fraction = "." + digits(Int32(rest < 0 ? rest + 1000 : rest), 3)
    }
    var parts = tm()
    gmtime_r(&seconds, &parts)
    return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2) + "T"
        + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2) + fraction + "Z"
}

/// Digits by hand: String(format:) goes through Foundation's formatter, and a thousand hosts'
/// output stamps every line.
private func digits(_ value: Int32, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
