import Foundation
import HoistTestSupport

/// Revisions, inventories and playbooks written by the tests themselves, in a scratch folder.
enum RevisionFixtures {
    static let appSpec = """
        version: 0.0
        os: linux
        files:
          - source: web
            destination: /var/www/app
        hooks:
          ApplicationStop:
            - location: scripts/stop.sh
          BeforeInstall:
            - location: scripts/install.sh
              timeout: 300
              runas: root
          ApplicationStart:
            - location: scripts/start.sh
          ValidateService:
            - location: scripts/check.sh
              timeout: 60

        """

    /// A valid directory revision at `<scratch>/rev`: 2 web files, 4 hook scripts.
    @discardableResult
    static func validRevision(in scratch: ScratchDirectory, name: String = "rev") throws -> String {
        try scratch.write("\(name)/appspec.yml", appSpec)
        try scratch.write("\(name)/web/index.html", "<h1>hi</h1>\n")
        try scratch.write("\(name)/web/css/site.css", "body {}\n")
        for script in ["stop", "install", "start", "check"] {
            try scratch.write("\(name)/scripts/\(script).sh", "#!/bin/sh\nexit 0\n", mode: 0o755)
        }
        return scratch.file(name)
    }

    /// Runs the system's (GNU) tar in `directory`; returns its exit status.
    static func tar(_ arguments: [String], in directory: URL) throws -> Int32 {
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["tar"] + arguments
        tar.currentDirectoryURL = directory
        try tar.run()
        tar.waitUntilExit()
        return tar.terminationStatus
    }

    /// Four hosts h001…h004: h001/h002 blue, h003/h004 green; all role=web.
    static let inventory = """
        defaults:
          user: deploy
        hosts:
          h001: {address: 10.9.0.1, tags: {role: web, color: blue}}
          h002: {address: 10.9.0.2, tags: {role: web, color: blue}}
          h003: {address: 10.9.0.3, tags: {role: web, color: green}}
          h004: {address: 10.9.0.4, tags: {role: web, color: green}}
          db1:  {address: 10.9.0.9, tags: {role: db}}

        """

    /// A playbook at `<scratch>/<name>.yml` over `inventory.yml` (written from `inventory`) and
    /// `rev`, with `extra` appended.
    @discardableResult
    static func playbook(in scratch: ScratchDirectory, name: String = "web", config: String = "HalfAtATime", extra: String = "",
                         inventory: String = RevisionFixtures.inventory) throws -> String {
        try scratch.write("inventory.yml", inventory)
        return try scratch.write("\(name).yml", """
            application: shop
            deployment_group: shop-web
            inventory: inventory.yml
            targets: {role: web}
            deployment_config: \(config)
            revision: rev
            file_exists_behavior: OVERWRITE

            """ + extra)
    }

    static let haproxy = """
        load_balancers:
          - name: front
            type: haproxy
            socket: /run/haproxy/admin.sock
            backend: app
            drain_timeout: 20
            health_timeout: 90

        """
}
