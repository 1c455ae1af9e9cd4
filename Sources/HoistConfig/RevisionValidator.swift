import HoistCore
import HoistPlanning

/// Everything that can be checked about a revision without a host: the AppSpec parses, its
/// scripts are in the bundle, and its install plan has no conflicts. `hoist validate` calls it.
public enum RevisionValidator {
    /// The AppSpec and plan (each nil when it could not be built) and all diagnostics: parse
    /// problems first, then missing scripts, then plan conflicts.
    public static func validate(
        appSpecText: String, fileName: String = "appspec.yml", entries: [BundleEntry]
    ) -> (appSpec: AppSpec?, plan: InstallPlan?, diagnostics: [Diagnostic]) {
        var (spec, diagnostics) = AppSpecParser.parse(appSpecText, fileName: fileName)
        guard let spec else { return (nil, nil, diagnostics) }
        diagnostics += AppSpecChecks.checkScriptsExist(spec, entries: entries, fileName: fileName)
        let (plan, planDiagnostics) = InstallPlanner.plan(spec, entries: entries, fileName: fileName)
        diagnostics += planDiagnostics
        return (spec, plan, diagnostics)
    }
}
