import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing

/// A temporary directory holding an unpacked revision, a destination tree and a cleanup file,
/// where rendered install scripts are run for real with /bin/sh.
final class ScriptSandbox {
    let scratch: ScratchDirectory
    var root: URL { scratch.url }
    var revision: URL { root.appendingPathComponent("revision") }
    /// Absolute destinations in test AppSpecs live under here.
    var dest: String { root.appendingPathComponent("dest").path }
    var cleanupFile: String { root.appendingPathComponent("instructions/group-cleanup").path }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    init() throws {
        scratch = try ScratchDirectory("hoist-install")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("dest"), withIntermediateDirectories: true)
    }

    /// Replaces the revision with these files (path → content; a content starting with "->"
    /// makes a symlink to the rest) and returns its entry list.
    func unpack(_ files: [String: String]) throws -> [BundleEntry] {
        try? FileManager.default.removeItem(at: revision)
        var result: [BundleEntry] = []
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            let url = revision.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if content.hasPrefix("->") {
                let target = String(content.dropFirst(2))
                try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
                result.append(BundleEntry(path: path, kind: .symlink(target: target)))
            } else {
                try Data(content.utf8).write(to: url)
                result.append(BundleEntry(path: path, kind: .file, size: Int64(content.utf8.count)))
            }
        }
        return result
    }

    /// Plans `body` (with `@DEST` standing for `dest`) over `files` and runs the rendered script.
    func install(
        _ body: String, files: [String: String], behavior: FileExistsBehavior = .disallow,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Result {
        let entries = try unpack(files)
        let spec = try appSpec(body.replacingOccurrences(of: "@DEST", with: dest), sourceLocation: sourceLocation)
        let (plan, diagnostics) = InstallPlanner.plan(spec, entries: entries)
        #expect(diagnostics.isEmpty, "\(diagnostics)", sourceLocation: sourceLocation)
        let script = InstallCommands.render(
            plan: try #require(plan, sourceLocation: sourceLocation), revisionRoot: revision.path,
            cleanupFile: cleanupFile, fileExistsBehavior: behavior)
        return try run(script)
    }

    func run(_ script: String) throws -> Result {
        let scriptURL = root.appendingPathComponent("install.sh")
        try Data(script.utf8).write(to: scriptURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [scriptURL.path]
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    // MARK: Looking at the result

    func read(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    func write(_ path: String, _ content: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
    }

    func exists(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)) != nil
    }

    func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    func linkTarget(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    /// The cleanup file's lines, with the destination prefix shortened to `@DEST`.
    func cleanupLines() -> [String]? {
        read(cleanupFile).map {
            $0.split(separator: "\n").map { $0.replacingOccurrences(of: dest, with: "@DEST") }
        }
    }
}
