import HoistCore

/// A short command's whole answer (`SSHChannel.readToEnd`), and what cut it short when the
/// connection failed or went silent before the command ended.
struct ChannelEnding {
    var stdout: String
    var stderr: String
    var failure: TransportError?
}
