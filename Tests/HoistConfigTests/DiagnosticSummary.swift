import HoistCore

/// `line:column severity keyPath message`: what parser tests compare, word for word.
func summary(_ d: Diagnostic) -> String {
    "\(d.line.map(String.init) ?? "-"):\(d.column.map(String.init) ?? "-") \(d.severity.rawValue) \(d.keyPath ?? "") \(d.message)"
}

/// A minimal valid header, so cases only show what they test.
let header = "version: 0.0\nos: linux\n"
