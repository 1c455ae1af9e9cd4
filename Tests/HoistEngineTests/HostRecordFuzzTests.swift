import Foundation
import HoistEngine
import HoistTestSupport
import Testing

/// A host's deployment.json is read back by `hoist show --refresh`: hostile or broken records
/// must be refused or read, never crash, and what is read must be what the text says.
@Suite struct HostRecordFuzzTests {
    static let seed = #"""
        {
          "application" : "app", "createdBy" : "bob@ci", "creator" : "user", "deploymentGroup" : "grp",
          "deploymentID" : "d-ABCDEFGHI", "host" : "web1", "revision" : "v1.tar",
          "revisionSHA256" : "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status" : "Succeeded",
          "events" : [
            { "end" : "2023-11-14T22:13:21Z", "event" : "Install", "message" : "ok", "start" : "2023-11-14T22:13:20Z", "status" : "Succeeded" }
          ]
        }
        """#

    @Test func mutatedRecordsNeverCrash() {
        let text = Self.seed
        #expect(HostDeploymentRecord.parse(text)?.deploymentID == "d-ABCDEFGHI")
        let fragments = ["\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "-0", "\\u0000", "\\ud800", "é", "\"status\":1", "2026-13-45T99:99:99Z"]
        var rng = SplitMix(state: 0x4EC0_4D5E)
        var read = 0
        for iteration in 0..<3000 {
            let mutated = Fuzzing.mutated(text, fragments: fragments, using: &rng)
            guard let record = HostDeploymentRecord.parse(mutated) else { continue }
            read += 1
            #expect(mutated.contains(record.deploymentID) || record.deploymentID.isEmpty, "iteration \(iteration)")
        }
        #expect(read > 100, "some mutations stay readable")
    }
}
