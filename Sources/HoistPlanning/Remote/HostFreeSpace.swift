import HoistCore

/// What a deployment will certainly write in the group's folder on a host before anything of
/// the previous revision is deleted (the bundle, unless the host holds it already, and the
/// unpacked revision), and the check against the free space the probe saw. A host that
/// cannot hold them fails before ApplicationStop, with its application still running: the
/// same disk found full in DownloadBundle leaves it stopped, and a rollback cannot unpack.
public struct HostSpaceNeed: Sendable, Hashable {
    /// The bundle's bytes; 0 when the host already holds it (`HostProbeResult.bundles`).
    public var bundleBytes: Int64
    /// The unpacked revision's size on disk (`diskBytes(of:)`), with Install's program and
    /// working lists (`installBytes(programBytes:)`).
    public var unpackedBytes: Int64

    public init(bundleBytes: Int64, unpackedBytes: Int64) {
        self.bundleBytes = max(0, bundleBytes)
        self.unpackedBytes = max(0, unpackedBytes)
    }

    public var totalBytes: Int64 {
        let (sum, overflow) = bundleBytes.addingReportingOverflow(unpackedBytes)
        return overflow ? .max : sum
    }

    /// Whether `freeBytes` (plus what retention would remove) holds the need.
    public func fits(freeBytes: Int64) -> Bool { freeBytes >= totalBytes }

    /// The host's error when it does not: where, how much is free and needed (free rounded
    /// down, needed up, so the figures never look as if they fit), and what to do.
    public func refusal(folder: String, freeBytes: Int64, retentionFrees: Int64 = 0) -> String {
        let parts = bundleBytes > 0
            ? "bundle \(Self.megabytes(up: bundleBytes)) + unpacked \(Self.megabytes(up: unpackedBytes))"
            : "unpacked \(Self.megabytes(up: unpackedBytes)); the bundle is already on the host"
        let freed = retentionFrees > 0 ? " (counting \(Self.megabytes(down: retentionFrees)) that removing old deployments would free)" : ""
        return "not enough free space for this revision in \(folder): \(Self.megabytes(down: freeBytes)) free\(freed), "
            + "\(Self.wholeMegabytes(up: bundleBytes) + Self.wholeMegabytes(up: unpackedBytes)) MB needed (\(parts)); "
            + "free some space (df -h on the host) and deploy again; nothing was stopped"
    }

    /// What `entries` take on a disk once unpacked: each file's bytes rounded up to whole
    /// 4 KiB blocks (ext4's and XFS's usual block), and a block for each directory and each
    /// link too long to live in its inode. Twenty thousand one-byte files take 80 MB, not
    /// 20 kB: counted as their bytes, they passed the check and filled the disk mid-unpack.
    public static func diskBytes(of entries: [BundleEntry]) -> Int64 {
        let block: Int64 = 4096
        var total: Int64 = 0
        for entry in entries {
            let bytes: Int64
            switch entry.kind {
            case .file:
                guard entry.size <= .max - block else { return .max }
                bytes = (max(0, entry.size) + block - 1) / block * block
            case .directory: bytes = block
            case .symlink(let target): bytes = target.utf8.count < 60 ? 0 : block
            }
            let (sum, overflow) = total.addingReportingOverflow(bytes)
            if overflow { return .max }
            total = sum
        }
        return total
    }

    /// What Install writes under the group's folder before it removes anything: its
    /// program (`install.sh`, as rendered) and its working lists (`install.work`: every
    /// destination and recorded path, about half the program), counted as twice the program,
    /// with a block for each file.
    public static func installBytes(programBytes: Int) -> Int64 {
        let (twice, overflow) = Int64(programBytes).multipliedReportingOverflow(by: 2)
        return overflow ? .max : twice + 2 * 4096
    }

    static func megabytes(down bytes: Int64) -> String { "\(max(0, bytes) / 1_000_000) MB" }

    static func megabytes(up bytes: Int64) -> String { "\(wholeMegabytes(up: bytes)) MB" }

    /// The parts are rounded up each, and the total is their sum, so the figures add up
    /// ("3 MB needed (bundle 1 MB + unpacked 3 MB)" did not).
    static func wholeMegabytes(up bytes: Int64) -> Int64 {
        let whole = max(0, bytes) / 1_000_000
        return bytes % 1_000_000 > 0 ? whole + 1 : whole
    }
}

/// Reads the sizes the host reports, in KiB, as bytes: `df -P`'s Available and `du -c`'s
/// total. Anything odd (a missing or non-numeric column, a figure too large) reads as nil,
/// and then the host gets no check rather than a wrong one.
public enum HostSpaceReply {
    /// The Available column of `df -Pk`'s line for one filesystem: the number before the
    /// first `NN%` field that follows three numbers (a filesystem's name may hold spaces).
    public static func availableBytes(dfLine line: String) -> Int64? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 5 else { return nil }
        for i in 4..<fields.count {
            let capacity = fields[i]
            guard capacity.count >= 2, capacity.last == "%", isNumber(capacity.dropLast()) else { continue }
            guard fields[(i - 3)..<i].allSatisfy({ isNumber($0) }) else { continue }
            return bytes(kibibytes: fields[i - 1])
        }
        return nil
    }

    /// The KiB total at the start of `du -skc`'s last line (`N<TAB>total`).
    public static func totalBytes(duLine line: String) -> Int64? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 2, fields[1] == "total" else { return nil }
        return bytes(kibibytes: fields[0])
    }

    static func isNumber(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0 >= "0" && $0 <= "9" }
    }

    static func bytes(kibibytes text: Substring) -> Int64? {
        guard isNumber(text), text.count <= 18, let kib = Int64(text) else { return nil }
        let (value, overflow) = kib.multipliedReportingOverflow(by: 1024)
        return overflow ? nil : value
    }
}
