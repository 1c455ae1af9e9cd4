import Foundation
import HoistTestSupport
import Testing

/// Install on real hosts: what DISALLOW, OVERWRITE and RETAIN do with files already there,
/// and the AppSpec's permissions as `stat` sees them on the host.
@Suite("Deploy: Install on the fleet")
struct DeployInstallTests {
    @Test func existingFilesUnderDisallowRetainAndOverwrite() async throws {
        try await DeployScenario.with("exists", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let www = "/srv/\(s.application)/www"
            var v1 = Revision()
            v1.install("www/a.txt", "a from v1\n", to: www)
            var v2 = Revision()
            for name in ["a", "b", "c"] { v2.file("www/\(name).txt", "\(name) from v2\n") }
            v2.installs.append(("www", www))
            v2.hook("AfterInstall", "scripts/after.sh", body: "echo ran >>/srv/obs/$APPLICATION_NAME/after")
            let v2Path = try s.revision("v2", v2)

            let first = try await s.deploy(try s.revision("v1", v1))
            #expect(first.status == 0, "\(first.description)")
            #expect(s.read(host, "\(www)/a.txt") == "a from v1\n")
            try s.put(host, "\(www)/b.txt", "local b\n")
            try s.put(host, "\(www)/c.txt", "local c\n")

            let disallowed = try await s.deploy(v2Path, "--file-exists-behavior", "DISALLOW")
            #expect(disallowed.status == 3, "\(disallowed.description)")
            let install = disallowed.event(host, "Install")
            #expect(install?["status"] as? String == "Failed")
            let message = install?["message"] as? String ?? ""
            for name in ["b", "c"] {
                #expect(message.contains("The deployment failed because a specified file already exists at this location: \(www)/\(name).txt"),
                        "every conflict is listed: \(message)")
            }
            #expect(!message.contains("\(www)/a.txt"), "the previous install's own file is no conflict")
            #expect(s.read(host, "\(www)/a.txt") == "a from v1\n", "nothing was deleted, not even the previous install's file")
            #expect(s.read(host, "\(www)/b.txt") == "local b\n")
            #expect(s.read(host, "\(www)/c.txt") == "local c\n")
            #expect(s.observedLines(host, "after").isEmpty, "nothing runs after a failed Install")

            let retained = try await s.deploy(v2Path, "--file-exists-behavior", "RETAIN")
            #expect(retained.status == 0, "\(retained.description)")
            #expect(s.read(host, "\(www)/a.txt") == "a from v2\n")
            #expect(s.read(host, "\(www)/b.txt") == "local b\n", "RETAIN keeps what was there")
            #expect(s.read(host, "\(www)/c.txt") == "local c\n")

            let overwritten = try await s.deploy(v2Path, "--file-exists-behavior", "OVERWRITE")
            #expect(overwritten.status == 0, "\(overwritten.description)")
            for name in ["a", "b", "c"] {
                #expect(s.read(host, "\(www)/\(name).txt") == "\(name) from v2\n", "OVERWRITE replaces \(name).txt")
            }
            #expect(s.observedLines(host, "after") == ["ran", "ran"])
        }
    }

    @Test func permissionsAsStatSeesThemOnTheHost() async throws {
        try await DeployScenario.with("perms", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let base = "/srv/\(s.application)"
            var revision = Revision()
            revision.file("www/index.html", "<h1>hi</h1>\n")
            revision.file("www/pages/about.html", "about\n")
            revision.installs.append(("www", "\(base)/www"))
            revision.install("bin/tool", "#!/bin/sh\necho tool\n", to: "\(base)/bin")
            revision.extra = """
                permissions:
                  - object: \(base)/www
                    pattern: "**"
                    owner: appuser
                    group: appuser
                    mode: "640"
                    type: [file]
                  - object: \(base)/www
                    pattern: "**"
                    owner: appuser
                    mode: "750"
                    type: [directory]
                  - object: \(base)/bin/tool
                    mode: "755"
                    type: [file]

                """
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 0, "\(outcome.description)")

            let paths = ["www", "www/index.html", "www/pages", "www/pages/about.html", "bin/tool"].map { "\(base)/\($0)" }
            let stat = try FleetControl.exec(host, "stat -c '%n %a %U %G' " + paths.map { "'\($0)'" }.joined(separator: " "))
            #expect(stat.status == 0)
            let seen = Dictionary(uniqueKeysWithValues: stat.stdout.split(separator: "\n").map { line -> (String, String) in
                let words = line.split(separator: " ", maxSplits: 1).map(String.init)
                return (words[0], words.count > 1 ? words[1] : "")
            })
            #expect(seen["\(base)/www"] == "755 root root", "the object itself is never changed")
            #expect(seen["\(base)/www/index.html"] == "640 appuser appuser")
            #expect(seen["\(base)/www/pages"] == "750 appuser root")
            #expect(seen["\(base)/www/pages/about.html"] == "640 appuser appuser")
            #expect(seen["\(base)/bin/tool"] == "755 root root")
        }
    }

    /// CodeDeploy's copies keep the bundle's modification times. A directory revision must
    /// carry its files' own times: were every file stamped 1970, a changed file of the same
    /// size would keep its mtime-and-size ETag and web servers would answer 304 with the old
    /// content still cached.
    @Test func installedFilesKeepTheRevisionsModificationTimes() async throws {
        try await DeployScenario.with("mtime", hosts: 1) { s in
            try s.writePlaybook()
            let host = s.names[0]
            let page = "/srv/\(s.application)/index.html"
            var revisions: [String] = []
            for (name, text, age) in [("v1", "aaaa\n", 7200.0), ("v2", "bbbb\n", 3600.0)] {
                var r = Revision()
                r.install("index.html", text, to: "/srv/\(s.application)")
                let path = try s.revision(name, r)
                let stamp = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - age).rounded(.down))
                try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: path + "/index.html")
                revisions.append(path)
            }
            func mtime(_ path: String) throws -> Date? {
                try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            }
            for path in revisions {
                let outcome = try await s.deploy(path)
                #expect(outcome.status == 0, "\(outcome.description)")
                #expect(try mtime(s.url(host, page).path) == (try mtime(path + "/index.html")), "\(path)")
            }
            #expect(s.read(host, page) == "bbbb\n")
        }
    }
}
