import HoistCore

/// Computes an `InstallPlan` from an AppSpec and the bundle's entry list, with CodeDeploy's
/// plan-time conflict rules. Pure: it never looks at a disk.
public enum InstallPlanner {
    /// The plan (nil when there is any error) and every problem found, each pointing at the
    /// `files` or `permissions` entry of the AppSpec it comes from.
    public static func plan(
        _ appSpec: AppSpec, entries: [BundleEntry], fileName: String = "appspec.yml"
    ) -> (plan: InstallPlan?, diagnostics: [Diagnostic]) {
        var builder = InstallPlanBuilder(index: BundleIndex(entries), fileName: fileName)
        for (i, mapping) in appSpec.files.enumerated() { builder.add(mapping, keyPath: "files[\(i)]") }
        for (i, permission) in appSpec.permissions.enumerated() { builder.add(permission, keyPath: "permissions[\(i)]") }
        let plan = builder.diagnostics.hasErrors ? nil : InstallPlan(steps: builder.steps)
        return (plan, builder.diagnostics)
    }
}
