import HoistCLI

await HoistCommand.main()
