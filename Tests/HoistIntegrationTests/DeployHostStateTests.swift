import Foundation
import HoistTestSupport
import Testing

/// What a deployment leaves on each host: old deployment folders pruned to max_revisions, a
/// bundle that is already there not sent again, and the host's own record of the deployment.
@Suite("Deploy: what stays on the hosts")
struct DeployHostStateTests {
    @Test func retentionKeepsMaxRevisionsFolders() async throws {
        try await DeployScenario.with("retention", hosts: 1) { s in
            try s.writePlaybook(extra: "max_revisions: 2")
            let host = s.names[0]
            var one = Revision(), two = Revision()
            one.install("www/version", "1\n", to: "/srv/\(s.application)")
            two.install("www/version", "2\n", to: "/srv/\(s.application)")
            let paths = [try s.revision("one", one), try s.revision("two", two)]
            // Alternating revisions: each of the last two deployments finds its bundle in the
            // folder that retention removes.
            var ids: [String] = []
            for round in 0..<4 {
                let outcome = try await s.deploy(paths[round % 2])
                #expect(outcome.status == 0, "deployment \(round + 1): \(outcome.description)")
                ids.append(outcome.deploymentID)
            }
            #expect(s.deploymentDirs(host) == Set(ids.suffix(2)), "at most max_revisions folders, the newest")
            #expect(s.read(host, "/var/lib/hoist/deployment-instructions/\(s.groupID)_last_successful_install")
                    == "\(s.groupDir)/\(ids[3])\n")
            #expect(s.read(host, "/srv/\(s.application)/version") == "2\n")
        }
    }

    @Test func redeployingTheSameRevisionUploadsNothing() async throws {
        try await DeployScenario.with("reupload", hosts: 2) { s in
            try s.writePlaybook()
            var revision = Revision()
            revision.install("www/index.html", "hello\n", to: "/srv/\(s.application)")
            let path = try s.revision("v1", revision)
            let first = try await s.deploy(path)
            let second = try await s.deploy(path)
            #expect(first.status == 0, "\(first.description)")
            #expect(second.status == 0, "\(second.description)")
            let sha = try #require(first.revisionSHA256)
            #expect(second.revisionSHA256 == sha)

            for host in s.names {
                let uploads = first.of("upload_progress").filter { $0["host"] as? String == host }
                #expect(uploads.contains { ($0["bytes_sent"] as? Int ?? 0) > 0 }, "the first deployment uploaded to \(host)")
                let message = second.event(host, "DownloadBundle")?["message"] as? String ?? ""
                #expect(message.contains("bundle already on the host"), "\(host): \(message)")
                #expect(message.contains("\(s.groupDir)/\(first.deploymentID)"), "it names where: \(message)")
                #expect(second.of("upload_progress").allSatisfy { $0["host"] as? String != host }, "nothing sent to \(host)")
                let dir = "\(s.groupDir)/\(second.deploymentID)"
                #expect(s.read(host, "\(dir)/bundle.sha256") == sha + "\n")
                #expect(s.exists(host, "\(dir)/bundle.tar"))
                // The Install program each deployment ran stays beside it.
                #expect(s.read(host, "\(dir)/install.sh")?.contains("/srv/\(s.application)") == true, "\(host): install.sh")
                #expect(s.read(host, "/srv/\(s.application)/index.html") == "hello\n")
            }
        }
    }

    /// A login shell that prints on both streams (a version manager's setup in root's
    /// .bashrc, say) before every command: the upload, whose check read any stderr as tee's
    /// failure, and everything else still work, and commands do not get that output as theirs.
    @Test func aLoginShellThatPrintsDoesNotBreakADeployment() async throws {
        try await DeployScenario.with("noisyshell", hosts: 1) { s in
            let host = s.names[0]
            try s.put(host, "/root/.bashrc", "echo 'noise on stdout'\necho 'rm: cannot remove /root/.pyenv/shims/tmp.x' >&2\n")
            defer { try? FileManager.default.removeItem(at: s.url(host, "/root/.bashrc")) }
            try s.writePlaybook()
            var revision = Revision()
            revision.install("www/index.html", "hello\n", to: "/srv/\(s.application)")
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 0, "\(outcome.description)")
            #expect(s.read(host, "/srv/\(s.application)/index.html") == "hello\n")
            let upload = outcome.of("upload_progress").filter { $0["host"] as? String == host }
            #expect(upload.contains { ($0["bytes_sent"] as? Int ?? 0) > 0 }, "the bundle was uploaded, not reused")
            // The resident shell drops what the login shell prints: a command's first output
            // is its own.
            let session = try await SSHFleetTests.connector().connect(s.hosts[0])
            let (result, out, err) = try await session.capture("echo ok; echo warn >&2")
            // A file read back (a held bundle, for deltas) is the file's bytes, not the shell's.
            let held = "\(s.groupDir)/\(outcome.deploymentID)/bundle.tar"
            let local = s.scratch.file("read-back.tar")
            let count = try await session.download(remotePath: held, to: local, maxBytes: 1 << 30)
            await session.close()
            #expect(result.exitStatus == 0 && out == "ok" && err == "warn", "stdout \(out), stderr \(err)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: local)) == Data(contentsOf: s.url(host, held)))
            #expect(count > 0)
        }
    }

    @Test func eachHostKeepsARecordMatchingTheFinalStatuses() async throws {
        try await DeployScenario.with("record", hosts: 2) { s in
            try s.writePlaybook()
            let (good, bad) = (s.names[0], s.names[1])
            try s.put(bad, "/etc/hoist-test/\(s.application).fail", "")
            var revision = Revision()
            revision.hook("ApplicationStart", "scripts/start.sh", body: """
                if [ -e "/etc/hoist-test/$APPLICATION_NAME.fail" ]; then exit 3; fi
                """)
            revision.observe(["ValidateService"])
            let outcome = try await s.deploy(try s.revision("v1", revision))
            #expect(outcome.status == 0, "AllAtOnce: one host succeeded: \(outcome.description)")
            let id = outcome.deploymentID
            let history = try s.show(id)
            let historyHosts = history["hosts"] as? [[String: Any]] ?? []

            for host in [good, bad] {
                let file = "\(s.groupDir)/\(id)/deployment.json"
                let data = try #require(s.read(host, file), "\(host) has \(file)")
                let record = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
                #expect(s.read(host, "/var/lib/hoist/deployment-instructions/\(s.groupID)_last_deployment") == file + "\n")
                #expect(record["deploymentID"] as? String == id)
                #expect(record["host"] as? String == host)
                #expect(record["application"] as? String == s.application)
                #expect(record["deploymentGroup"] as? String == s.group)
                #expect(record["revisionSHA256"] as? String == outcome.revisionSHA256)
                #expect(record["status"] as? String == outcome.hostStatuses[host])
                #expect(record["errorCode"] as? String == outcome.hostFinished(host)?["error_code"] as? String)

                let recorded = (record["events"] as? [[String: Any]] ?? []).map { ($0["event"] as? String ?? "", $0["status"] as? String ?? "") }
                #expect(recorded.map(\.0) == DeployLifecycleTests.lifecycle, "every event, in order")
                for (event, status) in recorded {
                    #expect(status == outcome.eventStatus(host, event), "\(host) \(event)")
                }
                let expectedLast = host == bad ? ["Failed", "Skipped"] : ["Succeeded", "Succeeded"]
                #expect(recorded.suffix(2).map(\.1) == expectedLast, "\(host): ApplicationStart, ValidateService")

                let stored = try #require(historyHosts.first { $0["host"] as? String == host })
                #expect(stored["status"] as? String == record["status"] as? String)
                let storedEvents = Dictionary((stored["events"] as? [[String: Any]] ?? []).map {
                    ($0["event"] as? String ?? "", $0["status"] as? String ?? "")
                }, uniquingKeysWith: { a, _ in a })
                #expect(storedEvents == Dictionary(recorded, uniquingKeysWith: { a, _ in a }),
                        "history and \(host)'s record agree on every event")
            }
            #expect(outcome.hostStatuses == [good: "Succeeded", bad: "Failed"])
        }
    }
}
