import HoistCore
import Testing

/// Each suggested command names the history it came from in the way that command takes it:
/// `--db` wherever one was given, else the playbook whose `history:` chose the store
/// (`--playbook`, or `continue`'s second argument); with neither, nothing.
@Suite struct SuggestedCommandsTests {
    let fromPlaybook = SuggestedCommands(playbook: "play books/web.yml")
    let fromDB = SuggestedCommands(db: "state/h.db", playbook: "web.yml")

    @Test func theDefaultHistoryNeedsNothing() {
        let plain = SuggestedCommands()
        #expect(plain.logs("d-AB12CD34E", host: "h006", event: .afterInstall) == "hoist logs d-AB12CD34E --host h006 --event AfterInstall")
        #expect(plain.continueDeployment("d-AB12CD34E") == "hoist continue d-AB12CD34E")
        #expect(plain.rollback(playbook: "web.yml") == "hoist rollback web.yml")
    }

    @Test func aPlaybooksHistoryIsNamedThroughThePlaybook() {
        #expect(fromPlaybook.logs("d-AB12CD34E", host: "h006", event: .afterInstall)
                == "hoist logs d-AB12CD34E --host h006 --event AfterInstall --playbook 'play books/web.yml'")
        #expect(fromPlaybook.show("d-AB12CD34E", refresh: true) == "hoist show d-AB12CD34E --refresh --playbook 'play books/web.yml'")
        #expect(fromPlaybook.list(group: "shop-web") == "hoist list --group shop-web --playbook 'play books/web.yml'")
        #expect(fromPlaybook.redeploy("d-AB12CD34E", onlyFailed: true) == "hoist redeploy d-AB12CD34E --only-failed --playbook 'play books/web.yml'")
        #expect(fromPlaybook.continueDeployment("d-AB12CD34E") == "hoist continue d-AB12CD34E 'play books/web.yml'")
        #expect(fromPlaybook.rollback(playbook: "play books/web.yml") == "hoist rollback 'play books/web.yml'")
        #expect(fromPlaybook.blueGreenRollback(playbook: "play books/web.yml") == "hoist deploy 'play books/web.yml' --blue-green-rollback")
    }

    @Test func aDBWinsOverThePlaybook() {
        #expect(fromDB.playbook == nil)
        #expect(fromDB.show("d-AB12CD34E") == "hoist show d-AB12CD34E --db state/h.db")
        #expect(fromDB.continueDeployment("d-AB12CD34E") == "hoist continue d-AB12CD34E --db state/h.db")
        #expect(fromDB.rollback(playbook: "web.yml") == "hoist rollback web.yml --db state/h.db")
        #expect(fromDB.blueGreenRollback(playbook: "web.yml") == "hoist deploy web.yml --blue-green-rollback --db state/h.db")
        #expect(fromDB.lockRelease(playbook: "/srv/play books/web.yml") == "hoist lock release '/srv/play books/web.yml' --db state/h.db")
    }

    /// A host name is a word of the command, however odd.
    @Test func aHostNameIsQuoted() {
        #expect(SuggestedCommands().logs("d-AB12CD34E", host: "web $(id)", event: .install)
                == "hoist logs d-AB12CD34E --host 'web $(id)' --event Install")
    }
}
