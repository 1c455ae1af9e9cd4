import Foundation
import HoistTestSupport
import Testing

/// Hosts that differ from the clean test fleet the way real servers do: a login shell that
/// is not sh, startup files that change the umask.
@Suite("Deploy: hosts as they really are")
struct HostsAsTheyAreTests {
    /// sshd hands every command to the login shell: fish and tcsh parse none of sh's `$(…)`,
    /// `2>/dev/null` or `x=$y`, so the upload (and every exec channel) must reach sh intact
    /// through them. Their startup file's umask 077 must not make the folders the install
    /// creates private, as it would not under the CodeDeploy agent's service.
    @Test(arguments: [("/usr/bin/fish", ".config/fish/config.fish"), ("/usr/bin/tcsh", ".tcshrc")])
    func aLoginShellThatIsNotShDeploysWithTheAgentsUmask(shell: String, startupFile: String) async throws {
        try await DeployScenario.with("loginshell", hosts: 1) { s in
            let host = s.names[0]
            try s.writePlaybook()
            var revision = Revision()
            revision.install("www/index.html", "hello\n", to: "/srv/\(s.application)/site")
            revision.observe(["AfterInstall"])
            let bundle = try s.revision("v1", revision)
            let outcome = try await HostOutages.withLoginShell(shell, startupFile: startupFile, startup: "umask 077\necho noise from the login shell\n",
                                                               on: host) { try await s.deploy(bundle) }
            #expect(outcome.status == 0, "\(shell): \(outcome.description)")
            #expect(s.read(host, "/srv/\(s.application)/site/index.html") == "hello\n")
            #expect(s.observed(host, "AfterInstall")["user"] == "root")
            let created = try FileManager.default.attributesOfItem(atPath: s.url(host, "/srv/\(s.application)/site").path)
            #expect((created[.posixPermissions] as? Int).map { String($0, radix: 8) } == "755", "\(shell): the install's folder")
        }
    }

    /// A ~/.bashrc that fails without a terminal (`set -eu`, then an unset variable) ends
    /// every command before it starts: the deployment stops before touching anything, and
    /// says that the login shell's startup file is the cause, not the lock's folder. A
    /// deployment to the group's other host (`--hosts`) goes ahead, that host's lock skipped.
    @Test func aFailingStartupFileIsNamedAndNothingIsTouched() async throws {
        try await DeployScenario.with("badrc", hosts: 2) { s in
            let host = s.names[0], other = s.names[1]
            try s.writePlaybook()
            var revision = Revision()
            revision.install("www/index.html", "hello\n", to: "/srv/\(s.application)")
            let bundle = try s.revision("v1", revision)
            // Every command on the host fails meanwhile: the whole-fleet tests wait.
            let (outcome, elsewhere) = try await HostOutages.withHostFile(s.url(host, "/root/.bashrc"), "set -eu\necho \"$NOT_SET_ANYWHERE\"\n") {
                (try await s.deploy(bundle), try await s.deploy(bundle, "--hosts", other))
            }
            #expect(elsewhere.status == 0, "\(elsewhere.description)")
            #expect((elsewhere.stdout + elsewhere.stderr).contains("\(host): not locked"), "\(elsewhere.description)")
            #expect(s.exists(other, "/srv/\(s.application)"), "installed on the other host")
            #expect(outcome.status != 0)
            #expect(outcome.stderr.contains(host) && outcome.stderr.contains("NOT_SET_ANYWHERE: unbound variable"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("login shell exited before it ran Hoist's command"), "\(outcome.stderr)")
            #expect(outcome.stderr.contains("~/.bashrc"), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("is writable by the deploying user"), "no guess about the folder: \(outcome.stderr)")
            #expect(!s.exists(host, "/srv/\(s.application)") && !s.exists(host, s.groupDir))
        }
    }

    /// A host whose locale is set but not installed, and a revision whose names have UTF-8
    /// and spaces: the files land under their names, and the hook's output is the hook's, not
    /// perl's complaint about the locale on starting Hoist's hook runner, also under `become`
    /// (sudo keeps LANG), where no resident perl runs the hooks, and on a host without bash,
    /// where each hook starts perl on an exec channel of its own.
    @Test(arguments: [(false, false), (true, false), (false, true)])
    func anUninstalledLocaleAndUTF8NamesDeployQuietly(become: Bool, bashHidden: Bool) async throws {
        try await DeployScenario.with("locale", hosts: 1) { s in
            let host = s.names[0]
            let bashrc = become ? "/home/hoist/.bashrc" : "/root/.bashrc"
            try s.put(host, bashrc, "export LANG=xx_YY.UTF-8\n")
            defer { try? FileManager.default.removeItem(at: s.url(host, bashrc)) }
            try await HostOutages.withHiddenPrograms(bashHidden ? ["bash"] : [], on: host) {
                try s.writePlaybook()
                if become {
                    let inventory = try String(contentsOfFile: s.scratch.file("inventory.yml"), encoding: .utf8)
                    try inventory.replacingOccurrences(of: "  user: root\n", with: "  user: hoist\n  become: true\n")
                        .write(toFile: s.scratch.file("inventory.yml"), atomically: true, encoding: .utf8)
                }
                var revision = Revision()
                revision.install("s\u{ee}te files/caf\u{e9} menu.txt", "cr\u{e8}me\n", to: "/srv/\(s.application)/d\u{e9}j\u{e0} vu")
                // The runner's parent: the resident perl, sudo, or (on an exec channel) sshd.
                revision.hook("AfterInstall", "scripts/ch\u{e9}ck it.sh", body: """
                    cat "/srv/$APPLICATION_NAME/d\u{e9}j\u{e0} vu/caf\u{e9} menu.txt"
                    ps -o comm= -p "$(ps -o ppid= -p $PPID | tr -d ' ')" >/srv/obs/$APPLICATION_NAME/runner-parent
                    """)
                let outcome = try await s.deploy(try s.revision("v1", revision))
                #expect(outcome.status == 0, "\(outcome.description)")
                #expect(s.read(host, "/srv/\(s.application)/d\u{e9}j\u{e0} vu/caf\u{e9} menu.txt") == "cr\u{e8}me\n")
                let output = outcome.of("output").compactMap { $0["text"] as? String }
                #expect(output == ["cr\u{e8}me"], "the hook's output only (become \(become), bash hidden \(bashHidden)): \(output)")
                let parent = s.observedLines(host, "runner-parent").first ?? ""
                #expect(bashHidden ? parent.hasPrefix("sshd") : parent != "", "the runner's parent: \(parent)")
            }
        }
    }

    /// A deployment root on a file system mounted noexec (a hardened /var) cannot run hooks,
    /// as under the CodeDeploy agent; the kernel's "Permission denied" names only the
    /// script, whose mode allows running it, so both hook wrappers name the mount and the fix.
    @Test(arguments: [false, true])
    func aNoexecDeploymentRootIsNamed(perlHidden: Bool) async throws {
        try await DeployScenario.with("noexec", hosts: 1) { s in
            let host = s.names[0]
            let mounted = try FleetControl.exec(host, "mkdir -p \(s.groupDir) && mount --bind \(s.groupDir) \(s.groupDir) && mount -o remount,bind,noexec \(s.groupDir)")
            defer { _ = try? FleetControl.exec(host, "umount \(s.groupDir)") }
            try #require(mounted.status == 0)
            try s.writePlaybook()
            var revision = Revision()
            revision.hook("BeforeInstall", "scripts/check.sh", body: "echo ran")
            let outcome = try await HostOutages.withHiddenPrograms(perlHidden ? ["perl"] : [], on: host) {
                try await s.deploy(try s.revision("v1", revision))
            }
            #expect(outcome.status != 0)
            #expect(outcome.eventStatus(host, "BeforeInstall") == "Failed")
            let said = "hoist: scripts/check.sh cannot run: the host mounts \(s.groupDir) noexec, and the deployment root is on it"
            let output = outcome.of("output").compactMap { $0["text"] as? String }
            #expect(output.contains { $0.hasPrefix(said) }, "perl hidden \(perlHidden): \(output)")
        }
    }
}
