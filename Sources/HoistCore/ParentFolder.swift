/// The folder part of a path, as `NSString.deletingLastPathComponent` gives it, which crashes
/// on a one-character path in this Foundation (`hoist list --db y` died with "Illegal
/// instruction"): "" for a bare name, "/" for a name in the root, trailing slashes ignored.
public func parentFolder(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    if slash == trimmed.startIndex { return "/" }
    var parent = trimmed[..<slash]
    while parent.count > 1, parent.hasSuffix("/") { parent = parent.dropLast() }
    return String(parent)
}
