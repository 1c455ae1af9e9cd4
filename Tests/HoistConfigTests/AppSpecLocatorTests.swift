import HoistCore
import Testing

@Suite struct AppSpecLocatorTests {
    @Test(arguments: [
        (["appspec.yaml", "appspec.yml"], "appspec.yml"),
        (["scripts", "appspec.yaml"], "appspec.yaml"),
        (["./appspec.yml"], "appspec.yml"),
        (["AppSpec.yml", "app"], nil),
    ] as [([String], String?)])
    func prefersYmlThenYaml(_ entries: [String], _ expected: String?) {
        #expect(AppSpecLocator.locate(rootEntries: entries) == expected)
    }
}
