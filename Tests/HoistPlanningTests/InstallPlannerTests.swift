import HoistCore
import HoistPlanning
import Testing

/// Small revisions and their plans, written out by hand.
@Suite struct InstallPlannerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let body: String
        let bundle: [String]
        let steps: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a directory source copies its contents, not itself",
            body: "files:\n  - source: app\n    destination: /srv/www\n",
            bundle: ["appspec.yml", "app/index.html", "app/css/site.css", "app/run -> index.html"],
            steps: [
                "dir /srv", "dir /srv/www", "dir /srv/www/css", "copy app/css/site.css -> /srv/www/css/site.css",
                "copy app/index.html -> /srv/www/index.html", "link index.html -> /srv/www/run",
            ]),
        Case(name: "a file source lands in destination/basename",
            body: "files:\n  - source: config/app.conf\n    destination: /etc/app\n",
            bundle: ["config/app.conf", "config/other.conf"],
            steps: ["dir /etc", "dir /etc/app", "copy config/app.conf -> /etc/app/app.conf"]),
        Case(name: "source / is the whole revision, appspec included",
            body: "files:\n  - source: /\n    destination: /opt/r\n",
            bundle: ["appspec.yml", "scripts/a.sh", "empty/"],
            steps: [
                "dir /opt", "dir /opt/r", "copy appspec.yml -> /opt/r/appspec.yml", "dir /opt/r/empty",
                "dir /opt/r/scripts", "copy scripts/a.sh -> /opt/r/scripts/a.sh",
            ]),
        Case(name: "./ and a trailing slash mean the same",
            body: "files:\n  - source: ./app/\n    destination: /srv//www/\n",
            bundle: ["app/a"],
            steps: ["dir /srv", "dir /srv/www", "copy app/a -> /srv/www/a"]),
        Case(name: "a top-level symlink is recreated, not followed",
            body: "files:\n  - source: current\n    destination: /srv\n",
            bundle: ["current -> releases/1", "releases/1/a"],
            steps: ["dir /srv", "link releases/1 -> /srv/current"]),
        Case(name: "repeated directories are ensured once",
            body: "files:\n  - source: a\n    destination: /srv\n  - source: b\n    destination: /srv\n",
            bundle: ["a/x/1", "b/x/2"],
            steps: ["dir /srv", "dir /srv/x", "copy a/x/1 -> /srv/x/1", "copy b/x/2 -> /srv/x/2"]),
        Case(name: "permissions with ** reach every descendant but not the object",
            body: "files:\n  - source: app\n    destination: /srv/www\npermissions:\n  - object: /srv/www\n    mode: \"0750\"\n    owner: app\n",
            bundle: ["app/a.sh", "app/lib/b.rb"],
            steps: [
                "dir /srv", "dir /srv/www", "copy app/a.sh -> /srv/www/a.sh", "dir /srv/www/lib",
                "copy app/lib/b.rb -> /srv/www/lib/b.rb",
                "perm /srv/www/a.sh file mode=0750 owner=app", "perm /srv/www/lib/b.rb file mode=0750 owner=app",
                "perm /srv/www/lib directory mode=0750 owner=app",
            ]),
        // chmod and chown follow a link: a link to a retained file, or one whose target is
        // outside the install, would change a file this deployment did not install.
        Case(name: "permissions pass links by, by pattern or by name",
            body: "files:\n  - source: app\n    destination: /srv\npermissions:\n  - object: /srv\n    mode: \"0600\"\n    owner: app\n"
                + "  - object: /srv/named\n    mode: \"0644\"\n",
            bundle: ["app/a", "app/kl -> a", "app/named -> ../victim"],
            steps: [
                "dir /srv", "copy app/a -> /srv/a", "link a -> /srv/kl", "link ../victim -> /srv/named",
                "perm /srv/a file mode=0600 owner=app",
            ]),
        Case(name: "a pattern matches direct children only; except removes names",
            body: "files:\n  - source: app\n    destination: /srv\npermissions:\n  - object: /srv\n    pattern: \"*.sh\"\n    except: [skip.sh]\n    mode: \"755\"\n",
            bundle: ["app/run.sh", "app/skip.sh", "app/bin/deep.sh", "app/readme"],
            steps: [
                "dir /srv", "dir /srv/bin", "copy app/bin/deep.sh -> /srv/bin/deep.sh", "copy app/readme -> /srv/readme",
                "copy app/run.sh -> /srv/run.sh", "copy app/skip.sh -> /srv/skip.sh", "perm /srv/run.sh file mode=755",
            ]),
        Case(name: "type limits matches to files or directories",
            body: "files:\n  - source: app\n    destination: /srv\npermissions:\n  - object: /srv\n    type: [directory]\n    group: www\n",
            bundle: ["app/d/f"],
            steps: ["dir /srv", "dir /srv/d", "copy app/d/f -> /srv/d/f", "perm /srv/d directory group=www"]),
        Case(name: "an object that is an installed file gets the permission itself",
            body: "files:\n  - source: bin/tool\n    destination: /usr/local/bin\npermissions:\n  - object: /usr/local/bin/tool\n    mode: \"0755\"\n    acls: [u:ops:rx]\n",
            bundle: ["bin/tool"],
            steps: [
                "dir /usr", "dir /usr/local", "dir /usr/local/bin", "copy bin/tool -> /usr/local/bin/tool",
                "perm /usr/local/bin/tool file mode=0755 acl=user:ops:r-x",
            ]),
        Case(name: "a file object without type file is ignored",
            body: "files:\n  - source: bin/tool\n    destination: /opt\npermissions:\n  - object: /opt/tool\n    pattern: \"x*\"\n    type: [directory]\n    mode: \"0700\"\n",
            bundle: ["bin/tool"],
            steps: ["dir /opt", "copy bin/tool -> /opt/tool"]),
        Case(name: "an unrelated object is ignored",
            body: "files:\n  - source: a\n    destination: /srv\npermissions:\n  - object: /var/log\n    mode: \"0700\"\n",
            bundle: ["a"],
            steps: ["dir /srv", "copy a -> /srv/a"]),
        Case(name: "an ancestor the host may already have can be an object",
            body: "files:\n  - source: a\n    destination: /srv/app\npermissions:\n  - object: /\n    pattern: srv\n    type: [directory]\n    owner: root\n",
            bundle: ["a"],
            steps: ["dir /srv", "dir /srv/app", "copy a -> /srv/app/a", "perm /srv directory owner=root"]),
    ]

    @Test(arguments: cases)
    func plansByHand(_ c: Case) throws {
        let spec = try appSpec(c.body)
        let (plan, diagnostics) = InstallPlanner.plan(spec, entries: entries(c.bundle))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(plan?.steps.map(describe) == c.steps)
    }

    @Test func exposesFilesAndDirectories() throws {
        let spec = try appSpec("files:\n  - source: app\n    destination: /srv\n")
        let plan = try #require(InstallPlanner.plan(spec, entries: entries(["app/a", "app/d/b", "app/l -> a"])).plan)
        #expect(plan.files == ["/srv/a", "/srv/d/b", "/srv/l"])
        #expect(plan.directories == ["/srv", "/srv/d"])
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        let name: String
        let body: String
        let bundle: [String]
        let errors: [String]
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "two sources for one destination",
            body: "files:\n  - source: a/x.conf\n    destination: /etc\n  - source: b/x.conf\n    destination: /etc\n",
            bundle: ["a/x.conf", "b/x.conf"],
            errors: ["6:5 files[1] The deployment failed because the application specification file specifies two source files named b/x.conf and a/x.conf for the same destination (/etc/x.conf). Remove one of the source file paths from the AppSpec file, and then try again."]),
        ErrorCase(name: "a file where a directory is planned",
            body: "files:\n  - source: site\n    destination: /srv\n  - source: conf\n    destination: /srv\n",
            bundle: ["site/conf/x", "conf"],
            errors: ["6:5 files[1] The deployment failed because the application specification file calls for installing the file conf, but a file with that name already exists at the location (/srv/conf). Update your AppSpec file or directory structure, and then try again."]),
        ErrorCase(name: "a directory where a file is planned",
            body: "files:\n  - source: conf\n    destination: /srv\n  - source: site\n    destination: /srv\n",
            bundle: ["site/conf/x", "conf"],
            errors: ["6:5 files[1] The deployment failed because the application specification file includes an mkdir command more than once for the same destination path (/srv/conf) from (conf). Update the files section of the AppSpec file, and then try again."]),
        ErrorCase(name: "a source missing from the bundle",
            body: "files:\n  - source: dist\n    destination: /srv\n",
            bundle: ["src/a"],
            errors: ["4:5 files[0] the source (dist) is not in the revision bundle"]),
        ErrorCase(name: "a path matched by two permissions",
            body: "files:\n  - source: app\n    destination: /srv\npermissions:\n  - object: /srv\n    mode: \"0644\"\n  - object: /srv\n    pattern: \"*.sh\"\n    mode: \"0755\"\n",
            bundle: ["app/a.sh", "app/b.txt"],
            errors: ["9:5 permissions[1] The deployment failed because the permissions setting for (/srv/a.sh) is specified more than once in the application specification file. Update the files section of the AppSpec file, and then try again."]),
        ErrorCase(name: "a file object with a pattern",
            body: "files:\n  - source: a\n    destination: /srv\npermissions:\n  - object: /srv/a\n    pattern: \"*.x\"\n    mode: \"0644\"\n",
            bundle: ["a"],
            errors: ["7:5 permissions[0] The deployment failed because the application specification file includes an object (/srv/a) with an invalid pattern (*.x), such as a pattern for a file applied to a directory. Correct the permissions section of the AppSpec file, and then try again."]),
        ErrorCase(name: "a file object with except",
            body: "files:\n  - source: a\n    destination: /srv\npermissions:\n  - object: /srv/a\n    except: [b, c]\n",
            bundle: ["a"],
            errors: ["7:5 permissions[0] The deployment failed because the except parameter for a pattern in the permissions section ([\"b\", \"c\"]) for the object named /srv/a contains an invalid format. Update the AppSpec file, and then try again."]),
        ErrorCase(name: "a default ACL on a file",
            body: "files:\n  - source: app\n    destination: /srv\npermissions:\n  - object: /srv\n    acls: [d:u:bob:rw]\n",
            bundle: ["app/a"],
            errors: ["7:5 permissions[0] The deployment failed because the -d parameter has been specified to apply an acl setting to a file. This parameter is supported for directories only. Update the AppSpec file, and then try again."]),
        ErrorCase(name: "a bundle path with a newline",
            body: "files:\n  - source: app\n    destination: /srv\n",
            bundle: ["app/bad\nname", "app/ok"],
            errors: ["4:5 files[0] the path \"/srv/bad\\nname\" contains a line break, which the cleanup file cannot record"]),
        // The host's shell drops the NUL: /srv/a<NUL>b was installed as /srv/ab, past the
        // conflict check with another entry's /srv/ab, and failed after the previous
        // revision's files were gone.
        ErrorCase(name: "a destination with a NUL byte",
            body: "files:\n  - source: app\n    destination: \"/srv/a\\0b\"\n  - source: app2\n    destination: /srv/ab\n",
            bundle: ["app/x.txt", "app2/x.txt"],
            errors: ["4:5 files[0] the path \"/srv/a\\0b\" contains a NUL byte, which no path on the host can hold",
                     "4:5 files[0] the path \"/srv/a\\0b/x.txt\" contains a NUL byte, which no path on the host can hold"]),
    ]

    @Test(arguments: errorCases)
    func conflictsUseCodeDeploysWords(_ c: ErrorCase) throws {
        let spec = try appSpec(c.body)
        let (plan, diagnostics) = InstallPlanner.plan(spec, entries: entries(c.bundle))
        #expect(plan == nil)
        #expect(diagnostics.map { "\($0.line!):\($0.column!) \($0.keyPath!) \($0.message)" } == c.errors)
    }

    /// `source: /*` (seen in real AppSpecs) is no wildcard: the agent fails it at copy time,
    /// and the hint says what to write instead.
    @Test func aWildcardSourceIsToldItIsNone() throws {
        let spec = try appSpec("files:\n  - source: /*\n    destination: /srv\n  - source: dist\n    destination: /srv\n")
        let (plan, diagnostics) = InstallPlanner.plan(spec, entries: try entries(["app/a"]))
        #expect(plan == nil)
        #expect(diagnostics.map { "\($0.keyPath!) (\($0.hint ?? ""))" } == [
            "files[0] (a source names one file or folder as it is, with no wildcards; write `source: /` to install the whole revision)",
            "files[1] (sources are relative to the bundle root; check the spelling and the bundle's contents)",
        ])
    }

    /// The host looks a location up as written: a script the text names once `.`, `..` and
    /// a trailing `/` are simplified is not found there when the path goes through a file or
    /// a folder that does not exist. validate said the revision was fine, and the host failed
    /// the event with ScriptMissing after ApplicationStop had run.
    @Test func aLocationIsLookedUpAsTheHostWillLookItUp() throws {
        let locations = ["scripts/stop.sh/", "scripts/stop.sh/.", "nodir/../scripts/stop.sh", "scripts/stop.sh/../stop.sh",
                         "./scripts//stop.sh", "scripts/../scripts/stop.sh", "scripts/./stop.sh"]
        let spec = try appSpec("hooks:\n  AfterInstall:\n" + locations.map { "    - location: \($0)\n" }.joined())
        let diagnostics = AppSpecChecks.checkScriptsExist(spec, entries: entries(["scripts/stop.sh"]))
        #expect(diagnostics.map { "\($0.keyPath!) \($0.message) (\($0.hint ?? ""))" } == [
            "hooks.AfterInstall[0].location Script does not exist at specified location: scripts/stop.sh/ "
                + "(scripts/stop.sh is not a folder in the bundle, so the host would not find the script; write the location as scripts/stop.sh)",
            "hooks.AfterInstall[1].location Script does not exist at specified location: scripts/stop.sh/. "
                + "(scripts/stop.sh is not a folder in the bundle, so the host would not find the script; write the location as scripts/stop.sh)",
            "hooks.AfterInstall[2].location Script does not exist at specified location: nodir/../scripts/stop.sh "
                + "(nodir is not a folder in the bundle, so the host would not find the script; write the location as scripts/stop.sh)",
            "hooks.AfterInstall[3].location Script does not exist at specified location: scripts/stop.sh/../stop.sh "
                + "(scripts/stop.sh is not a folder in the bundle, so the host would not find the script; write the location as scripts/stop.sh)",
        ])
    }

    /// A location that is a link is followed as the host follows it: to a script, fine; to
    /// nothing (directly, through a chain, or with a trailing `/` on a file), ScriptMissing on
    /// the host after ApplicationStop, though validate had passed it.
    @Test func aLocationThatIsALinkMustLeadToAScript() throws {
        let locations = ["ok.sh", "chain.sh", "dangling.sh", "chain2.sh", "slash.sh"]
        let spec = try appSpec("hooks:\n  AfterInstall:\n" + locations.map { "    - location: \($0)\n" }.joined())
        let bundle = ["scripts/x.sh", "ok.sh -> scripts/x.sh", "chain.sh -> ok.sh", "dangling.sh -> scripts/missing.sh",
                      "chain2.sh -> dangling.sh"]
        let slash = BundleEntry(path: "slash.sh", kind: .symlink(target: "scripts/x.sh/"))
        let diagnostics = AppSpecChecks.checkScriptsExist(spec, entries: try entries(bundle) + [slash])
        #expect(diagnostics.map { "\($0.keyPath!) (\($0.hint ?? ""))" } == [
            "hooks.AfterInstall[2].location (it is a link to scripts/missing.sh, which is not a file in the bundle; point `location` at the script itself)",
            "hooks.AfterInstall[3].location (it is a link to scripts/missing.sh, which is not a file in the bundle; point `location` at the script itself)",
            "hooks.AfterInstall[4].location (it is a link to scripts/x.sh/, which is not a file in the bundle; point `location` at the script itself)",
        ])
    }

    @Test func scriptsMustBeInTheBundle() throws {
        let spec = try appSpec("hooks:\n  AfterInstall:\n    - location: scripts/ok.sh\n    - location: ./scripts/missing.sh\n    - location: scripts\n")
        let diagnostics = AppSpecChecks.checkScriptsExist(spec, entries: entries(["scripts/ok.sh"]))
        #expect(diagnostics.map { "\($0.line!):\($0.column!) \($0.keyPath!) \($0.message)" } == [
            "6:7 hooks.AfterInstall[1].location Script does not exist at specified location: ./scripts/missing.sh",
            "7:7 hooks.AfterInstall[2].location the script location (scripts) is a directory in the bundle",
        ])
    }
}
