import HoistCore
import Testing
@testable import HoistLoadBalancers

/// The pure parts: HAProxy's answers, the nginx upstream file, rendered remote commands.
struct ParsingTests {
    @Test func showStatGivesServerRowsOnly() throws {
        let text = """
            # pxname,svname,qcur,qmax,scur,smax,slim,stot,status,weight,check_status
            fe,FRONTEND,,,0,1,2000,1,OPEN,,
            app,h001,0,0,2,3,,9,UP,1,L7OK
            app,h002,0,0,0,0,,0,MAINT,1,
            app,h003,0,0,0,0,,0,DOWN 1/2,1,L4CON
            app,BACKEND,0,0,2,3,200,9,UP,1,

            """
        #expect(try HAProxyStatParser.parse(text) == [
            HAProxyStatRow(backend: "app", server: "h001", currentSessions: 2, status: "UP", checkStatus: "L7OK"),
            HAProxyStatRow(backend: "app", server: "h002", currentSessions: 0, status: "MAINT"),
            HAProxyStatRow(backend: "app", server: "h003", currentSessions: 0, status: "DOWN 1/2", checkStatus: "L4CON"),
        ])
    }

    @Test func showStatWithoutItsHeaderIsAnError() {
        #expect(throws: HAProxyStatParser.Failure.self) { try HAProxyStatParser.parse("Unknown command.\n") }
    }

    @Test(arguments: [
        ("UP", LoadBalancerServerState.Operational.up), ("UP 1/2", .up), ("no check", .up), ("DOWN", .down),
        ("DOWN 1/2", .down), ("MAINT", .maint), ("MAINT (via app/h001)", .maint), ("DRAIN", .drain), ("NOLB", .drain),
    ])
    func statusWords(_ status: String, _ operational: LoadBalancerServerState.Operational) {
        #expect(HAProxyLoadBalancer.operational(status) == operational)
    }

    @Test(arguments: [
        ("UP", "L7OK", true), ("UP", "L4OK", true), ("no check", "", true),
        ("UP", "", false), ("UP", "INI", false), ("UP", "* L7OK", false), ("UP 2/3", "L4CON", false),
        ("UP 1/2", "L7OK", false),
        ("DOWN", "L4CON", false), ("DOWN 1/2", "L7OK", false), ("MAINT", "L7OK", false), ("DRAIN", "L7OK", false),
    ])
    func healthNeedsACompletedPassingCheck(_ status: String, _ checkStatus: String, _ healthy: Bool) {
        #expect(HAProxyStatRow(backend: "b", server: "s", currentSessions: 0, status: status, checkStatus: checkStatus).isHealthy == healthy)
    }

    /// An in-rotation host asked for its health (blue/green's health check before a reroute) is
    /// judged on a settled answer: a check in progress or a state between two is asked again,
    /// so a busy host is not left out of the reroute for a blip (this made the rollback's
    /// reroute take three batches instead of two on a loaded machine).
    @Test(arguments: [
        ("UP", "L7OK", true as Bool?), ("no check", "", true),
        ("UP", "* L7OK", nil), ("UP", "", nil), ("UP", "INI", nil), ("UP 1/2", "L4TOUT", nil), ("DOWN 1/2", "L7OK", nil),
        ("DOWN", "* L4CON", nil),
        ("DOWN", "L4CON", false), ("DOWN", "L7STS", false), ("DRAIN", "L7OK", false), ("NOLB", "L7OK", false),
    ])
    func aHostInRotationIsJudgedOnASettledAnswer(_ status: String, _ checkStatus: String, _ verdict: Bool?) {
        #expect(HAProxyLoadBalancer.settledHealth(HAProxyStatRow(backend: "b", server: "s", currentSessions: 0, status: status, checkStatus: checkStatus)) == verdict)
    }

    @Test(arguments: [
        (0, LoadBalancerServerState.Admin.ready), (0x01, .maint), (0x05, .maint), (0x04, .ready), (0x08, .drain),
        (0x10, .drain), (0x09, .maint), (0x20, .maint),
    ])
    func adminStateBits(_ bits: Int, _ admin: LoadBalancerServerState.Admin) {
        #expect(HAProxyServerStateRow(backend: "b", server: "s", operationalState: 2, adminState: bits).admin == admin)
    }

    @Test func showServersStateRows() throws {
        let text = """
            1
            # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight
            3 app 1 h001 127.0.0.1 2 0 1
            3 app 2 h002 127.0.0.1 0 1 1

            """
        #expect(try HAProxyServersStateParser.parse(text) == [
            HAProxyServerStateRow(backend: "app", server: "h001", operationalState: 2, adminState: 0),
            HAProxyServerStateRow(backend: "app", server: "h002", operationalState: 0, adminState: 1),
        ])
    }

    @Test func remoteSocketCommandQuotesEverything() {
        let script = HAProxyRemoteCommand.render(command: "set server app/h1 state ready", socketPath: "/run/it's here/admin.sock", timeoutSeconds: 10)
        #expect(script.hasPrefix("sock='/run/it'\\''s here/admin.sock'; cmd='set server app/h1 state ready'\n"))
        #expect(script.contains("\"UNIX-CONNECT:$sock\""))
        #expect(script.contains("nc -w 10 -U \"$sock\""))
        #expect(script.hasSuffix("exit 127\nfi"))
    }

    @Test func remoteUpstreamReplaceQuotesTheTextAndPath() {
        let command = RemoteNginxHost.replaceCommand(path: "/etc/nginx/up stream.conf", text: "upstream app {\n    server a:1 down;\n}\n")
        #expect(command == "tmp=$(mktemp /etc/nginx/.hoist-upstream.XXXXXX) && printf '%s' 'upstream app {\n    server a:1 down;\n}\n' > \"$tmp\" && chmod 644 \"$tmp\" && mv -f -- \"$tmp\" '/etc/nginx/up stream.conf' || { rm -f -- \"$tmp\"; exit 1; }")
    }

    @Test func upstreamFileRoundTripsAndKeepsOtherParameters() throws {
        let text = """
            # a comment
            upstream app {
                least_conn;
                server 10.0.0.1:8080 weight=2;
                server 10.0.0.2:8080 down;   # gone
            }
            """
        var file = try NginxUpstreamFile.parse(text, upstream: "app")
        #expect(file.directives == ["least_conn"])
        #expect(file.servers == [
            .init(address: "10.0.0.1:8080", down: false, parameters: ["weight=2"]),
            .init(address: "10.0.0.2:8080", down: true),
        ])
        file.set("10.0.0.1:8080", down: true)
        file.set("10.0.0.3:8080", down: false)
        let rendered = file.render(balancer: "web")
        #expect(rendered.hasSuffix("""
            upstream app {
                least_conn;
                server 10.0.0.1:8080 weight=2 down;
                server 10.0.0.2:8080 down;
                server 10.0.0.3:8080;
            }

            """))
        #expect(try NginxUpstreamFile.parse(rendered, upstream: "app") == file)
    }

    @Test(arguments: ["upstream other { server a:1; }", "server a:1;", "upstream app { server a:1 }", "upstream app { if { } }"])
    func upstreamFilesHoistDoesNotOwnAreRefused(_ text: String) {
        #expect(throws: NginxUpstreamFile.ParseError.self) { try NginxUpstreamFile.parse(text, upstream: "app") }
    }

    /// An upstream file edited on Windows (CRLF) keeps its servers: nginx reads it, and a
    /// comment on its first line once swallowed the whole file, which hoist then rewrote empty.
    @Test func anUpstreamFileWithWindowsLineEndingsKeepsItsServers() throws {
        let text = "# edited on Windows\r\nupstream app {\r\n    server 10.0.0.1:8080;  # one\r\n    server 10.0.0.2:8080 down;\r\n}\r\n"
        let file = try NginxUpstreamFile.parse(text, upstream: "app")
        #expect(file.servers == [.init(address: "10.0.0.1:8080", down: false), .init(address: "10.0.0.2:8080", down: true)])
    }

    @Test func emptyUpstreamFileHasNoServers() throws {
        #expect(try NginxUpstreamFile.parse("\n# nothing yet\n", upstream: "app").servers.isEmpty)
    }

    @Test(arguments: [
        ("{host}", "h'1 $(x)", "10.0.0.1", "h'1 $(x)"),
        ("{address}:8080", "h1", "10.0.0.1", "10.0.0.1:8080"),
        ("srv-{host}-{address}", "h1", "a", "srv-h1-a"),
    ])
    func serverTemplates(_ template: String, _ name: String, _ address: String, _ expected: String) {
        #expect(ServerTemplate.render(template, for: HostSpec(name: name, address: address)) == expected)
    }

    @Test func commandTemplatesAreQuoted() {
        #expect(CommandLoadBalancer.render("lbctl add {host} --ip {address}", host: HostSpec(name: "h'1", address: "10.0.0.1"))
            == "lbctl add 'h'\\''1' --ip 10.0.0.1")
    }

    @Test(arguments: [
        ("127.0.0.1:8404", SocketEndpoint.tcp(host: "127.0.0.1", port: 8404)), ("[::1]:80", .tcp(host: "::1", port: 80)),
        ("lb.internal:9999", .tcp(host: "lb.internal", port: 9999)),
    ])
    func tcpAddresses(_ text: String, _ endpoint: SocketEndpoint) {
        #expect(SocketEndpoint.tcp(text) == endpoint)
    }

    @Test(arguments: ["127.0.0.1", ":80", "host:0", "host:70000", "host:http"])
    func notTCPAddresses(_ text: String) {
        #expect(SocketEndpoint.tcp(text) == nil)
    }
}
