/// The host's clock in a remote program without a `date` process. The resident shell is bash,
/// whose `EPOCHSECONDS` costs nothing: it sets `HOIST_NOW` from it for each program that names
/// the variable (and only those, so no other command's environment changes). Programs that
/// judge time (the group lock's) read it, and run `date` where nothing set it: an exec channel,
/// `sudo` (which resets the environment), or a bash older than 5.
public enum HostClock {
    /// The environment variable the resident shell sets.
    public static let variable = "HOIST_NOW"

    /// Shell that sets `now` to the host's clock in whole seconds since the epoch.
    public static let nowAssignment = "now=${\(variable):-}; case $now in '' | *[!0-9]*) now=$(date +%s) ;; esac"

    /// What the resident shell puts before a program that names the variable.
    public static let residentShellAssignment = "\(variable)=$EPOCHSECONDS "
}
