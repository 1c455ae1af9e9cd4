import HoistCore
import HoistPlanning
import Testing

/// The rendered script as text: the per-plan lines, with every value quoted.
@Suite struct InstallCommandsTests {
    static func planLines(_ script: String) -> [String] {
        // The per-plan part starts after the prelude's last function.
        let lines = script.split(separator: "\n").map(String.init)
        let start = lines.firstIndex(of: "# 1. Conflicts.")!
        return Array(lines[start...])
    }

    @Test func rendersEachStepWithQuotedValues() throws {
        let plan = InstallPlan(steps: [
            .ensureDirectory(path: "/srv/my app"),
            .copy(from: "bin/it's", to: "/srv/my app/it's"),
            .symlink(target: "../$(x)", at: "/srv/my app/l"),
            .setPermissions(PermissionStep(
                path: "/srv/my app/it's", target: .file, mode: try FileMode(validating: "0755"),
                acl: [try ACLEntry(parsing: "u:bob:rw")],
                context: SELinuxContext(name: "system_u", type: "httpd_t", range: SELinuxRange(low: 0, high: 0)),
                owner: "app", group: "www")),
            .setPermissions(PermissionStep(path: "/srv/my app", target: .directory, group: "www")),
        ])
        let script = InstallCommands.render(plan: plan, revisionRoot: "/d/rev 1", cleanupFile: "/d/i/g-cleanup", fileExistsBehavior: .disallow)
        #expect(script.hasPrefix("#!/bin/sh\n"))
        #expect(script.contains("\nhoist_cleanup=/d/i/g-cleanup\nhoist_journal=/d/i/g-cleanup.partial\nhoist_behavior=DISALLOW\n"))
        #expect(Self.planLines(script) == [
            "# 1. Conflicts.",
            "{",
            "  printf '%s\\n' '/srv/my app'",
            "} > \"$hoist_tmp/directories\" || hoist_fail \"Could not list the destinations.\"",
            "{",
            "  printf '%s\\n' '/srv/my app/it'\\''s' '/srv/my app/l'",
            "} > \"$hoist_tmp/files\" || hoist_fail \"Could not list the destinations.\"",
            "hoist_survey",
            "hoist_report_conflicts",
            "# 2. Undo the previous install.",
            "hoist_cleanup_previous",
            "[ -d /d/i ] || mkdir -p -- /d/i || hoist_fail \"Could not create the directory of $hoist_cleanup.\"",
            ": > \"$hoist_journal\" || hoist_fail \"Could not write the cleanup journal $hoist_journal.\"",
            "# 3. Install: the directories (one mkdir), then files and links in plan order.",
            "hoist_dirs 0 '/srv/my app'",
            "hoist_make_dirs",
            "hoist_copies '/d/rev 1/bin' '/srv/my app' 1 'it'\\''s'",
            "hoist_link 2 '../$(x)' '/srv/my app/l'",
            "hoist_flush_copies",
            "# 4. Permissions, on what this run installed.",
            "if hoist_installed 1; then",
            "  hoist_chmod '/srv/my app/it'\\''s' 0755",
            "  hoist_setfacl '/srv/my app/it'\\''s' user:bob:rw- m",
            "  hoist_semanage '/srv/my app/it'\\''s' -s system_u -t httpd_t -r s0",
            "  hoist_chown '/srv/my app/it'\\''s' app:www",
            "fi",
            "hoist_perms '' '' www 0 '/srv/my app'",
            "# 5. The journal becomes the cleanup file.",
            "mv -f -- \"$hoist_journal\" \"$hoist_cleanup\" || hoist_fail \"Could not write the cleanup file $hoist_cleanup.\"",
            "exit 0",
            "}",
            "{ hoist_install; }",
        ])
        #expect(script.contains("\nhoist_install() {\n# 1. Conflicts."), "the steps are one function, called last")
    }

    /// Steps that set the same mode, owner and group share `hoist_perms` lines of up to 64
    /// paths (one chmod and one chown per line on the host, not per file); a step with an ACL
    /// or a different setting ends the run, and the order of the steps stays.
    @Test func permissionStepsWithTheSameSettingsShareLines() throws {
        let mode = try FileMode(validating: "640")
        var steps: [InstallPlan.Step] = [.ensureDirectory(path: "/w")]
        for n in 0..<70 { steps.append(.copy(from: "f\(n)", to: "/w/f\(n)")) }
        for n in 0..<70 { steps.append(.setPermissions(PermissionStep(path: "/w/f\(n)", target: .file, mode: mode, owner: "app"))) }
        steps.append(.setPermissions(PermissionStep(path: "/w/f0", target: .file, acl: [try ACLEntry(parsing: "u:bob:r")])))
        steps.append(.setPermissions(PermissionStep(path: "/w/f1", target: .file, mode: mode)))
        let lines = Self.planLines(InstallCommands.render(plan: InstallPlan(steps: steps), revisionRoot: "/r", cleanupFile: "/c/x", fileExistsBehavior: .overwrite))
        let section = Array(lines.drop { $0 != "# 4. Permissions, on what this run installed." }.dropFirst().prefix { !$0.hasPrefix("# 5.") })
        #expect(section.count == 6, "\(section)")
        #expect(section[0] == "hoist_perms 640 app '' " + (0..<64).map { "\($0 + 1) /w/f\($0)" }.joined(separator: " "))
        #expect(section[1] == "hoist_perms 640 app '' " + (64..<70).map { "\($0 + 1) /w/f\($0)" }.joined(separator: " "))
        #expect(Array(section[2...]) == ["if hoist_installed 1; then", "  hoist_setfacl /w/f0 user:bob:r-- m", "fi", "hoist_perms 640 '' '' 2 /w/f1"])
    }

    /// A run of copies that share folders goes on lines of 16 files, across the directories
    /// the plan lists between them; paths no permission step names carry `-`, not a flag.
    @Test func batchesCopiesThatShareDirectories() throws {
        var steps: [InstallPlan.Step] = [.ensureDirectory(path: "/a")]
        for i in 0..<18 {
            if i == 9 { steps.append(.ensureDirectory(path: "/a/sub")) }
            steps.append(.copy(from: "s/f\(i)", to: "/a/f\(i)"))
        }
        steps += [.copy(from: "t/g", to: "/a/g"), .copy(from: "t/h", to: "/a/renamed")]
        steps.append(.setPermissions(PermissionStep(path: "/a/g", target: .file, mode: try FileMode(validating: "0644"))))
        let lines = Self.planLines(InstallCommands.render(plan: InstallPlan(steps: steps), revisionRoot: "/r", cleanupFile: "/c", fileExistsBehavior: .retain))
        #expect(lines.filter { $0.hasPrefix("hoist_dirs") } == ["hoist_dirs - /a - /a/sub"])
        #expect(lines.filter { $0.hasPrefix("hoist_cop") } == [
            "hoist_copies /r/s /a " + (0..<16).map { "- f\($0)" }.joined(separator: " "),
            "hoist_copies /r/s /a - f16 - f17",
            "hoist_copies /r/t /a 20 g",
            "hoist_copy 21 /r/t/h /a/renamed",
        ])
    }

    /// RETAIN checks no files, so its survey gets an empty list of them; the others list them
    /// and the survey's awk tells DISALLOW from OVERWRITE by `hoist_behavior`.
    @Test(arguments: [FileExistsBehavior.disallow, .overwrite, .retain])
    func fileChecksDependOnTheBehaviour(_ behavior: FileExistsBehavior) {
        let plan = InstallPlan(steps: [.ensureDirectory(path: "/a"), .copy(from: "f", to: "/a/f")])
        let script = InstallCommands.render(plan: plan, revisionRoot: "/r", cleanupFile: "/c", fileExistsBehavior: behavior)
        let lines = Self.planLines(script)
        let survey = Array(lines[1..<lines.firstIndex(of: "hoist_survey")!])
        let files = behavior == .retain
            ? [": > \"$hoist_tmp/files\" || hoist_fail \"Could not list the destinations.\""]
            : ["{", "  printf '%s\\n' /a/f", "} > \"$hoist_tmp/files\" || hoist_fail \"Could not list the destinations.\""]
        #expect(survey == ["{", "  printf '%s\\n' /a", "} > \"$hoist_tmp/directories\" || hoist_fail \"Could not list the destinations.\""] + files)
        #expect(script.contains("hoist_behavior=\(behavior.rawValue)\n"))
    }

    @Test(arguments: [
        (["u:bob:rw"], "user:bob:rw-", "m"),
        (["u:bob:rw", "m::r"], "user:bob:rw-,mask::r--", ""),
        (["d:u:bob:r"], "default:user:bob:r--", "UGOM"),
        (["d:u:bob:r", "d:g::rx"], "default:user:bob:r--,default:group::r-x,default:mask::r-x", "UO"),
        (["g:www:7", "d:o::0", "d:u::6", "d:m::4"], "group:www:rwx,default:other::---,default:user::rw-,default:mask::r--", "mG"),
        ([], "", ""),
    ] as [([String], String, String)])
    func aclIsCompletedAsCodeDeployDoes(_ written: [String], _ entries: String, _ flags: String) throws {
        let acl = try written.map { try ACLEntry(parsing: $0) }
        let plan = InstallPlan(steps: [
            .copy(from: "f", to: "/f"), .setPermissions(PermissionStep(path: "/f", target: .file, acl: acl)),
        ])
        let script = InstallCommands.render(plan: plan, revisionRoot: "/r", cleanupFile: "/c", fileExistsBehavior: .overwrite)
        #expect(script.contains("  hoist_setfacl /f \(shellQuote(entries)) \(shellQuote(flags))\n"))
    }
}
