import ArgumentParser
import Foundation
import HoistCore
import HoistPlanning

/// `hoist hosts`: shows which hosts a playbook (or an inventory) selects and how each is
/// reached, without contacting any of them.
struct HostsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List the hosts a playbook or inventory selects (contacts no host).",
        discussion: """
            With a playbook, its tag groups select hosts of its inventory: a host must match \
            at least one filter of every group. With an inventory, every host is listed. \
            Exits 2 when the input is invalid or selects no host.
            """)

    @Argument(help: "A playbook or an inventory file.", completion: Completions.inventory)
    var path: String

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(name: .shortAndLong, help: "Show which filter of each tag group matched each host.")
    var verbose = false

    @Option(name: .long, help: HostPatternHelp.help("List only the selected hosts", note: " Shows what --hosts selects in the other commands."))
    var hosts: String?

    func run() throws {
        var report: HostsReport
        do {
            let target = try loadTarget(path: path)
            sameMachineProblems(target.hosts, inventory: target.inventory.file).forEach { printToStderr("hoist: warning: " + $0) }
            report = HostsReport(target)
            if let hosts {
                let kept = Set(try narrowHosts(target.hosts, to: hosts).map(\.name))
                report.pattern = hosts
                report.hosts.removeAll { !kept.contains($0.name) }
            }
        } catch is InvalidInput {
            throw ExitCode(HoistExitCode.invalidInput)
        }
        if json {
            Console.shared.out(try report.jsonText())
        } else {
            Console.shared.outText(report.table(verbose: verbose))
        }
    }
}

/// The rows `hoist hosts` prints, as a table or as JSON.
struct HostsReport: Encodable {
    struct Row: Encodable {
        var name: String
        var address: String
        var port: Int
        var user: String
        var jumps: [String]
        var tags: [String]
        /// The matching filter of each tag group, in group order.
        var matched: [String]
    }

    var playbook: String?
    var inventory: String
    /// The playbook's tag groups, e.g. `role=web OR canary`, in order.
    var tagGroups: [String]
    /// `--hosts`, when it narrowed the selection.
    var pattern: String?
    var hosts: [Row]
    private var groupPlaces: [String]

    private enum CodingKeys: String, CodingKey { case playbook, inventory, tagGroups, pattern, hosts }

    init(_ target: LoadedTarget) {
        playbook = target.playbook?.file
        inventory = target.inventory.file
        tagGroups = target.selection.groups.map(\.description)
        groupPlaces = target.selection.groups.map { group in group.line.map { " (line \($0))" } ?? "" }
        hosts = target.selection.selected.map { selected in
            let host = selected.host
            return Row(name: host.name, address: host.address, port: host.port, user: host.user,
                       jumps: host.jumps.map(\.description), tags: host.tags.map(\.description),
                       matched: selected.matchedFilters.map(\.description))
        }
    }

    func jsonText() throws -> String { try CommandJSON.encode(self) }

    func table(verbose: Bool) -> String {
        let header = ["NAME", "ADDRESS", "PORT", "USER", "JUMP", "TAGS"]
        let rows = hosts.map { row in
            [row.name, row.address, String(row.port), row.user,
             row.jumps.isEmpty ? "-" : row.jumps.joined(separator: ","), row.tags.joined(separator: " ")]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ") + "\n"
        }
        var out = ""
        if verbose {
            out += "inventory: \(inventory)\n"
            if tagGroups.isEmpty { out += "no tag groups: every host of the inventory is selected\n" }
            for (index, group) in tagGroups.enumerated() {
                out += "tag group \(index + 1)\(groupPlaces[index]): \(group)\n"
            }
            if let pattern { out += "--hosts \(pattern)\n" }
            out += "\n"
        }
        out += line(header)
        for (row, cells) in zip(hosts, rows) {
            out += line(cells)
            if verbose {
                for (index, filter) in row.matched.enumerated() {
                    out += "    tag group \(index + 1): matched \(filter)\n"
                }
            }
        }
        out += "\(hosts.count) host\(hosts.count == 1 ? "" : "s")\n"
        return out
    }
}
