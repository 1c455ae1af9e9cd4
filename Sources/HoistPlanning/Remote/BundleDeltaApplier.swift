import HoistCore

/// The host's side of a delta upload (`BundleDelta`): a perl that rebuilds the new bundle
/// from the one the host holds and the stream on its stdin, writing it to stdout (the
/// upload's temporary file, which the upload then hashes) in writes of up to 1 MiB. Perl, because a stream of many copies would otherwise cost a
/// process each (`dd`); only hosts whose probe found perl (`HostProbeResult.hookRunner`) are
/// sent a delta, and a rebuild that fails in any way (no perl, a held bundle changed since
/// it was checked, a stream cut short) yields a file whose digest does not match, so the
/// upload puts nothing in place and the bundle is sent whole.
public enum BundleDeltaApplier {
    /// Reads `C`, `D` and `E` lines and the bytes after each `D`; exits non-zero when the
    /// stream ends without `E`. Copies go in pieces of at most 1 MiB.
    static let program = #"""
        binmode STDIN; binmode STDOUT;
        open(my $b, "<:raw", $ARGV[0]) or die "hoist: cannot read the bundle the delta applies to ($ARGV[0]): $!\n";
        sub put { my ($from, $n, $what) = @_;
          while ($n > 0) { my $r = read($from, my $x, $n < 1048576 ? $n : 1048576);
            die "hoist: the $what ended early\n" unless $r;
            for (my $o = 0; $o < $r;) { my $w = syswrite(STDOUT, $x, $r - $o, $o);
              die "hoist: cannot write the rebuilt bundle: $!\n" unless defined $w; $o += $w }
            $n -= $r } }
        my $end = 0;
        while (defined(my $l = <STDIN>)) {
          if ($l =~ /\AC ([0-9]+) ([0-9]+)\n\z/) { my ($o, $n) = ($1, $2); seek($b, $o, 0) or die "hoist: cannot seek in $ARGV[0]: $!\n"; put($b, $n, "held bundle") }
          elsif ($l =~ /\AD ([0-9]+)\n\z/) { put(\*STDIN, $1 + 0, "delta") }
          elsif ($l eq "E\n") { $end = 1; last }
          else { die "hoist: the delta holds a line it cannot read\n" }
        }
        close STDOUT or die "hoist: cannot write the rebuilt bundle: $!\n";
        exit($end ? 0 : 3);
        """#

    /// The decoder for `HostSession.upload(localPath:through:…)`: rebuilds from `base`, the
    /// held bundle's path on the host. Every host whose held bundle has that path gets the
    /// same string: a thousand hosts hold it at once while they wait for their upload.
    public static func command(base: String) -> String { commands(base) }

    private static let commands = SharedText<String> { base in
        "PERL_BADLANG= perl -e \(shellQuote(program)) -- \(shellQuote(base))"
    }
}
