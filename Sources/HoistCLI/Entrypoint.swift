/// The program's entry point, called from `hoist`'s main.swift. Top-level code that calls
/// `await HoistCommand.main()` gets ArgumentParser's synchronous `main`, which refuses an async
/// root command; `runCommandLine` parses and runs it, and maps usage errors to exit code 2.
public enum HoistEntrypoint {
    public static func main() async {
        PerThreadMallocCache.disable()
        await HoistCommand.runCommandLine()
    }
}
