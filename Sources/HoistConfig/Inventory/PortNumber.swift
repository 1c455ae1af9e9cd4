/// The one reading of a port number written in an inventory, an ssh option or ssh_config, so
/// that every spelling of a port is held to the same range with the same words. A port read
/// more loosely (`-o Port=65558`) was kept and later wrapped to another port.
enum PortNumber {
    static let range = 1...65535
    static let described = "a port number from 1 to 65535"

    /// The port `text` names, or nil when it is not a whole number in range.
    static func parse(_ text: String) -> Int? {
        Int(text).flatMap { range.contains($0) ? $0 : nil }
    }

    /// The message for text that `parse` refused.
    static func problem(_ text: String) -> String {
        "must be \(described), not '\(text)'"
    }
}
