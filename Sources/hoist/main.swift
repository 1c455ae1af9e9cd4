import HoistCLI

await HoistCommand.runCommandLine()
