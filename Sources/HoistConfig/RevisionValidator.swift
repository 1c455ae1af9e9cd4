import HoistCore
import HoistPlanning

/// Everything that can be checked about a revision without a host: the AppSpec parses, its
/// scripts are in the bundle (and do not have Windows line endings), and its install plan has
/// no conflicts. `hoist validate`, `plan` and `deploy` call it.
public enum RevisionValidator {
    /// The AppSpec and plan (each nil when it could not be built) and all diagnostics: parse
    /// problems first, then missing scripts, scripts with Windows line endings, then plan
    /// conflicts. `scriptHeads` gives the first `AppSpecChecks.scriptHeadLength` bytes of the
    /// named bundle files (all in one call: an archive is read once for them).
    public static func validate(
        appSpecText: String, fileName: String = "appspec.yml", entries: [BundleEntry],
        scriptHeads: ([String]) -> [String: [UInt8]] = { _ in [:] }
    ) -> (appSpec: AppSpec?, plan: InstallPlan?, diagnostics: [Diagnostic]) {
        var (spec, diagnostics) = AppSpecParser.parse(appSpecText, fileName: fileName)
        guard let spec else { return (nil, nil, diagnostics) }
        diagnostics += AppSpecChecks.checkScriptsExist(spec, entries: entries, fileName: fileName)
        let scripts = AppSpecChecks.scriptsToRead(spec, entries: entries)
        if !scripts.isEmpty {
            diagnostics += AppSpecChecks.checkScriptLineEndings(spec, heads: scriptHeads(scripts), fileName: fileName)
        }
        let (plan, planDiagnostics) = InstallPlanner.plan(spec, entries: entries, fileName: fileName)
        diagnostics += planDiagnostics
        return (spec, plan, diagnostics)
    }
}
