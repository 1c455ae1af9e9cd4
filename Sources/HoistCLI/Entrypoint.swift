import HoistSSH

/// The program's entry point, called from `hoist`'s main.swift. Top-level code that calls
/// `await HoistCommand.main()` gets ArgumentParser's synchronous `main`, which refuses an async
/// root command; `runCommandLine` parses and runs it, and maps usage errors to exit code 2.
public enum HoistEntrypoint {
    public static func main() async {
        PerThreadMallocCache.disable()
        // A deployment keeps a connection per host open: 1,000 hosts need more than a login
        // session's default of 1,024 files (`OpenFilesCheck` refuses what still does not fit).
        OpenFileLimit.raise()
        await HoistCommand.runCommandLine()
    }
}
