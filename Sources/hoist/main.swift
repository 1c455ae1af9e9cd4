import HoistCLI

await HoistEntrypoint.main()
