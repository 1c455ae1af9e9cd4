import HoistCLI

// Top-level code picks ParsableCommand's synchronous main(), which refuses an async root
// command; inside an async function the async main() wins.
func runHoist() async { await HoistCommand.main() }
await runHoist()
