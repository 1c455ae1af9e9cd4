/// The program's entry point, called from `hoist`'s main.swift. Top-level code that calls
/// `await HoistCommand.main()` gets ArgumentParser's synchronous `main`, which refuses an async
/// root command (every run printed "Asynchronous root command needs availability annotation");
/// inside an async function the async overload is chosen.
public enum HoistEntrypoint {
    public static func main() async {
        await HoistCommand.main()
    }
}
