#!/usr/bin/perl
# layers.pl - the module's parts call only downward, and no part calls
# back into one that calls it.
#
#   perl t/lib/layers.pl OBJDIR...
#
# OBJDIR holds the module's object files (build/nginx/objs/addon and its
# src/).  Each file's calls into the others are read from "nm": a symbol
# a file leaves undefined (U) and another file defines (T) is a call of
# the first into the second; the module descriptor ngx_http_faas_module,
# which every file names to reach its configuration, does not count.
# A call into a file of a higher layer fails, and so does a circle of
# calls within a layer.  A file missing from the table fails too, so that
# a new file takes its place on purpose.  Prints every call it read with
# -v.  The includes must agree: a file includes the header of each part
# it calls, and no file or header includes one of a higher layer.
#
# The layers, from the top (README.md, "Architecture", draws the same):
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(basename dirname);

my @LAYERS = (
    [wiring    => qw(module)],
    [config    => qw(credentials)],
    [serving   => qw(invoke body response status variables error cache)],
    [policy    => qw(token domain)],
    [store     => qw(store)],
    [transport => qw(client peer resolve ssl)],
    # counts into the slots of the zone the store made, and calls no part
    [counters  => qw(stats)],
    [pure      => qw(validate payload platform cjson client_response
                     escape gateway_error json_error token_answer
                     error_table)],
);

my $verbose = @ARGV && $ARGV[0] eq '-v' ? shift : 0;
die "usage: layers.pl [-v] OBJDIR...\n" unless @ARGV;

my (%layer, %rank, @order);
for my $i (0 .. $#LAYERS) {
    my ($name, @parts) = @{ $LAYERS[$i] };
    for (@parts) {
        $layer{$_} = $name;
        $rank{$_} = $i;
    }
}

my (%defines, %uses);
for my $dir (@ARGV) {
    for my $o (glob "$dir/*.o") {
        my $part = basename($o, '.o');
        $part =~ s/^ngx_http_faas_//;
        for (`nm -g $o`) {
            my ($type, $sym) = /^\s*(?:[0-9a-f]+\s+)?([A-Za-z])\s+(\S+)$/
                or next;
            next unless $sym =~ /^ngx_http_faas_/;
            next if $sym eq 'ngx_http_faas_module';
            if ($type eq 'U') {
                push @{ $uses{$part} }, $sym;
            } else {
                $defines{$sym} = $part;
            }
        }
        push @order, $part;
    }
}

my @bad;
for my $part (@order) {
    push @bad, "$part: not in the table of layers (t/lib/layers.pl)"
        unless exists $rank{$part};
}

# calls between files: from -> to -> [symbols]
my %calls;
for my $from (sort keys %uses) {
    for my $sym (@{ $uses{$from} }) {
        my $to = $defines{$sym} or next;
        next if $to eq $from;
        push @{ $calls{$from}{$to} }, $sym;
    }
}

for my $from (sort keys %calls) {
    for my $to (sort keys %{ $calls{$from} }) {
        my $syms = join ', ', sort @{ $calls{$from}{$to} };
        my $what = "$from ($layer{$from}) -> $to ($layer{$to}): $syms";
        print "$what\n" if $verbose;
        next unless exists $rank{$from} && exists $rank{$to};
        push @bad, "a call up: $what" if $rank{$to} < $rank{$from};
    }
}

# circles: a depth-first search over the calls
my (%state, @stack);
my $visit;
$visit = sub {
    my ($n) = @_;
    $state{$n} = 1;
    push @stack, $n;
    for my $m (sort keys %{ $calls{$n} || {} }) {
        if (($state{$m} // 0) == 1) {
            my @circle = (@stack[(grep { $stack[$_] eq $m } 0 .. $#stack)[0]
                                 .. $#stack], $m);
            push @bad, "a circle: " . join(' -> ', @circle);
        } elsif (!$state{$m}) {
            $visit->($m);
        }
    }
    pop @stack;
    $state{$n} = 2;
};
$visit->($_) for grep { !$state{$_} } sort keys %calls;

# the includes say the same: a file includes the header of each part it
# calls (src/ngx_http_faas_PART.h), and no file or header includes the
# header of a part above it
my $root = dirname(dirname(dirname(abs_path($0))));
my @sources = ("$root/ngx_http_faas_module.c",
               glob("$root/src/ngx_http_faas_*.[ch]"));
my %includes;
for my $file (@sources) {
    my ($part, $ext) = basename($file) =~ /^ngx_http_faas_(\w+)\.([ch])$/
        or next;
    open my $fh, '<', $file or die "layers.pl: $file: $!\n";
    while (<$fh>) {
        my ($to) = /^#include\s+"(?:src\/)?ngx_http_faas_(\w+)\.h"/
            or next;
        next if $to eq $part;
        $includes{$part}{$to} = 1 if $ext eq 'c';
        next unless exists $rank{$part} && exists $rank{$to};
        push @bad, "an include up: " . basename($file)
                   . " ($layer{$part}) includes ngx_http_faas_$to.h"
                   . " ($layer{$to})"
            if $rank{$to} < $rank{$part};
    }
    close $fh;
}
for my $from (sort keys %calls) {
    for my $to (sort keys %{ $calls{$from} }) {
        push @bad, "ngx_http_faas_$from.c calls $to but does not include"
                   . " ngx_http_faas_$to.h"
            if -e "$root/src/ngx_http_faas_$to.h"
               && !$includes{$from}{$to};
    }
}

if (@bad) {
    print "layers: $_\n" for @bad;
    print "layers: failed\n";
    exit 1;
}
print "layers: ok (" . scalar(@order) . " files)\n";
exit 0;
