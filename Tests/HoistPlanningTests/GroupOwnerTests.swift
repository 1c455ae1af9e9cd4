import Foundation
import HoistCore
import HoistPlanning
import HoistTestSupport
import Testing

/// `<application>_<group>` names one folder for `foo_bar`+`baz` and `foo`+`bar_baz`: an
/// adversarial run saw the second group reuse the first's bundle and its Install empty the
/// first application's folder. The probe, the first program of a deployment on a host, keeps
/// the folder's owner and refuses another before anything is made or changed.
@Suite struct GroupOwnerTests {
    @Test func anotherGroupWhoseNamesJoinToTheSameFolderIsRefusedBeforeAnythingChanges() throws {
        let box = try ScriptSandbox()
        let root = box.root.appendingPathComponent("it's hoist").path
        let layout = HostLayout(root: root, groupID: HostLayout.groupID(application: "foo_bar", group: "baz"))
        #expect(layout.groupID == HostLayout.groupID(application: "foo", group: "bar_baz"))

        let first = HostCommands(layout: layout, deploymentID: "d-1", become: false,
                                 groupOwner: HostCommands.groupOwner(application: "foo_bar", group: "baz"))
        let ran = try box.run(first.probe)
        #expect(ran.status == 0, "\(ran.stderr)")
        // The same group again is its own.
        #expect(try box.run(HostCommands(layout: layout, deploymentID: "d-2", become: false, groupOwner: first.groupOwner).probe).status == 0)

        let other = HostCommands(layout: layout, deploymentID: "d-3", become: false,
                                 groupOwner: HostCommands.groupOwner(application: "foo", group: "bar_baz"))
        let refused = try box.run(other.probe)
        #expect(refused.status == 71)
        #expect(refused.stderr == "the folder \(layout.groupDir) on this host belongs to application foo_bar, deployment group baz, "
                + "whose names join to the same folder name; rename this application or deployment group\n")
        #expect(!FileManager.default.fileExists(atPath: layout.deploymentDir("d-3")), "the refused deployment made nothing")
    }
}
