/// The folder part of a file path as `NSString.deletingLastPathComponent` gives it (trailing
/// slashes ignored), which crashes on a one-character path in this Foundation (`hoist list
/// --db y` died with "Illegal instruction"): `PathSyntax.dirname` of the trimmed path.
public func parentFolder(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    var parent = Substring(PathSyntax.dirname(String(trimmed)))
    while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
    return String(parent)
}
