import Foundation
import HoistCore

/// Turns a playbook's server template (`{host}`, `{address}`) into the name or address a
/// balancer knows the host by.
enum ServerTemplate {
    static func render(_ template: String, for host: HostSpec) -> String {
        template
            .replacingOccurrences(of: "{host}", with: host.name)
            .replacingOccurrences(of: "{address}", with: host.address)
    }

    /// True when `value` is made only of `allowed` characters; rendered values land in
    /// balancer commands and config files, where a space, `;` or newline would change meaning.
    static func isSafe(_ value: String, extra allowed: String) -> Bool {
        !value.isEmpty && value.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || allowed.unicodeScalars.contains($0)
        }
    }
}
