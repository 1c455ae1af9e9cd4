/// A revision for a deploy test: its AppSpec and files, built up in code.
struct Revision {
    struct File {
        var text: String
        var mode: Int
    }

    struct Hook {
        var event: String
        var location: String
        var timeout: Int
        var runas: String?
    }

    var files: [String: File] = [:]
    /// `files:` entries of the AppSpec.
    var installs: [(source: String, destination: String)] = []
    var hooks: [Hook] = []
    /// More top-level AppSpec YAML (permissions, file_exists_behavior).
    var extra = ""

    /// A script that records what a hook sees on the host, under /srv/obs/<application>: the
    /// event appended to `order`, and `<event>.env` with `pwd=`, `user=` and the environment.
    static let observeScript = """
        #!/bin/sh
        umask 000  # hooks of other users append to the same files
        obs=/srv/obs/$APPLICATION_NAME
        echo "$LIFECYCLE_EVENT" >>"$obs/order"
        { echo "pwd=$(pwd)"; echo "user=$(id -un)"; env; } >"$obs/$LIFECYCLE_EVENT.env"

        """

    /// Adds a script file.
    mutating func script(_ path: String, _ body: String) {
        files[path] = File(text: body.hasPrefix("#!") ? body : "#!/bin/sh\n" + body + "\n", mode: 0o755)
    }

    /// Adds a hook running `location` (adding the script when `body` is given).
    mutating func hook(_ event: String, _ location: String, body: String? = nil, timeout: Int = 30, runas: String? = nil) {
        if let body { script(location, body) }
        hooks.append(Hook(event: event, location: location, timeout: timeout, runas: runas))
    }

    /// Hook lines that say the hook waits (`<observations>/waiting`), then wait for the test's
    /// cue, `/etc/hoist-test/$APPLICATION_NAME.go`, at most `tenths` tenths of a second
    /// (exit 9 after that), so the test decides when the hook ends.
    static func waitForCue(tenths: Int) -> String {
        """
        touch /srv/obs/$APPLICATION_NAME/waiting
        i=0
        while [ ! -e /etc/hoist-test/$APPLICATION_NAME.go ]; do
          i=$((i + 1)); [ $i -le \(tenths) ] || exit 9
          sleep 0.1
        done
        """
    }

    /// The observe script as the hook of each of `events`.
    mutating func observe(_ events: [String], runas: [String: String] = [:]) {
        files["scripts/observe.sh"] = File(text: Self.observeScript, mode: 0o755)
        for event in events { hook(event, "scripts/observe.sh", runas: runas[event]) }
    }

    /// A plain file of the revision (installed by an `installs` entry naming it or its folder).
    mutating func file(_ path: String, _ text: String) {
        files[path] = File(text: text, mode: 0o644)
    }

    /// A file of the revision installed under `destination`.
    mutating func install(_ source: String, _ text: String, to destination: String) {
        files[source] = File(text: text, mode: 0o644)
        installs.append((source, destination))
    }

    var appSpec: String {
        var text = "version: 0.0\nos: linux\n"
        if !installs.isEmpty {
            text += "files:\n" + installs.map { "  - source: \($0.source)\n    destination: \($0.destination)\n" }.joined()
        }
        if !hooks.isEmpty {
            text += "hooks:\n"
            var seen: [String] = []
            for hook in hooks where !seen.contains(hook.event) { seen.append(hook.event) }
            for event in seen {
                text += "  \(event):\n"
                for hook in hooks where hook.event == event {
                    text += "    - location: \(hook.location)\n      timeout: \(hook.timeout)\n"
                    if let runas = hook.runas { text += "      runas: \(runas)\n" }
                }
            }
        }
        return text + extra
    }
}
