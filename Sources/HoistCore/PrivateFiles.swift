import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the coordinator keeps of the hosts' answers (the history holds every hook's output;
/// the bundle cache every revision) is the user's alone: folders 0700, files 0600.
public enum PrivateFiles {
    /// Creates `path` and missing parents; the folders it creates are 0700. An existing
    /// folder is narrowed to 0700 when `narrowExisting` (a folder of Hoist's own).
    public static func makeFolder(_ path: String, narrowExisting: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            if narrowExisting { try narrow(path, to: 0o700) }
            return
        }
        let parent = parentFolder(of: path)
        if !parent.isEmpty, parent != path { try makeFolder(parent, narrowExisting: false) }
        if mkdir(path, 0o700) == 0 {
            try narrow(path, to: 0o700)
        } else if errno != EEXIST {
            throw failure("create the folder", path)
        } else if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || !isDirectory.boolValue {
            // Something else by that name (`--db /dev/null/h.sqlite3`): never ours to change.
            // Its mode used to be narrowed as if it were the folder just made: /dev/null
            // became 0700.
            errno = ENOTDIR
            throw failure("create the folder", path)
        } else if narrowExisting {
            // Made by another process in between.
            try narrow(path, to: 0o700)
        }
    }

    /// Creates `path` empty when it is missing; either way its mode becomes 0600. An existing
    /// file is not opened: closing a descriptor of it would drop the locks an SQLite
    /// connection of this process holds on it.
    public static func makeFile(_ path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw failure("create", path)
        }
        try narrow(path, to: 0o600)
    }

    /// Sets `path`'s mode when it exists and is wider.
    public static func narrow(_ path: String, to mode: mode_t) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if info.st_mode & 0o777 != mode, chmod(path, mode) != 0 { throw failure("restrict the permissions of", path) }
    }

    private static func failure(_ what: String, _ path: String) -> CocoaError {
        CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "cannot \(what) \(path): \(String(cString: strerror(errno)))"])
    }
}
