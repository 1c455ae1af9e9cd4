import HoistCore

/// The ssh options teams put in Ansible's `ansible_ssh_common_args` and
/// `ansible_ssh_extra_args` that decide how a host is reached: `-J hops`, `-o ProxyJump=hops`,
/// the classic `-o ProxyCommand="ssh -W %h:%p [-q] [-p P] [-l U] [user@]bastion"`,
/// `-o StrictHostKeyChecking=…`, `-o UserKnownHostsFile=…`, `-o Port/User/IdentityFile=…`,
/// `-p`, `-l` and `-i`. Other options do not change where Hoist connects and are ignored; a
/// ProxyCommand of another shape is refused, since connecting without it would reach the
/// wrong network.
enum AnsibleSSHArguments {
    struct Unsupported: Error {
        var message: String
        var hint: String?
    }

    static func apply(_ text: String, to lower: HostSettings, paths: PathResolver) throws(Unsupported) -> HostSettings {
        var s = lower
        var words = shellWords(text)[...]
        while let word = words.popFirst() {
            func value(_ flag: String) -> String? {
                word.count > flag.count ? String(word.dropFirst(flag.count)) : words.popFirst()
            }
            if word.hasPrefix("-J"), let hops = value("-J") {
                s.jump = hops.split(separator: ",").map(String.init)
            } else if word.hasPrefix("-p"), let port = value("-p") {
                s.port = try Self.port(port, option: "-p")
            } else if word.hasPrefix("-l"), let user = value("-l") {
                s.user = user
            } else if word.hasPrefix("-i"), let key = value("-i") {
                s.identityFiles = [paths.resolve(key)]
            } else if word.hasPrefix("-o"), let option = value("-o") {
                try applyOption(option, to: &s, paths: paths)
            }
        }
        return s
    }

    /// One `-o Key=Value` (or `Key Value`).
    private static func applyOption(_ option: String, to s: inout HostSettings, paths: PathResolver) throws(Unsupported) {
        guard let split = option.firstIndex(where: { $0 == "=" || $0 == " " }) else { return }
        let key = option[..<split].lowercased()
        let value = String(option[option.index(after: split)...]).trimming(" ")
        switch key {
        case "proxyjump": s.jump = value.lowercased() == "none" ? [] : value.split(separator: ",").map(String.init)
        case "proxycommand": s.jump = [try proxyCommandHop(value)]
        case "stricthostkeychecking": s.hostKeyChecking = SSHConfig.checking(value) ?? s.hostKeyChecking
        case "userknownhostsfile":
            s.knownHostsFile = value.split(separator: " ").first.map { paths.resolve(String($0)) }
        case "port": s.port = try port(value, option: "-o Port")
        case "user": s.user = value
        case "identityfile": s.identityFiles = [paths.resolve(value)]
        default: break
        }
    }

    /// A port held to the range `ansible_port` is: one read loosely was kept and wrapped.
    private static func port(_ text: String, option: String) throws(Unsupported) -> Int {
        guard let port = PortNumber.parse(text) else { throw Unsupported(message: "\(option) \(PortNumber.problem(text))") }
        return port
    }

    /// `ssh -W %h:%p -q -p 2222 jump@bastion` → `jump@bastion:2222`.
    static func proxyCommandHop(_ command: String) throws(Unsupported) -> String {
        let refused = Unsupported(
            message: "ProxyCommand `\(command)` is not one Hoist can follow",
            hint: "use -o ProxyJump=user@bastion (or the form ssh -W %h:%p user@bastion)")
        var words = shellWords(command)[...]
        guard let program = words.popFirst(), program == "ssh" || program.hasSuffix("/ssh") else { throw refused }
        var forwards = false, port: String?, user: String?, destination: String?
        while let word = words.popFirst() {
            switch word {
            case "-W":
                guard words.popFirst() == "%h:%p" else { throw refused }
                forwards = true
            case "-p": port = words.popFirst()
            case "-l": user = words.popFirst()
            case "-o", "-i", "-F", "-J", "-E", "-c", "-m", "-b": _ = words.popFirst()
            default:
                if word.hasPrefix("-") { continue }
                guard destination == nil else { throw refused }
                destination = word
            }
        }
        guard forwards, var hop = destination else { throw refused }
        if let user, !hop.contains("@") { hop = "\(user)@\(hop)" }
        if let port { hop += ":\(port)" }
        return hop
    }

    /// Splits like a POSIX shell: blanks separate words, quotes group them, `\` escapes.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = [], current = "", inWord = false, quote: Character?, escaped = false
        for ch in text {
            if escaped { current.append(ch); escaped = false; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'", "\"": quote = ch; inWord = true
            case "\\": escaped = true; inWord = true
            default: current.append(ch); inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
