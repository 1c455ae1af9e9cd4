import CLibSSH2
import Foundation
import HoistCore
#if canImport(Glibc)
import Glibc
#endif

/// Checks a server's host key against a known_hosts file right after the handshake, before
/// any credential is sent. libssh2's knownhost API does the matching (plain, hashed and
/// `[host]:port` entries); this type turns its answers into decisions and messages.
struct HostKeyVerifier {
    let label: String
    let address: String
    let port: Int
    let file: String
    let mode: HostKeyChecking

    /// Key types known_hosts already holds for this host, to prefer them in negotiation.
    func knownKeyTypes(session: OpaquePointer) -> [HostKeyType] {
        guard mode != .off, let hosts = try? knownHosts(session: session) else { return [] }
        defer { libssh2_knownhost_free(hosts) }
        return recordedTypes(in: hosts)
    }

    /// The known_hosts entries that can name this host, as a libssh2 list (empty when the file
    /// does not exist); the caller frees it.
    private func knownHosts(session: OpaquePointer) throws -> OpaquePointer? {
        if let list = try KnownHostsCache.list(on: session, file: file, address: address, port: port) { return list }
        return libssh2_knownhost_init(session)
    }

    /// Key types a loaded known_hosts list holds for this host.
    private func recordedTypes(in hosts: OpaquePointer) -> [HostKeyType] {
        // A dummy key of type T "mismatches" exactly when an entry of type T exists.
        let dummy: [CChar] = [0x78]
        return HostKeyType.allCases.filter { type in
            let check = libssh2_knownhost_checkp(hosts, address, Int32(port), dummy, 1,
                LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostBits, nil)
            return check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH
        }
    }

    /// Throws a `.hostKey` error unless the key is acceptable under `mode`; returns a warning
    /// to show the user when the key was not checked or was newly recorded.
    func verify(session: OpaquePointer) throws -> String? {
        var length = 0
        var rawType: Int32 = 0
        guard let keyPointer = libssh2_session_hostkey(session, &length, &rawType) else {
            throw TransportError(host: label, kind: .hostKey, message: "the server sent no host key")
        }
        let blob = Data(bytes: keyPointer, count: length)
        let fingerprint = KnownHostsFile.fingerprint(ofKeyBlob: blob)
        guard let type = HostKeyType(libssh2HostKeyType: rawType) else {
            throw TransportError(host: label, kind: .hostKey, message: "the server's host key has a type Hoist cannot check (libssh2 type \(rawType))")
        }
        if mode == .off {
            return "WARNING: host key checking is OFF for \(label) (\(address) port \(port)): accepted its \(type.name) key \(fingerprint) without verifying it; anyone in the network path could be impersonating this host"
        }

        let hosts: OpaquePointer
        do {
            guard let loaded = try knownHosts(session: session) else {
                throw KnownHostsCache.Unreadable(text: "libssh2 could not allocate a known_hosts list")
            }
            hosts = loaded
        } catch let error as KnownHostsCache.Unreadable {
            throw TransportError(host: label, kind: .hostKey, message: "cannot read known_hosts file \(file): \(error.text)")
        }
        defer { libssh2_knownhost_free(hosts) }

        var entry: UnsafeMutablePointer<libssh2_knownhost>?
        let check = blob.withUnsafeBytes { bytes in
            libssh2_knownhost_checkp(hosts, address, Int32(port), bytes.baseAddress?.assumingMemoryBound(to: CChar.self), length,
                LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostBits, &entry)
        }
        switch check {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH:
            return nil
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
            throw changedKeyError(type: type, fingerprint: fingerprint, entry: entry?.pointee)
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
            // A key of another type is recorded: the host no longer offers the key it was
            // known by. OpenSSH calls that a changed key, in every mode; so does Hoist.
            if let recorded = recordedTypes(in: hosts).first {
                throw typeChangedError(offered: type, fingerprint: fingerprint, recorded: recorded)
            }
            let hostName = KnownHostsFile.hostName(address: address, port: port)
            if mode == .acceptNew {
                try KnownHostsAppender.append(line: "\(hostName) \(type.name) \(blob.base64EncodedString())\n", to: file, host: label)
                return "recorded the new \(type.name) host key \(fingerprint) of \(label) (\(hostName)) in \(file)"
            }
            throw TransportError(host: label, kind: .hostKey, message: """
                the host key of \(hostName) is not in \(file) and host key checking is strict; \
                the server offers \(type.name) \(fingerprint). Verify that fingerprint with the host's \
                administrator, then add it with `ssh-keyscan -p \(port) -t \(type.keyscanName) \(address) >> \(file)` \
                or use host_key_checking: accept-new
                """)
        default:
            throw TransportError(host: label, kind: .hostKey, message: "cannot check the host key against \(file): \(LibSSH2Runtime.lastError(session).text)")
        }
    }

    private func typeChangedError(offered: HostKeyType, fingerprint: String, recorded: HostKeyType) -> TransportError {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        let entry = KnownHostsFile(text: text).entry(address: address, port: port, keyType: recorded.name, keyBase64: nil)
        let expected = entry.flatMap { Data(base64Encoded: $0.key) }.map(KnownHostsFile.fingerprint(ofKeyBlob:)) ?? "unknown"
        let hostName = KnownHostsFile.hostName(address: address, port: port)
        let location = entry.map { "\(file):\($0.line)" } ?? file
        return TransportError(host: label, kind: .hostKey, message: """
            HOST KEY CHANGED for \(hostName): the server offers \(offered.name) \(fingerprint), but \(location) \
            records its \(recorded.name) key \(expected) and no \(offered.name) key. The host no longer offers the key \
            it was known by: someone could be intercepting the connection, or the host was reinstalled. \
            No credentials were sent and nothing was recorded. If the change is expected, remove the old key with \
            `ssh-keygen -R '\(hostName)' -f \(file)`, check the new one's fingerprint with the host's administrator, \
            and record it with `ssh-keyscan -p \(port) -t \(offered.keyscanName) \(address) >> \(file)` \
            (host_key_checking: accept-new records it on the next connection instead)
            """)
    }

    private func changedKeyError(type: HostKeyType, fingerprint: String, entry: libssh2_knownhost?) -> TransportError {
        let expectedBase64 = entry?.key.map { String(cString: $0) }
        let expected = expectedBase64.flatMap { Data(base64Encoded: $0) }.map(KnownHostsFile.fingerprint(ofKeyBlob:)) ?? "unknown"
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        let line = KnownHostsFile(text: text).lineNumber(address: address, port: port, keyType: type.name, keyBase64: expectedBase64)
        let hostName = KnownHostsFile.hostName(address: address, port: port)
        let location = line.map { "\(file):\($0)" } ?? file
        return TransportError(host: label, kind: .hostKey, message: """
            HOST KEY CHANGED for \(hostName): the server offers \(type.name) \(fingerprint) but \(location) \
            expects \(expected). Someone could be intercepting the connection, or the host was reinstalled. \
            No credentials were sent. If the change is expected, remove the old key with \
            `ssh-keygen -R '\(hostName)' -f \(file)`, check the new one's fingerprint with the host's administrator, \
            and record it with `ssh-keyscan -p \(port) -t \(type.keyscanName) \(address) >> \(file)` \
            (host_key_checking: accept-new records it on the next connection instead)
            """)
    }
}

/// Appends to known_hosts with one write under an exclusive lock, so that parallel
/// connections recording keys never interleave lines.
enum KnownHostsAppender {
    private static let lock = NSLock()

    static func append(line: String, to file: String, host: String) throws {
        lock.lock()
        defer { lock.unlock() }
        let directory = parentFolder(of: file)
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let fd = open(file, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw TransportError(host: host, kind: .hostKey, message: "cannot record the new host key in \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        flock(fd, LOCK_EX)
        // A file whose last line lacks a newline would glue our entry onto it.
        var prefix = ""
        let size = lseek(fd, 0, SEEK_END)
        if size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, size - 1) == 1, last != UInt8(ascii: "\n") { prefix = "\n" }
        }
        let bytes = Array((prefix + line).utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else {
            throw TransportError(host: host, kind: .hostKey, message: "cannot record the new host key in \(file): \(String(cString: strerror(errno)))")
        }
    }
}
