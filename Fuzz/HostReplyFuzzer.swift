import HoistCore
import HoistPlanning

/// libFuzzer entry point: any bytes, read as what a host sends back (a lock program's reply,
/// the probe's reply, the hook wrapper's stderr), must not crash the parsers, and nothing may
/// be taken from a line that is not the parser's own: no lock outcome without its marker line,
/// no bundle without its `bundle=` line, and no hook status without the wrapper's key.
/// Built by Fuzz/build-host-reply-fuzzer.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func hostReplyFuzzerInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

    if let reply = GroupLockReply.parse(text), !lines.contains(where: { $0.hasPrefix("\u{1e}" + reply.outcome.rawValue) }) {
        fatalError("lock outcome \(reply.outcome) without its line")
    }
    let probe = HostProbeResult.parse(lines) { _ in nil }
    for (digest, folder) in probe.bundles where !lines.contains("\u{1e}bundle=\(digest) \(folder)") {
        fatalError("bundle \(digest) without its line")
    }

    let key = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    var reader = HookStatusReader()
    _ = reader.read(HookStatusReader.marker + key)
    for line in lines where !line.contains(HookStatusReader.marker + key + " ") {
        if reader.read(line) != line { fatalError("output line taken for the wrapper's: \(line.debugDescription)") }
    }
    if reader.result != nil || reader.runAsUser != nil { fatalError("a status without the key") }
    return 0
}
