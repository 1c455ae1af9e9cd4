import HoistConfig
import HoistCore
import Testing

/// Valid AppSpecs read into the values the planner and hook runner use.
@Suite struct AppSpecParserTests {
    @Test func readsEverySection() throws {
        let yaml = """
            version: 0.0
            os: linux
            file_exists_behavior: OVERWRITE
            files:
              - source: /
                destination: /var/www/app
              - source: config/app.conf
                destination: /etc/app
            permissions:
              - object: /var/www/app
                pattern: "*.sh"
                except: [skip.sh]
                owner: app
                group: www
                mode: "0755"
                acls:
                  - u:deploy:rwx
                  - d:g:www:5
                context:
                  name: system_u
                  type: httpd_sys_content_t
                  range: s0:c3,c1.c2
                type:
                  - file
            hooks:
              BeforeInstall:
                - location: scripts/stop.sh
              AfterInstall:
                - location: scripts/migrate.sh
                  timeout: 300
                  runas: app
                - location: scripts/warm.sh
                  sudo: true
            """
        let (parsed, diagnostics) = AppSpecParser.parse(yaml)
        #expect(diagnostics.isEmpty)
        let spec = try #require(parsed)
        #expect(spec.fileExistsBehavior == .overwrite)
        #expect(spec.files == [
            FileMapping(source: "/", destination: "/var/www/app", position: SourcePosition(line: 5, column: 5)),
            FileMapping(source: "config/app.conf", destination: "/etc/app", position: SourcePosition(line: 7, column: 5)),
        ])
        let permission = try #require(spec.permissions.first)
        #expect(permission.object == "/var/www/app")
        #expect(permission.pattern == "*.sh")
        #expect(permission.except == ["skip.sh"])
        #expect(permission.owner == "app" && permission.group == "www")
        #expect(permission.mode?.text == "0755")
        #expect(permission.acls?.map(\.description) == ["user:deploy:rwx", "default:group:www:r-x"])
        #expect(permission.context == SELinuxContext(name: "system_u", type: "httpd_sys_content_t",
            range: SELinuxRange(low: 0, high: 0, categories: [1, 2, 3])))
        #expect(permission.context?.range?.description == "s0:c1.c3")
        #expect(permission.types == [.file])
        #expect(permission.position == SourcePosition(line: 10, column: 5))
        #expect(spec.scripts(for: .beforeInstall) == [
            HookScript(location: "scripts/stop.sh", position: SourcePosition(line: 27, column: 7)),
        ])
        #expect(spec.scripts(for: .afterInstall) == [
            HookScript(location: "scripts/migrate.sh", timeout: 300, runas: "app", position: SourcePosition(line: 29, column: 7)),
            HookScript(location: "scripts/warm.sh", sudo: true, position: SourcePosition(line: 32, column: 7)),
        ])
        #expect(spec.scripts(for: .applicationStart).isEmpty)
    }

    @Test(arguments: ["0.0", "\"0.0\"", "'0.0'", "0", "0.00"])
    func acceptsVersionZero(_ version: String) {
        let (spec, diagnostics) = AppSpecParser.parse("version: \(version)\nos: linux\n")
        #expect(diagnostics.isEmpty)
        #expect(spec?.version == "0.0")
    }

    @Test func defaultsWhenSectionsAreAbsentOrEmpty() throws {
        let spec = try #require(AppSpecParser.parse(header + "files:\npermissions:\nhooks:\n  ApplicationStop:\n").appSpec)
        #expect(spec == AppSpec())
        #expect(spec.effectiveFileExistsBehavior(deployment: nil) == .disallow)
        #expect(spec.effectiveFileExistsBehavior(deployment: .retain) == .retain)
    }

    @Test func appSpecBehaviourWinsOverTheDeployment() throws {
        let spec = try #require(AppSpecParser.parse(header + "file_exists_behavior: RETAIN\n").appSpec)
        #expect(spec.effectiveFileExistsBehavior(deployment: .overwrite) == .retain)
    }

    @Test func readsJSON() throws {
        let json = #"{"version": 0.0, "os": "linux", "files": [{"source": "app", "destination": "/srv/app"}], "hooks": {"AfterInstall": [{"location": "a.sh", "timeout": 60}]}}"#
        let (spec, diagnostics) = AppSpecParser.parse(json)
        #expect(diagnostics.isEmpty)
        #expect(spec?.files.map(\.destination) == ["/srv/app"])
        #expect(spec?.scripts(for: .afterInstall).map(\.timeout) == [60])
    }

    @Test(arguments: [
        ("644", "644"), ("\"644\"", "644"), ("\"0644\"", "0644"), ("7", "007"), ("0644", "420"), ("\"4755\"", "4755"),
    ])
    func modeIsWhatCodeDeployWouldUse(_ written: String, _ mode: String) throws {
        let spec = try #require(AppSpecParser.parse(header + "permissions:\n  - object: /a\n    mode: \(written)\n").appSpec)
        #expect(spec.permissions.first?.mode?.text == mode)
    }

    @Test func quotedDigitsTimeoutIsAccepted() throws {
        let spec = try #require(AppSpecParser.parse(header + "hooks:\n  ValidateService:\n    - location: v.sh\n      timeout: \"90\"\n").appSpec)
        #expect(spec.scripts(for: .validateService).first?.timeout == 90)
    }

    @Test(arguments: [("2.5", 2), ("\"2.5\"", 2), ("59.99", 59), ("10.", 10)])
    func fractionalTimeoutIsCutToWholeSecondsLikeTheAgent(_ written: String, _ seconds: Int) throws {
        let spec = try #require(AppSpecParser.parse(header + "hooks:\n  ValidateService:\n    - location: v.sh\n      timeout: \(written)\n").appSpec)
        #expect(spec.scripts(for: .validateService).first?.timeout == seconds)
    }

    /// The agent joins `location` to the revision root (Ruby's File.join), so a leading `/`
    /// still names a script in the bundle. Shape from a public AppSpec that runs
    /// `location: /scripts/codedeploy/application_stop.sh`.
    @Test func aLeadingSlashLocationIsInTheBundleAsForTheAgent() throws {
        let (spec, diagnostics) = AppSpecParser.parse(header + "hooks:\n  ApplicationStop:\n    - location: /scripts/codedeploy/stop.sh\n      timeout: 300\n      runas: root\n")
        #expect(diagnostics.isEmpty)
        #expect(spec?.scripts(for: .applicationStop).map(\.location) == ["/scripts/codedeploy/stop.sh"])
    }

    @Test func defaultTimeoutsDoNotCountTowardTheEventLimit() throws {
        // CodeDeploy's own examples list several scripts without timeouts in one event.
        let spec = AppSpecParser.parse(header + "hooks:\n  AfterInstall:\n    - location: a.sh\n    - location: b.sh\n").appSpec
        #expect(spec?.scripts(for: .afterInstall).count == 2)
    }

    @Test func anchorsWithoutAliasesAreFine() {
        let (spec, diagnostics) = AppSpecParser.parse(header + "hooks:\n  AfterInstall: &a\n    - location: a.sh\n")
        #expect(diagnostics.isEmpty)
        #expect(spec != nil)
    }
}
