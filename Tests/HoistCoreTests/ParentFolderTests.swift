import HoistCore
import Testing

/// `parentFolder(of:)` gives what `NSString.deletingLastPathComponent` gives, without its
/// crash on a one-character path.
@Suite struct ParentFolderTests {
    @Test(arguments: [
        ("y", ""), ("yy", ""), ("/y", "/"), ("/", "/"), ("/tmp/history.sqlite3", "/tmp"), ("/tmp/lock/", "/tmp"),
        ("a/b/c", "a/b"), ("./y", "."), ("a//b", "a"), ("", ""),
    ])
    func parentFolders(_ path: String, _ parent: String) {
        #expect(parentFolder(of: path) == parent)
    }
}
