/// Why a bundle could not be read, written or extracted. Every case names the bundle as the user
/// gave it and says what to do.
public enum BundleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bundle holds entries Hoist refuses; all of them are listed.
    case unsafeEntries(bundle: String, problems: [BundleProblem])
    /// libarchive could not read it (corrupt, truncated, not an archive).
    case unreadable(bundle: String, reason: String)
    /// A readable archive in a format hosts cannot be trusted to unpack.
    case unsupportedFormat(bundle: String, detected: String)
    /// A directory revision without appspec.yml/appspec.yaml at its root.
    case missingAppSpec(bundle: String)
    /// The input does not exist or is neither a file nor a directory.
    case notFound(path: String)
    /// An output name whose extension names no archive format.
    case unknownOutputFormat(path: String)
    /// An output path that cannot be used (inside the input, say).
    case invalidOutput(path: String, reason: String)
    /// The revision read differently the second time (written to while Hoist read it, or an
    /// archive whose headers state what its data does not hold).
    case changed(bundle: String, reason: String)
    /// Writing or reading a file failed for a reason outside the bundle's content.
    case io(path: String, reason: String)

    /// True when the user's input is at fault (CLI exit code 2), false for environment failures.
    public var isInvalidInput: Bool {
        if case .io = self { return false }
        return true
    }

    /// Problem lines beyond this are summarised, so a hostile archive cannot flood a terminal.
    static let maxListedProblems = 100

    public var description: String {
        switch self {
        case .unsafeEntries(let bundle, let problems):
            var lines = problems.prefix(Self.maxListedProblems).map { "\(bundle): \($0)" }
            if problems.count > Self.maxListedProblems {
                lines.append("\(bundle): ... and \(problems.count - Self.maxListedProblems) more problems")
            }
            return lines.joined(separator: "\n")
        case .unreadable(let bundle, let reason):
            return "\(bundle): cannot read the bundle: \(reason)"
        case .unsupportedFormat(let bundle, let detected):
            return "\(bundle): unsupported bundle format (\(detected)); "
                + "use a directory or one of \(BundleFormat.knownExtensions)"
        case .missingAppSpec(let bundle):
            return "\(bundle): no appspec.yml or appspec.yaml at the root of the revision "
                + "(CodeDeploy needs one; add it, or point at the directory that holds it)"
        case .notFound(let path):
            return "\(path): no such file or directory"
        case .unknownOutputFormat(let path):
            return "\(path): cannot tell the archive format from the name; "
                + "end it with one of \(BundleFormat.knownExtensions)"
        case .invalidOutput(let path, let reason):
            return "\(path): \(reason)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .changed(let bundle, let reason):
            return "\(bundle): the revision is not what was checked: \(reason); if it was being written to, run the command again"
        }
    }
}
