import Foundation
import HoistCore
import HoistTestSupport

/// An inventory of some of the fleet's hosts, for a test's own deployment group. Hoist locks
/// every host of a group, not only those a deployment narrows to with `--hosts`: a group of
/// the whole fleet would run its lock programs on hosts other tests hold (one stopping a
/// host's sshd or hiding its programs made such a group's lock fail there).
enum FleetInventory {
    /// The inventory's YAML: the fleet's keys and known_hosts, `hosts` with their addresses
    /// and, when given, `tags` (a flow mapping such as `{role: web}`) on each.
    static func text(_ hosts: [HostSpec], tags: String? = nil) -> String {
        let fleet = TestPaths.fleetDir.path
        var inventory = """
            defaults:
              user: root
              port: 22
              identity_file: \(fleet)/id_ed25519
              known_hosts: \(fleet)/known_hosts
              host_key_checking: strict
              deployment_root: /var/lib/hoist
            hosts:

            """
        for host in hosts {
            inventory += "  \(host.name):\n    address: \(host.address)\n" + (tags.map { "    tags: \($0)\n" } ?? "")
        }
        return inventory
    }

    /// The fleet's hosts named `names`, in that order.
    static func hosts(named names: [String]) throws -> [HostSpec] {
        let all = Dictionary(uniqueKeysWithValues: try Fleet.load().map { ($0.name, $0) })
        return try names.map { name in
            guard let host = all[name] else { throw FleetControl.Failed(description: "no fleet host \(name)") }
            return host
        }
    }
}
