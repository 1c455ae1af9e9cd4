import Foundation

/// Runs libarchive work with this thread's character type set to C.UTF-8. libarchive converts
/// names between the archive and "the current locale"; a Swift process runs in the C locale,
/// where any non-ASCII name fails that conversion and is written with `hdrcharset=BINARY`
/// (which GNU tar warns about on every host). Pinning UTF-8 per thread (`uselocale`, not the
/// process-wide `setlocale`) makes output independent of the caller's locale, so bundles stay
/// reproducible everywhere.
enum UTF8Locale {
    static func run<T>(_ body: () throws -> T) rethrows -> T {
        guard let utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return try body() }
        let previous = uselocale(utf8)
        defer {
            uselocale(previous)
            freelocale(utf8)
        }
        return try body()
    }
}
