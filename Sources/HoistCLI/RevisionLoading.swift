// TEMPORARY stand-in until the validate/plan branch lands with the real loader.
import Foundation
import HoistArchive
import HoistConfig
import HoistCore
import HoistPlanning

public struct LoadedRevision: Sendable {
    public var path: String
    public var inspection: BundleInspection
    public var appSpec: AppSpec
    public var plan: InstallPlan
    public var warnings: [Diagnostic]
}

public func loadRevision(path: String) throws -> LoadedRevision {
    let inspection = try BundleReader.inspect(path: path)
    let (spec, plan, diags) = RevisionValidator.validate(appSpecText: inspection.appSpecText ?? "", fileName: path + "/appspec.yml", entries: inspection.entries)
    guard let spec, let plan else {
        printToStderr(diags.map(\.description).joined(separator: "\n"))
        throw InvalidInput(diagnostics: diags)
    }
    return LoadedRevision(path: path, inspection: inspection, appSpec: spec, plan: plan, warnings: diags)
}
