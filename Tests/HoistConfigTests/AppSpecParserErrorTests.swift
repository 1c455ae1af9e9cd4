import HoistConfig
import HoistCore
import Testing

/// Each AppSpec problem, with CodeDeploy's exact text, its place and its key path.
@Suite struct AppSpecParserErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let yaml: String
        let expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty file", yaml: "", expected: [
            "1:1 error  The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.",
        ]),
        Case(name: "whitespace only", yaml: "  \n\n\t\n", expected: [
            "1:1 error  The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.",
        ]),
        Case(name: "comments only", yaml: "# nothing\n", expected: [
            "1:1 error  The deployment failed because the application specification file was empty. Make sure your AppSpec file defines at minimum the 'version' and 'os' properties.",
        ]),
        Case(name: "wrong version", yaml: "version: 1.0\nos: linux\n", expected: [
            "1:10 error version The deployment failed because an invalid version value (1.0) was entered in the application specification file. Make sure your AppSpec file specifies \"0.0\" as the version, and then try again.",
        ]),
        Case(name: "missing version", yaml: "os: linux\n", expected: [
            "1:1 error version The deployment failed because an invalid version value () was entered in the application specification file. Make sure your AppSpec file specifies \"0.0\" as the version, and then try again.",
        ]),
        Case(name: "quoted wrong version", yaml: "version: \"0.1\"\nos: linux\n", expected: [
            "1:10 error version The deployment failed because an invalid version value (0.1) was entered in the application specification file. Make sure your AppSpec file specifies \"0.0\" as the version, and then try again.",
        ]),
        Case(name: "windows", yaml: "version: 0.0\nos: windows\n", expected: [
            "2:5 error os The deployment failed because the application specification file specifies an unsupported operating system (windows). Specify either \"linux\" or \"windows\" in the os section of the AppSpec file, and then try again.",
        ]),
        Case(name: "missing os", yaml: "version: 0.0\n", expected: [
            "1:1 error os The deployment failed because the application specification file specifies an unsupported operating system (). Specify either \"linux\" or \"windows\" in the os section of the AppSpec file, and then try again.",
        ]),
        Case(name: "file_exists_behavior lower case", yaml: header + "file_exists_behavior: overwrite\n", expected: [
            "3:23 error file_exists_behavior The deployment failed because an invalid file_exists_behavior value (overwrite) was entered in the application specification file. Make sure your AppSpec file specifies one of DISALLOW,OVERWRITE,RETAIN as the file_exists_behavior, and then try again.",
        ]),
        Case(name: "files: no source", yaml: header + "files:\n  - destination: /var/www\n", expected: [
            "4:5 error files[0].source The deployment failed because the application specification file specifies a destination file, but no source file. Update the files section of the AppSpec file, and then try again.",
        ]),
        Case(name: "files: no destination", yaml: header + "files:\n  - source: app\n", expected: [
            "4:5 error files[0].destination The deployment failed because the application specification file specifies only a source file (app). Add the name of the destination file to the files section of the AppSpec file, and then try again.",
        ]),
        Case(name: "files: relative destination", yaml: header + "files:\n  - source: app\n    destination: www\n", expected: [
            "5:18 error files[0].destination the destination (www) must be an absolute path",
        ]),
        Case(name: "files: source escapes the bundle", yaml: header + "files:\n  - source: ../etc\n    destination: /etc\n", expected: [
            "4:13 error files[0].source the source (../etc) leaves the revision bundle through `..`",
        ]),
        Case(name: "files: not a list", yaml: header + "files: /app\n", expected: [
            "3:8 error files expected a list, found the text \"/app\"",
        ]),
        Case(name: "permissions: no object", yaml: header + "permissions:\n  - owner: root\n", expected: [
            "4:5 error permissions[0].object The deployment failed because a permission listed in the application specification file has no object value. Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: relative object", yaml: header + "permissions:\n  - object: srv\n", expected: [
            "4:13 error permissions[0].object the object (srv) must be an absolute path",
        ]),
        Case(name: "permissions: patterns that cannot match", yaml: header + "permissions:\n  - object: /srv\n    pattern: \"lib/*.so\"\n    except: [\"a?.log\"]\n", expected: [
            "5:14 warning permissions[0].pattern the pattern `lib/*.so` contains `/`, so it never matches: patterns match the names of the object's direct children",
            "6:14 warning permissions[0].except[0] only `*` is a wildcard in CodeDeploy patterns; `?`, `[]` and `{}` match themselves",
        ]),
        Case(name: "permissions: bad type", yaml: header + "permissions:\n  - object: /srv\n    type: [file, socket]\n", expected: [
            "5:18 error permissions[0].type[1] The deployment failed because the application specification filespecifies a permission for an object type not supported for permissions (socket). Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: mode too long", yaml: header + "permissions:\n  - object: /srv\n    mode: \"12345\"\n", expected: [
            "5:11 error permissions[0].mode The deployment failed because the length of a permissions mode (12345) in the application specification file is invalid. Permissions modes must be between one and four characters long. Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: mode not octal", yaml: header + "permissions:\n  - object: /srv\n    mode: \"0855\"\n", expected: [
            "5:11 error permissions[0].mode The deployment failed because the permissions mode (0855) in the application specification file contains an invalid character (8). Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: short mode is padded in the message", yaml: header + "permissions:\n  - object: /srv\n    mode: u+x\n", expected: [
            "5:11 error permissions[0].mode The deployment failed because the permissions mode (u+x) in the application specification file contains an invalid character (u). Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: unquoted octal mode warns", yaml: header + "permissions:\n  - object: /srv\n    mode: 0644\n", expected: [
            "5:11 warning permissions[0].mode unquoted `mode: 0644` is a YAML number (420), so CodeDeploy uses mode 420, not 0644",
        ]),
        Case(name: "permissions: unquoted 0755 becomes 493, which is invalid", yaml: header + "permissions:\n  - object: /srv\n    mode: 0755\n", expected: [
            "5:11 warning permissions[0].mode unquoted `mode: 0755` is a YAML number (493), so CodeDeploy uses mode 493, not 0755",
            "5:11 error permissions[0].mode The deployment failed because the permissions mode (493) in the application specification file contains an invalid character (9). Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: acl base entry", yaml: header + "permissions:\n  - object: /srv\n    acls:\n      - u::rw\n", expected: [
            "6:9 error permissions[0].acls[0] The deployment failed because of a problem with the acls permission settings in the application specification file. Use mode to set the base acl entry (u::rw). Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: malformed acl", yaml: header + "permissions:\n  - object: /srv\n    acls:\n      - \"x:bob:rw\"\n", expected: [
            "6:9 error permissions[0].acls[0] The deployment failed because of a problem with the acls permission settings in the application specification file. Invalid acl entry (x:bob:rw).",
        ]),
        Case(name: "permissions: acl with a bad permission", yaml: header + "permissions:\n  - object: /srv\n    acls:\n      - u:bob:rwz\n", expected: [
            "6:9 error permissions[0].acls[0] The deployment failed because the access control list (ACL) named u:bob:rwz in the application specification file contains an invalid character (z). Correct the ACL in the hooks section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: context without type", yaml: header + "permissions:\n  - object: /srv\n    context:\n      name: user_u\n", expected: [
            "6:7 error permissions[0].context.type The deployment failed because the application specification file specifies an invalid context type ({\"name\"=>\"user_u\"}). Update the permissions section of the AppSpec file, and then try again.",
        ]),
        Case(name: "permissions: bad range", yaml: header + "permissions:\n  - object: /srv\n    context:\n      type: t\n      range: s0:c1,c1\n", expected: [
            "7:14 error permissions[0].context.range duplicate categories",
        ]),
        Case(name: "hooks: missing location", yaml: header + "hooks:\n  AfterInstall:\n    - timeout: 30\n", expected: [
            "5:7 error hooks.AfterInstall[0].location The deployment failed because the application specification file specifies a script with no location value. Specify the location in the hooks section of the AppSpec file, and then try again.",
        ]),
        Case(name: "hooks: runas that su would read as an option", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      runas: \"--shell=/usr/bin/touch\"\n", expected: [
            "6:14 error hooks.AfterInstall[0].runas runas: '--shell=/usr/bin/touch' is not a user name: it starts with '-', which would be read as an option",
        ]),
        Case(name: "hooks: runas '-', su's login switch", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      runas: \"-\"\n", expected: [
            "6:14 error hooks.AfterInstall[0].runas runas: '-' is not a user name: it starts with '-', which would be read as an option",
        ]),
        Case(name: "hooks: runas of two words", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      runas: \"root; touch /tmp/x\"\n", expected: [
            "6:14 error hooks.AfterInstall[0].runas runas: 'root; touch /tmp/x' is not a user name: it holds a space (U+20)",
        ]),
        Case(name: "hooks: zero timeout", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 0\n", expected: [
            "6:16 error hooks.AfterInstall[0].timeout The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.",
        ]),
        Case(name: "hooks: text timeout", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 30s\n", expected: [
            "6:16 error hooks.AfterInstall[0].timeout The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.",
        ]),
        Case(name: "hooks: a timeout with a fraction is cut to whole seconds, as the agent does", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 2.5\n", expected: [
            "6:16 warning hooks.AfterInstall[0].timeout the timeout 2.5 is read as 2 seconds: the CodeDeploy agent drops the fraction",
        ]),
        Case(name: "hooks: a timeout under one second is zero", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 0.5\n", expected: [
            "6:16 error hooks.AfterInstall[0].timeout The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.",
        ]),
        Case(name: "hooks: timeouts over an hour per event", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 3000\n    - location: b.sh\n      timeout: 900\n", expected: [
            "4:3 error hooks.AfterInstall the timeouts of the AfterInstall scripts add up to 3900 seconds, more than the 3600 seconds CodeDeploy allows for one lifecycle event",
        ]),
        Case(name: "hooks: an invalid timeout does not hide the event total", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: -1\n    - location: b.sh\n      timeout: 3700\n", expected: [
            "6:16 error hooks.AfterInstall[0].timeout The deployment failed because an invalid timeout value was provided for a script in the application specification file. Make corrections in the hooks section of the AppSpec file, and then try again.",
            "4:3 error hooks.AfterInstall the timeouts of the AfterInstall scripts add up to 3700 seconds, more than the 3600 seconds CodeDeploy allows for one lifecycle event",
        ]),
        Case(name: "hooks: unknown event", yaml: header + "hooks:\n  AfterInstal:\n    - location: a.sh\n", expected: [
            "4:3 error hooks.AfterInstal unknown lifecycle event `AfterInstal`: CodeDeploy would silently never run these scripts",
        ]),
        Case(name: "hooks: reserved event", yaml: header + "hooks:\n  Install:\n    - location: a.sh\n", expected: [
            "4:3 error hooks.Install `Install` is run by Hoist itself and cannot carry scripts",
        ]),
        Case(name: "hooks: location escapes", yaml: header + "hooks:\n  AfterInstall:\n    - location: ../a.sh\n", expected: [
            "5:17 error hooks.AfterInstall[0].location the script location (../a.sh) leaves the revision through `..`",
        ]),
        Case(name: "hooks: sudo not a boolean", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      sudo: maybe\n", expected: [
            "6:13 error hooks.AfterInstall[0].sudo expected true or false, found the text \"maybe\"",
        ]),
        Case(name: "unknown top-level key", yaml: header + "hook:\n  AfterInstall: []\n", expected: [
            "3:1 warning hook unknown key `hook`; CodeDeploy ignores it",
        ]),
        Case(name: "unknown script key", yaml: header + "hooks:\n  AfterInstall:\n    - location: a.sh\n      runAs: app\n", expected: [
            "6:7 warning hooks.AfterInstall[0].runAs unknown key `runAs`; CodeDeploy ignores it",
        ]),
        Case(name: "alias", yaml: header + "hooks:\n  BeforeInstall: &s\n    - location: a.sh\n  AfterInstall: *s\n", expected: [
            "6:17 error hooks.AfterInstall YAML aliases (`*s`) are not allowed: CodeDeploy's agent loads the AppSpec with Ruby's Psych 4, which refuses them",
        ]),
        Case(name: "date", yaml: "version: 2024-01-01\nos: linux\n", expected: [
            "1:10 error version `2024-01-01` is read as a date, which CodeDeploy's agent (Ruby Psych 4 safe load) refuses to load",
            "1:10 error version The deployment failed because an invalid version value (2024-01-01) was entered in the application specification file. Make sure your AppSpec file specifies \"0.0\" as the version, and then try again.",
        ]),
        Case(name: "top level is a list", yaml: "- version: 0.0\n", expected: [
            "1:1 error  expected a map (key: value pairs), found a list",
        ]),
        Case(name: "duplicate key", yaml: "version: 0.0\nos: linux\nos: linux\n", expected: [
            "2:1 error  duplicate key `os` in the same map",
        ]),
        Case(name: "syntax error", yaml: "version: 0.0\nos: [linux\n", expected: [
            "3:1 error  invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2)",
        ]),
    ]

    @Test(arguments: cases)
    func reportsWordForWord(_ c: Case) {
        let (spec, diagnostics) = AppSpecParser.parse(c.yaml)
        #expect(diagnostics.map(summary) == c.expected)
        #expect((spec == nil) == c.expected.contains { $0.contains(" error ") })
    }

    @Test func reportsEveryProblemAtOnce() {
        let yaml = """
            version: 1
            os: windows
            files:
              - destination: /a
            hooks:
              AfterInstal:
                - location: a.sh
            """
        let (spec, diagnostics) = AppSpecParser.parse(yaml)
        #expect(spec == nil)
        #expect(diagnostics.map { "\($0.line!):\($0.keyPath!)" } == [
            "1:version", "2:os", "4:files[0].source", "6:hooks.AfterInstal",
        ])
    }

    @Test(arguments: [
        ("hooks:\n  AfterInstal: []\n", "did you mean `AfterInstall`?"),
        ("hooks:\n  afterinstall: []\n", "did you mean `AfterInstall`?"),
        ("hook: {}\n", "did you mean `hooks`?"),
        ("file_exists_behavior: Retain\n", "did you mean `RETAIN`?"),
        ("permissions:\n  - object: /a\n    type: [files]\n", "did you mean `file`?"),
        ("permissions:\n  - object: /a\n    mode: 0644\n", "write `mode: \"0644\"` in quotes (or `mode: 644`)"),
        ("permissions:\n  - object: /a\n    context:\n      user: u\n      type: t\n", "rename `user:` to `name:` (the User Guide is wrong here)"),
        ("hooks:\n  DownloadBundle: []\n", "move these scripts to a scriptable event such as BeforeInstall or AfterInstall"),
    ])
    func hints(_ body: String, _ hint: String) {
        let (_, diagnostics) = AppSpecParser.parse(header + body)
        #expect(diagnostics.map(\.hint) == [hint])
    }

    @Test func descriptionHasFileLineColumnKeyPathAndHint() {
        let (_, diagnostics) = AppSpecParser.parse(header + "hooks:\n  AfterInstal: []\n", fileName: "app/appspec.yml")
        #expect(diagnostics.map(\.description) == [
            "app/appspec.yml:4:3: error: hooks.AfterInstal: unknown lifecycle event `AfterInstal`: CodeDeploy would silently never run these scripts (did you mean `AfterInstall`?)",
        ])
    }
}
