/// The commands Hoist suggests (`hoist logs …`, `hoist continue …`, `hoist redeploy …`),
/// written so that, pasted in the folder they were printed in, they read the history they
/// came from. A history named by `--db`, or by a playbook's `history:`, is not the one a bare
/// command reads, so the suggestion carries `--db` (a URL without its password) or the
/// playbook. With neither (the default file, `$HOIST_HISTORY_URL`), a bare command finds it.
public struct SuggestedCommands: Sendable, Hashable {
    /// `--db` as it was given, without a password.
    public var db: String?
    /// The playbook whose `history:` names the store, when no `--db` was given.
    public var playbook: String?

    public init(db: String? = nil, playbook: String? = nil) {
        self.db = db
        self.playbook = db == nil ? playbook : nil
    }

    /// For the commands that find a deployment through the history (logs, show, list,
    /// redeploy, stop): ` --db DB`, ` --playbook PLAYBOOK` or nothing.
    private var historyOptions: String {
        if let db { return " --db " + shellQuote(db) }
        if let playbook { return " --playbook " + shellQuote(playbook) }
        return ""
    }

    /// For the commands that name the playbook anyway (it names its history): ` --db DB` or nothing.
    private var dbOption: String { db.map { " --db " + shellQuote($0) } ?? "" }

    /// Where all of one event's output is.
    public func logs(_ id: String, host: String, event: LifecycleEvent) -> String {
        "hoist logs \(id) --host \(shellQuote(host)) --event \(event.rawValue)" + historyOptions
    }

    public func show(_ id: String, refresh: Bool = false) -> String {
        "hoist show \(id)" + (refresh ? " --refresh" : "") + historyOptions
    }

    public func list(group: String? = nil) -> String {
        "hoist list" + (group.map { " --group " + shellQuote($0) } ?? "") + historyOptions
    }

    public func redeploy(_ id: String, onlyFailed: Bool = false) -> String {
        "hoist redeploy \(id)" + (onlyFailed ? " --only-failed" : "") + historyOptions
    }

    public func rollback(playbook: String) -> String {
        "hoist rollback " + shellQuote(playbook) + dbOption
    }

    /// Moves a blue/green group's traffic back to the fleet that served before its last
    /// deployment, putting that fleet's hosts back in rotation.
    public func blueGreenRollback(playbook: String) -> String {
        "hoist deploy " + shellQuote(playbook) + " --blue-green-rollback" + dbOption
    }

    /// Removes a lock a deployment could not remove itself (the playbook names the group).
    public func lockRelease(playbook: String) -> String {
        "hoist lock release " + shellQuote(playbook) + dbOption
    }

    /// `continue` takes the playbook as its second argument.
    public func continueDeployment(_ id: String) -> String {
        "hoist continue \(id)" + (playbook.map { " " + shellQuote($0) } ?? "") + dbOption
    }
}
