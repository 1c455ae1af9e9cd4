import HoistCore

/// How the nginx driver sees a reload take effect. `nginx -s reload` (or `systemctl reload`)
/// returns at once; the master then starts new workers and tells the old ones to finish, and
/// each old worker keeps serving what it holds (keep-alive connections, requests in flight)
/// until it is done, still sending to a server marked `down`. So deregistering waits for the
/// master's children from before the reload to be gone. The programs here run on the nginx
/// host with `sh -c`; they need /proc (and its `children` files, as Linux has).
enum NginxWorkers {
    /// Prints the master's pid and then its children's, on one line; fails when the pid file
    /// cannot be read or names no nginx master (a stale file whose pid now belongs to another
    /// program, whose children the drain would otherwise wait on). nginx titles its master
    /// `nginx: master process ...` (as do OpenResty's and Angie's).
    static func list(pidFile: String) -> String {
        "read -r m _ < \(shellQuote(pidFile)) && grep -q 'master process' \"/proc/$m/cmdline\" 2>/dev/null"
            + " && echo \"$m\" $(cat \"/proc/$m\"/task/*/children 2>/dev/null)"
    }

    /// Prints those of `pids` whose parent is still `master`: old workers still serving.
    static func stillServing(master: Int, pids: [Int]) -> String {
        "for p in \(pids.map(String.init).joined(separator: " ")); do "
            + "if [ -r \"/proc/$p/stat\" ] && read -r _ _ _ pp _ 2>/dev/null < \"/proc/$p/stat\" && [ \"$pp\" = \(master) ]; then echo \"$p\"; fi; "
            + "done; true"
    }

    /// The master and its children from `list`'s output; nil unless it names a master.
    static func parse(_ output: String) -> (master: Int, children: [Int])? {
        let numbers = output.split(whereSeparator: \.isWhitespace).map { Int($0) }
        guard let first = numbers.first, let master = first, master > 1, !numbers.contains(nil) else { return nil }
        return (master, numbers.dropFirst().compactMap { $0 })
    }
}
