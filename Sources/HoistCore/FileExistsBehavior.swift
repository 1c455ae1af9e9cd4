/// What Install does when a file it would copy already exists and was not put there by the
/// previous Install of the same deployment group. CodeDeploy's default is DISALLOW.
public enum FileExistsBehavior: String, Sendable, Hashable, Codable, CaseIterable {
    case disallow = "DISALLOW"
    case overwrite = "OVERWRITE"
    case retain = "RETAIN"
}
