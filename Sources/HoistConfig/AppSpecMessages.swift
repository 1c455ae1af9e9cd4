/// CodeDeploy's own wording for each AppSpec problem (agent v1.8.1), so people who search for
/// a message find the same answers; Hoist adds place, key path and a hint around it.
enum AppSpecMessages {
    static let empty = "The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties."

    static func version(_ v: String) -> String {
        "The deployment failed because an invalid version value (\(v)) was entered in the application specification file. Make sure your AppSpec file specifies \"0.0\" as the version, and then try again."
    }

    static func os(_ os: String) -> String {
        "The deployment failed because the application specification file specifies an unsupported operating system (\(os)). Specify either \"linux\" or \"windows\" in the os section of the AppSpec file, and then try again."
    }

    static func fileExistsBehavior(_ v: String) -> String {
        "The deployment failed because an invalid file_exists_behavior value (\(v)) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again."
    }

    static let missingSource = "The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again."

    static func missingDestination(_ source: String) -> String {
        "The deployment failed because the application specification file specifies only a source file (\(source)). Add the name of the destination file to the files section of the AppSpec file, and then try again."
    }

    static let missingObject = "The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again."

    /// Sic: CodeDeploy's text has no space in "filespecifies".
    static func objectType(_ t: String) -> String {
        "The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (\(t)). Update the permissions section of the AppSpec file, and then try again."
    }

    static func modeLength(_ m: String) -> String {
        "The deployment failed because the length of a permissions mode (\(m)) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again."
    }

    static func modeCharacter(_ m: String, _ c: Character) -> String {
        "The deployment failed because the permissions mode (\(m)) in the application specification file contains an invalid character (\(c)). Update the permissions section of the AppSpec file, and then try again."
    }

    static func invalidACL(_ ace: String) -> String {
        "The deployment failed because of a problem with the acls permission settings in the application specification file. Invalid acl entry (\(ace))."
    }

    static func baseACL(_ ace: String) -> String {
        "The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (\(ace)). Update the permissions section of the AppSpec file, and then try again."
    }

    static func aclCharacter(_ ace: String, _ c: Character) -> String {
        "The deployment failed because the access control list (ACL) named \(ace) in the application specification file contains an invalid character (\(c)). Correct the ACL in the hooks section of the AppSpec file, and then try again."
    }

    static func contextType(_ inspected: String) -> String {
        "The deployment failed because the application specification file specifies an invalid context type (\(inspected)). Update the permissions section of the AppSpec file, and then try again."
    }

    static let missingLocation = "The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again."

    static let invalidTimeout = "The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again."
}
