import ArgumentParser
import Foundation
import HoistCore
import HoistHistory

/// `hoist history import FILE`: maintenance of the history itself.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Maintain the deployment history (import a SQLite file into the shared store).",
        subcommands: [HistoryImportCommand.self])
}

/// Copies a SQLite history file (a laptop's) into the current store, without duplicates.
struct HistoryImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Copy a SQLite history file into the current history store (e.g. the shared PostgreSQL one).",
        discussion: """
            The store written to is found as every command finds it: --db, else $HOIST_HISTORY_URL, \
            else the playbook's `history`. A deployment the store already holds whole is skipped, \
            so running the import again changes nothing; one that an interrupted import left partly \
            copied is completed, and one copied while it ran is brought up to how it ended. Imports \
            into one store take turns.
            """)

    @Argument(help: "The SQLite history file to copy from (e.g. ~/.local/state/hoist/history.sqlite3).")
    var file: String

    @OptionGroup var history: HistoryOptions

    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            throw HistoryCommandFailure.invalidInput("\(file): no such history file")
        }
        let source = try HistoryCommandFailure.reporting { try SQLiteHistoryStore(path: file) }
        let target = try history.openStore()
        if let targetFile = target as? SQLiteHistoryStore,
           URL(fileURLWithPath: targetFile.path).standardizedFileURL == URL(fileURLWithPath: file).standardizedFileURL {
            throw HistoryCommandFailure.invalidInput("\(file) is the current history itself; point --db or HOIST_HISTORY_URL at the store to import into")
        }
        let outcome = try HistoryCommandFailure.reporting {
            try HistoryImport.run(from: source, into: target, waiting: {
                Console.shared.err("hoist: another import into this history is running; waiting for it to finish")
            })
        }
        let completed = (outcome.completed == 0 ? "" : "; completed \(outcome.completed) an interrupted import had left partly copied")
            + (outcome.updated == 0 ? "" : "; updated \(outcome.updated) that changed since an earlier import (one that was running has ended)")
        Console.shared.out("imported \(outcome.imported) deployment\(outcome.imported == 1 ? "" : "s") (\(outcome.lines) output lines)\(completed); "
              + "skipped \(outcome.skipped) already in the store")
    }
}
