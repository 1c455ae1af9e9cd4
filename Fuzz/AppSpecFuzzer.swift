import HoistConfig
import HoistCore

/// libFuzzer entry point: any bytes, read as an AppSpec, must not crash the parser or the
/// validator; every diagnostic must point inside the text; an AppSpec comes back exactly when
/// there is no error. Built by Fuzz/build-appspec-fuzzer.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func appSpecFuzzerInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
    let (spec, diagnostics) = AppSpecParser.parse(text)
    for d in diagnostics {
        if let line = d.line, !(1...lineCount).contains(line) { fatalError("diagnostic outside the file: \(d)") }
    }
    if (spec == nil) != diagnostics.hasErrors { fatalError("AppSpec returned with errors, or withheld without one") }
    let entries = [BundleEntry(path: "app/a", kind: .file), BundleEntry(path: "s.sh", kind: .file)]
    _ = RevisionValidator.validate(appSpecText: text, entries: entries)
    return 0
}
