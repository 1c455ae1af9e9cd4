import HoistCore
import Testing

@Suite struct HostNameListTests {
    @Test func namesAtMostTheLimitThenCounts() {
        #expect(HostNameList.text([]) == "")
        #expect(HostNameList.text(["a", "b"]) == "a, b")
        #expect(HostNameList.text((1...7).map { "h\($0)" }) == "h1, h2, h3, h4, h5 and 2 more")
        #expect(HostNameList.text(["a", "b", "c"], limit: 2) == "a, b and 1 more")
    }

    @Test func groupsHostsByReasonInTheOrderFirstSeen() {
        let pairs = [("h1", "timed out"), ("h2", "refused"), ("h3", "timed out")]
        #expect(HostNameList.byReason(pairs) == "h1, h3: timed out; h2: refused")
        #expect(HostNameList.byReason([]) == "")
    }
}
