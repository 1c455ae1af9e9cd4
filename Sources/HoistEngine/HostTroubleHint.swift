/// What a host's own error text says about the host rather than the deployment: a full disk
/// reads as `printf: I/O error` or `No space left on device` from whichever program hit it,
/// which names neither the disk nor what to do.
enum HostTroubleHint {
    static func suffix(for message: String) -> String {
        guard !message.contains(writeHint), !message.contains(readOnlyHint) else { return "" }
        let full = ["No space left on device", "Disk quota exceeded", "I/O error", "Read-only file system"]
        guard let found = full.first(where: { message.contains($0) }) else { return "" }
        return found == "Read-only file system" ? readOnlyHint : writeHint
    }

    private static let writeHint = " (the host could not write: check its free space and quota, `df -h` and `df -i` on it)"
    private static let readOnlyHint = " (the host's file system is read-only: check its mounts)"
}
