import HoistCore
@testable import HoistSSH
import Testing

/// A connection that drops mid-command is said as lost, in words, with libssh2's own words
/// and code kept at the end; other libssh2 errors keep their plain form.
@Suite struct SessionFailureTests {
    @Test(arguments: [(Int32(-43), "transport read"), (-13, "socket disconnect"), (-7, "Unable to send data")])
    func aSocketErrorMidCommandSaysTheConnectionWasLost(_ code: Int32, _ text: String) {
        let error = SessionFailure.error(host: "h006", kind: .channel, doing: "reading command output", code: code, lastCode: code, text: text)
        #expect(error.kind == .closed)
        #expect(error.isUnreachable)
        #expect(error.description == "h006: the connection to h006 was lost while reading command output (\(text), libssh2 error \(code))")
    }

    @Test func aSocketErrorOfTheSessionIsALostConnectionForSessionCalls() {
        let error = SessionFailure.error(host: "h1", kind: .auth, doing: "listing auth methods", code: nil, lastCode: -43, text: "transport read")
        #expect(error.kind == .closed)
        #expect(error.message == "the connection to h1 was lost while listing auth methods (transport read, libssh2 error -43)")
    }

    /// A socket error only read back from the session, not returned by the failing channel
    /// call, may be stale: the channel failure keeps its kind and libssh2's words.
    @Test func aStaleSocketErrorDoesNotMakeAChannelFailureALostConnection() {
        let error = SessionFailure.error(host: "h1", kind: .channel, doing: "opening a channel", code: nil, lastCode: -43, text: "transport read")
        #expect(error.kind == .channel)
        #expect(error.message == "opening a channel: transport read (libssh2 error -43)")
    }

    @Test func otherErrorsKeepTheirPlainForm() {
        let error = SessionFailure.error(host: "h1", kind: .channel, doing: "starting the command", code: -22,
                                         lastCode: -22, text: "Unable to complete request for channel-process-startup")
        #expect(error.kind == .channel)
        #expect(error.message == "starting the command: Unable to complete request for channel-process-startup (libssh2 error -22)")
    }
}
