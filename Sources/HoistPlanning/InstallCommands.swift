import HoistCore

/// Renders an `InstallPlan` as one POSIX sh script that performs CodeDeploy's Install on a
/// host, safer in one respect: every conflict is found and reported before anything is
/// deleted. Pure text; every value passes through `shellQuote`. The script grows with the
/// revision, so it reaches the host on stdin (`HostCommands.install`), never on a command line.
///
/// The script, in order:
/// 1. surveys, with one find and one awk for any number of paths, every destination and every
///    path the previous Install recorded (its cleanup file, and the journal of an interrupted
///    run), and checks conflicts among the destinations the previous Install did not put
///    there: with any behaviour, each directory path taken by a non-directory; with DISALLOW,
///    each destination file that exists; with OVERWRITE, each file path taken by a directory.
///    A file path where the previous Install put a directory is a conflict too (DISALLOW and
///    OVERWRITE) when that directory now holds files it did not put there, which its cleanup
///    cannot remove. It prints every conflict (CodeDeploy's text, one per line, on stderr,
///    directories first) and exits with `ExitCode.conflicts`, having changed nothing;
/// 2. undoes the previous Install from the survey (its files and links with one rm, its
///    directories newest first with one rmdir) and removes its cleanup file;
/// 3. creates the missing directories (one `mkdir`), then copies files (one `cp --parents`
///    per source and destination folder) and symlinks, appending each path to a journal
///    (`<cleanup>.partial`) before creating it, so an interrupted install is still cleanable
///    (the next run reads the journal too). Nothing forks a process per path: a revision of
///    50,000 files installs in seconds;
/// 4. applies permissions to the paths this run installed;
/// 5. renames the journal to the cleanup file (atomic).
///
/// The steps are the body of one function, called on the script's last line, so a script
/// cut short on its way to the host runs none of them.
///
/// Its working lists stay in the group's `install.work` (`HostLayout.installWorkDir`), for
/// whoever asks afterwards what the last Install checked; each run rewrites them.
///
/// The cleanup file format is CodeDeploy's: one absolute path per line, `semanage\0<path>` for
/// SELinux contexts. Paths with line breaks are refused by the planner.
public enum InstallCommands {
    /// Exit statuses of the rendered script besides 0.
    public enum ExitCode {
        /// Files already exist where the install would put its own (nothing was changed).
        public static let conflicts: Int32 = 3
        /// A command failed during cleanup, copy or permissions (the message says which).
        public static let failed: Int32 = 4
    }

    /// The script text. `revisionRoot` is where the bundle was unpacked on the host;
    /// `cleanupFile` is this deployment group's cleanup file.
    public static func render(
        plan: InstallPlan, revisionRoot: String, cleanupFile: String, fileExistsBehavior: FileExistsBehavior
    ) -> String {
        var out = ["#!/bin/sh", "# Install, rendered by Hoist: check conflicts, undo the previous install, copy, set permissions."]
        out.append("hoist_cleanup=" + shellQuote(cleanupFile))
        out.append("hoist_journal=" + shellQuote(cleanupFile + ".partial"))
        out.append("hoist_behavior=" + shellQuote(fileExistsBehavior.rawValue))
        out.append(InstallScriptPrelude.text)
        // Above are definitions; the steps are one function, called on the last line. A
        // program cut short on its way to the host (the coordinator died, the link dropped)
        // then runs none of them: the shell finds the function unfinished and stops, or never
        // reaches the call (`HostCommands.install` then fails the step).
        out.append("hoist_install() {")

        out.append("# 1. Conflicts.")
        var directories: [String] = [], files: [String] = []
        for step in plan.steps {
            switch step {
            case .ensureDirectory(let path): directories.append(path)
            case .copy(_, let to), .symlink(_, let to): files.append(to)
            case .setPermissions: break
            }
        }
        out += listFile("directories", directories)
        out += listFile("files", fileExistsBehavior == .retain ? [] : files)
        out.append("hoist_survey")
        out.append("hoist_report_conflicts")

        out.append("# 2. Undo the previous install.")
        out.append("hoist_cleanup_previous")
        let folder = shellQuote(PathSyntax.dirname(cleanupFile))
        out.append("[ -d \(folder) ] || mkdir -p -- \(folder) || hoist_fail \"Could not create the directory of $hoist_cleanup.\"")
        out.append(": > \"$hoist_journal\" || hoist_fail \"Could not write the cleanup journal $hoist_journal.\"")

        out.append("# 3. Install: the directories (one mkdir), then files and links in plan order.")
        // Only a path a permission step names needs to know whether this run installed it;
        // every other path gets `-`, so the host sets no flag for it.
        let named = Set(plan.permissionSteps.map(\.path))
        func token(_ i: Int, _ path: String) -> String { named.contains(path) ? String(i) : "-" }
        var indexOfPath: [String: Int] = [:]
        var made: [(token: String, path: String)] = []
        for (i, step) in plan.steps.enumerated() {
            guard case .ensureDirectory(let path) = step else { continue }
            indexOfPath[path] = i
            made.append((token(i, path), path))
        }
        out += stride(from: 0, to: made.count, by: 8).map { start in
            "hoist_dirs " + made[start..<min(start + 8, made.count)].map { "\($0.token) " + shellQuote($0.path) }.joined(separator: " ")
        }
        out.append("hoist_make_dirs")
        // Copies that share a source and a destination folder form one run, whatever
        // directories the plan lists between them (all are made above, before any copy).
        var run: [(token: String, from: String, to: String)] = []
        var runFolders: (source: String, destination: String)?
        func endRun() {
            if !run.isEmpty { out += copyLines(run, revisionRoot: revisionRoot) }
            run = []
            runFolders = nil
        }
        for (i, step) in plan.steps.enumerated() {
            switch step {
            case .copy(let from, let to):
                indexOfPath[to] = i
                guard let split = commonTail(from: from, to: to) else {
                    endRun()
                    out.append("hoist_copy \(i) " + shellQuote(PathSyntax.join(revisionRoot, from)) + " " + shellQuote(to))
                    continue
                }
                if let runFolders, runFolders != (split.source, split.destination) { endRun() }
                runFolders = (split.source, split.destination)
                run.append((token(i, to), from, to))
            case .symlink(let target, let at):
                endRun()
                indexOfPath[at] = i
                out.append("hoist_link \(i) " + shellQuote(target) + " " + shellQuote(at))
            case .ensureDirectory, .setPermissions: continue
            }
        }
        endRun()
        out.append("hoist_flush_copies")

        out.append("# 4. Permissions, on what this run installed.")
        out += permissionSection(plan.permissionSteps, indexOfPath: indexOfPath)

        out.append("# 5. The journal becomes the cleanup file.")
        out.append("mv -f -- \"$hoist_journal\" \"$hoist_cleanup\" || hoist_fail \"Could not write the cleanup file $hoist_cleanup.\"")
        out.append("exit 0")
        out.append("}")
        out.append("{ hoist_install; }")
        return out.joined(separator: "\n") + "\n"
    }

    /// Where a copy's source and destination split into a folder each and the same path below
    /// both (the longest common tail of names); nil when the names differ (a rename).
    static func commonTail(from: String, to: String) -> (source: String, destination: String, below: String)? {
        let source = from.split(separator: "/"), destination = to.split(separator: "/")
        var shared = 0
        while shared < source.count, shared < destination.count,
            source[source.count - 1 - shared] == destination[destination.count - 1 - shared]
        {
            shared += 1
        }
        guard shared > 0 else { return nil }
        return (source.dropLast(shared).joined(separator: "/"), "/" + destination.dropLast(shared).joined(separator: "/"),
                source.suffix(shared).joined(separator: "/"))
    }

    /// `hoist_copies` lines for one run of copies sharing folders, a few files per line; each
    /// file goes with its token (its step's index, or `-`).
    static func copyLines(_ batch: [(token: String, from: String, to: String)], revisionRoot: String) -> [String] {
        let split = commonTail(from: batch[0].from, to: batch[0].to)!
        let source = shellQuote(PathSyntax.join(revisionRoot, split.source))
        let destination = shellQuote(split.destination)
        return stride(from: 0, to: batch.count, by: 16).map { start in
            let pairs = batch[start..<min(start + 16, batch.count)].map {
                "\($0.token) " + shellQuote(commonTail(from: $0.from, to: $0.to)!.below)
            }
            return "hoist_copies \(source) \(destination) " + pairs.joined(separator: " ")
        }
    }

    /// Writes `paths` to `$hoist_tmp/<name>`, one per line, a few per printf (no forks); an
    /// empty list still empties the file, which a previous run may have filled.
    static func listFile(_ name: String, _ paths: [String]) -> [String] {
        let failure = " || hoist_fail \"Could not list the destinations.\""
        guard !paths.isEmpty else { return [": > \"$hoist_tmp/\(name)\"" + failure] }
        var lines = ["{"]
        for start in stride(from: 0, to: paths.count, by: 8) {
            lines.append("  printf '%s\\n' " + paths[start..<min(start + 8, paths.count)].map(shellQuote).joined(separator: " "))
        }
        lines.append("} > \"$hoist_tmp/\(name)\"" + failure)
        return lines
    }

    /// The permission steps of paths this run installed, in plan order. A run of steps that
    /// set the same mode, owner and group (and no ACL or SELinux context), such as a `**`
    /// pattern's, becomes `hoist_perms` lines of up to 64 paths: one chmod and one chown per
    /// line instead of per file. Its end state is the same as step by step: each path still
    /// gets its mode before its owner, and the modes (and the owners) keep their order.
    static func permissionSection(_ steps: [PermissionStep], indexOfPath: [String: Int]) -> [String] {
        var out: [String] = []
        var batch: [(index: Int, step: PermissionStep)] = []
        func flush() {
            guard let first = batch.first?.step else { return }
            let head = ["hoist_perms", first.mode?.text ?? "", first.owner ?? "", first.group ?? ""].map(shellQuote).joined(separator: " ")
            out += stride(from: 0, to: batch.count, by: 64).map { start in
                head + " " + batch[start..<min(start + 64, batch.count)].map { "\($0.index) " + shellQuote($0.step.path) }.joined(separator: " ")
            }
            batch = []
        }
        for step in steps {
            guard let i = indexOfPath[step.path] else { continue }
            guard step.acl == nil, step.context == nil else {
                flush()
                out.append("if hoist_installed \(i); then")
                out.append(contentsOf: permissionLines(step).map { "  " + $0 })
                out.append("fi")
                continue
            }
            if let first = batch.first?.step, (first.mode, first.owner, first.group) != (step.mode, step.owner, step.group) { flush() }
            batch.append((i, step))
        }
        flush()
        return out
    }

    static func permissionLines(_ step: PermissionStep) -> [String] {
        let path = shellQuote(step.path)
        var lines: [String] = []
        if let mode = step.mode { lines.append("hoist_chmod \(path) \(shellQuote(mode.text))") }
        if let acl = step.acl {
            let completion = ACLCompletion(acl)
            lines.append("hoist_setfacl \(path) \(shellQuote(completion.entries)) \(shellQuote(completion.flags))")
        }
        if let context = step.context {
            var args: [String] = []
            if let name = context.name { args += ["-s", name] }
            args += ["-t", context.type]
            if let range = context.range { args += ["-r", range.description] }
            lines.append("hoist_semanage \(path) " + shellJoin(args))
        }
        switch (step.owner, step.group) {
        case let (owner?, group?): lines.append("hoist_chown \(path) " + shellQuote("\(owner):\(group)"))
        case let (owner?, nil): lines.append("hoist_chown \(path) " + shellQuote(owner))
        case let (nil, group?): lines.append("hoist_chgrp \(path) " + shellQuote(group))
        case (nil, nil): break
        }
        return lines
    }
}

/// What CodeDeploy adds to an AppSpec ACL before `setfacl --set`: the base user/group/other
/// entries from the file's current mode, a mask when there are named entries, and the
/// default base entries (and default mask) when there are default entries. The parts that
/// depend on the mode are left to the script as flags.
struct ACLCompletion {
    /// The AppSpec's entries (plus a default mask when it can be known now), comma-joined.
    let entries: String
    /// m: add mask from the group bits; U, G, O: default user/group/other from the mode;
    /// M: default mask from the group bits.
    let flags: String

    init(_ acl: [ACLEntry]) {
        var entries = acl.map(\.description)
        var flags = ""
        let hasNamed = acl.contains { !$0.isDefault && !$0.name.isEmpty }
        if hasNamed && !acl.contains(where: { !$0.isDefault && $0.kind == .mask }) { flags += "m" }
        if acl.contains(where: \.isDefault) {
            if !acl.contains(where: { $0.isDefault && $0.kind == .user && $0.name.isEmpty }) { flags += "U" }
            let defaultGroup = acl.first { $0.isDefault && $0.kind == .group && $0.name.isEmpty }
            if defaultGroup == nil { flags += "G" }
            if !acl.contains(where: { $0.isDefault && $0.kind == .other }) { flags += "O" }
            let hasDefaultNamed = acl.contains { $0.isDefault && !$0.name.isEmpty }
            if hasDefaultNamed && !acl.contains(where: { $0.isDefault && $0.kind == .mask }) {
                if let defaultGroup { entries.append("default:mask::" + defaultGroup.permissionText) } else { flags += "M" }
            }
        }
        self.entries = entries.joined(separator: ",")
        self.flags = flags
    }
}
