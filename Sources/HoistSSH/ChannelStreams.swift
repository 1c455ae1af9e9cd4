/// Reads a channel's stdout and stderr side by side. Every loop that reads a command's output
/// goes through it, so none lets a full stderr window stall stdout, and all treat a stream's
/// end the same way.
struct ChannelStreams {
    /// The streams (0 stdout, 1 stderr) still read.
    private(set) var open = [true, true]
    var bothClosed: Bool { !open[0] && !open[1] }

    /// Stops reading `stream` (its caller has what it wanted from it).
    mutating func close(_ stream: Int) { open[stream] = false }

    /// One pass: reads each open stream until it has nothing more for now, handing each chunk
    /// to `take`, which answers whether to go on reading that stream. A stream that reached
    /// its end is closed and `ended` is told. Returns whether any bytes came.
    mutating func pass(_ channel: SSHChannel, buffer: UnsafeMutableRawBufferPointer,
                       take: (Int, UnsafeRawBufferPointer) throws -> Bool,
                       ended: (Int) throws -> Void = { _ in }) throws -> Bool {
        var moved = false
        for stream in 0..<2 {
            while open[stream] {
                let n = try channel.read(stream: Int32(stream), into: buffer)
                if n == 0 { break }
                if n < 0 {
                    open[stream] = false
                    try ended(stream)
                    break
                }
                moved = true
                if try !take(stream, UnsafeRawBufferPointer(rebasing: buffer[0..<n])) { open[stream] = false }
            }
        }
        return moved
    }
}
