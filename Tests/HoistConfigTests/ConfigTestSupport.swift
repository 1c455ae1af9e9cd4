import Foundation
import HoistConfig
import HoistCore

/// An environment whose files live in a dictionary, so parser tests need no disk and never
/// see the real `~/.ssh`.
func memoryEnvironment(_ files: [String: String] = [:]) -> ConfigEnvironment {
    ConfigEnvironment(homeDirectory: "/home/ops", currentDirectory: "/work", readFile: { files[$0] })
}

/// The diagnostics of a failed parse as the lines a user reads.
func messages<T>(_ result: Result<T, DiagnosticsError>) -> [String] {
    switch result {
    case .success: return ["(no error)"]
    case .failure(let error): return error.diagnostics.map(\.description)
    }
}

extension Result where Failure == DiagnosticsError {
    /// The value, or nil after recording the diagnostics as a test issue.
    var value: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
