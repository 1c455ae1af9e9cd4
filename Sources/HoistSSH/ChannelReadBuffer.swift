/// The buffer a command's output is read into on its session thread. On a thousand hosts a
/// thousand commands run at once, each holding one, so its size is paid a thousand times
/// (64 KiB was 64 MB; 16 KiB still about 3 MB more at the peak than 4 KiB, docs/performance.md).
/// libssh2 hands over at most one packet's payload per read (32 KiB, usually a few hundred
/// bytes of hook output), so a smaller buffer costs a few more reads of large output, not
/// throughput.
enum ChannelReadBuffer {
    static let size = 4 << 10
}
