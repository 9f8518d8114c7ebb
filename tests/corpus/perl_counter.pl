# Correct pattern: a Perl %SIG handler that only counts. Perl's C-level
# handler just records the signal (deferred, "safe" signals); this sub runs
# later, between ops.
#
#   perl perl_counter.pl self|wait K      (see corpus.h)
use strict;
use warnings;
use POSIX ();
use Time::HiRes ();

my $deadline_s = 3.0;
my $mode = $ARGV[0] // "self";
my $want = $ARGV[1] // 5;
die "usage: perl_counter.pl self|wait [K]\n" unless ($mode eq "self" || $mode eq "wait") && $want >= 1;

my $handled = 0;
$SIG{USR1} = sub { $handled++ };

my $deadline = Time::HiRes::clock_gettime(Time::HiRes::CLOCK_MONOTONIC()) + $deadline_s;
if ($mode eq "self") {
    for my $i (1 .. $want) {
        kill 'USR1', $$;   # the sub runs right after this op
    }
} else {
    while ($handled < $want && Time::HiRes::clock_gettime(Time::HiRes::CLOCK_MONOTONIC()) < $deadline) {
        select(undef, undef, undef, 0.01);   # select(2): a storm or an EINTR lands here
    }
}

# Block SIGUSR1 before the interpreter tears %SIG down.
POSIX::sigprocmask(POSIX::SIG_BLOCK(), POSIX::SigSet->new(POSIX::SIGUSR1()));
my $n = $handled;
if ($n >= $want) {
    print "perl: got SIGUSR1\n";
    print "handled>=$want\n";
    exit 0;
}
print "perl: TIMEOUT handled=$n wanted $want\n";
exit 1;
