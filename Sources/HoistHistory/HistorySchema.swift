import GRDB

/// The history file's schema, as a list of migrations. A migration, once released, never
/// changes: files written by an older Hoist are brought up to date by running the ones they
/// lack, in order.
///
/// Times are stored as integer milliseconds since 1970 (UTC), so they sort, compare exactly
/// and read in the sqlite3 shell with `datetime(t / 1000, 'unixepoch')`.
public enum HistorySchema {
    /// Migration identifiers, oldest first.
    public static var migrationIdentifiers: [String] { migrator.migrations }

    /// Each migration's SQL, oldest first. The SQLite file runs it as written; the PostgreSQL
    /// store runs the same statements with its own integer types (HoistHistoryPostgres), so
    /// both stores have one schema and the same migration names.
    public static let migrations: [(id: String, sql: String)] = [
        ("v1", v1),
        ("v2-deployment-description", "ALTER TABLE deployment ADD COLUMN description TEXT"),
        ("v3-trigger-deliveries", v3Deliveries),
        ("v3-phases", v3Phases),
        ("v4-revision-commit", "ALTER TABLE deployment ADD COLUMN revisionCommit TEXT"),
        ("v5-deployment-origin", "ALTER TABLE deployment ADD COLUMN origin TEXT"),
        ("v6-deployment-coordinator", v6Coordinator),
    ]

    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }()

    /// Creates (or brings up to) a history file with the schema as it was at `identifier`:
    /// a file as an older Hoist left it, for testing upgrades.
    public static func createFile(atPath path: String, upTo identifier: String) throws {
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: identifier)
    }

    /// The process running a deployment (`DeploymentCoordinator`), so a reader can tell one
    /// whose coordinator was killed.
    static let v6Coordinator = """
        ALTER TABLE deployment ADD COLUMN coordinatorMachine TEXT;
        ALTER TABLE deployment ADD COLUMN coordinatorPid INTEGER;
        ALTER TABLE deployment ADD COLUMN coordinatorStart TEXT;
        """

    /// Blue/green deployments run in phases; `hosts` is one host name a line.
    static let v3Phases = """
        CREATE TABLE phase (
            seq INTEGER PRIMARY KEY,
            deploymentID TEXT NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            name TEXT NOT NULL,
            detail TEXT,
            hosts TEXT NOT NULL,
            startTime INTEGER NOT NULL,
            endTime INTEGER,
            UNIQUE (deploymentID, idx)
        );
        """

    /// The first schema. `seq` columns keep insertion order (list ties, host and event
    /// order) and, for output, give `logs --follow` a cursor that only grows.
    static let v1 = """
        CREATE TABLE deployment (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            application TEXT NOT NULL,
            deploymentGroup TEXT NOT NULL,
            playbookPath TEXT NOT NULL,
            status TEXT NOT NULL,
            errorCode TEXT,
            errorMessage TEXT,
            creator TEXT NOT NULL,
            createdBy TEXT NOT NULL,
            revisionPath TEXT NOT NULL,
            revisionSHA256 TEXT,
            deploymentConfigName TEXT NOT NULL,
            fileExistsBehavior TEXT NOT NULL,
            rollbackOf TEXT REFERENCES deployment(id) ON DELETE SET NULL,
            deploymentType TEXT NOT NULL,
            createTime INTEGER NOT NULL,
            startTime INTEGER,
            endTime INTEGER,
            hostCount INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX deployment_by_time ON deployment(createTime);
        CREATE INDEX deployment_by_group ON deployment(deploymentGroup, createTime);
        CREATE INDEX deployment_by_application ON deployment(application, createTime);
        CREATE INDEX deployment_by_status ON deployment(status, createTime);

        CREATE TABLE host (
            seq INTEGER PRIMARY KEY,
            deploymentID TEXT NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            address TEXT NOT NULL,
            status TEXT NOT NULL,
            errorCode TEXT,
            message TEXT,
            startTime INTEGER,
            endTime INTEGER,
            UNIQUE (deploymentID, host)
        );

        CREATE TABLE event (
            seq INTEGER PRIMARY KEY,
            deploymentID TEXT NOT NULL,
            host TEXT NOT NULL,
            event TEXT NOT NULL,
            status TEXT NOT NULL,
            errorCode TEXT,
            message TEXT,
            scriptName TEXT,
            startTime INTEGER,
            endTime INTEGER,
            UNIQUE (deploymentID, host, event),
            FOREIGN KEY (deploymentID, host) REFERENCES host(deploymentID, host) ON DELETE CASCADE
        );

        CREATE TABLE output (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            deploymentID TEXT NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            event TEXT NOT NULL,
            stream TEXT NOT NULL,
            time INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX output_by_deployment ON output(deploymentID);
        CREATE INDEX output_by_host ON output(deploymentID, host);
        """

    /// Trigger deliveries: one row per notification, written when its last attempt ends.
    /// Plain columns only (times in milliseconds), so a PostgreSQL store can mirror it.
    static let v3Deliveries = """
        CREATE TABLE delivery (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            deploymentID TEXT NOT NULL REFERENCES deployment(id) ON DELETE CASCADE,
            triggerName TEXT NOT NULL,
            event TEXT NOT NULL,
            host TEXT,
            target TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            error TEXT,
            eventTime INTEGER NOT NULL,
            endTime INTEGER NOT NULL
        );
        CREATE INDEX delivery_by_deployment ON delivery(deploymentID);
        """
}
