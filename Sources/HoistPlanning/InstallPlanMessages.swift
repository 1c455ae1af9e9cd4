/// CodeDeploy's wording for plan-time conflicts (agent `install_instruction.rb`,
/// `linux_permission_info.rb`), with bundle-relative sources instead of absolute ones.
enum InstallPlanMessages {
    static func twoSources(_ source: String, _ other: String, _ destination: String) -> String {
        "The deployment failed because the application specification file specifies two source files named \(source) and \(other) for the same destination (\(destination)). Remove one of the source file paths from the AppSpec file, and then try again."
    }

    static func fileOnDirectory(_ source: String, _ destination: String) -> String {
        "The deployment failed because the application specification file calls for installing the file \(source), but a file with that name already exists at the location (\(destination)). Update your AppSpec file or directory structure, and then try again."
    }

    static func directoryOnFile(_ destination: String, _ source: String) -> String {
        "The deployment failed because the application specification file includes an mkdir command more than once for the same destination path (\(destination)) from (\(source)). Update the files section of the AppSpec file, and then try again."
    }

    static func permissionTwice(_ path: String) -> String {
        "The deployment failed because the permissions setting for (\(path)) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again."
    }

    static func filePattern(_ object: String, _ pattern: String) -> String {
        "The deployment failed because the application specification file includes an object (\(object)) with an invalid pattern (\(pattern)), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again."
    }

    static func fileExcept(_ except: [String], _ object: String) -> String {
        let ruby = "[" + except.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
        return "The deployment failed because the except parameter for a pattern in the permissions section (\(ruby)) for the object named \(object) contains an invalid format. Update the AppSpec file, and then try again."
    }

    static let defaultACLOnFile = "The deployment failed because the -d parameter has been specified to apply an acl setting to a file. This parameter is supported for directories only. Update the AppSpec file, and then try again."

    static let conflict = "The deployment failed because a specified file already exists at this location: "
}
