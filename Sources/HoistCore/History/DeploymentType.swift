/// How a deployment replaces the running revision: on the same hosts, or by shifting traffic
/// to a replacement fleet. CodeDeploy's `DeploymentType` names.
public enum DeploymentType: String, Sendable, Hashable, Codable, CaseIterable {
    case inPlace = "IN_PLACE"
    case blueGreen = "BLUE_GREEN"
}
