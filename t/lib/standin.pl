#!/usr/bin/perl
# standin.pl - TLS stand-ins for the LivePerson authorization server
# ("sentinel"), the functions gateway ("faasGW") and the Domain API, and
# a DNS server for their names, for tests and the demo.
#
#   standin.pl --auth-port P --gw-port Q --cert F --key F --state DIR
#              [--auth-cert F --auth-key F] [--gw-cert F --gw-key F]
#              [--domain-port R [--domain-cert F --domain-key F]]
#              [--dns-port S] [--pidfile F] [--verbose]
#
# The HTTPS servers ("auth", "gateway" and, with --domain-port, "domain")
# listen on 127.0.0.1; each connection is served by one process of a pool
# per server (see "Processes" below).  HTTP/1.0 and
# 1.1, Content-Length or chunked request bodies, keep-alive on 1.1 unless
# "Connection: close" (idle connections are closed after 60 s); the
# connection is closed after an answer to HTTP/1.0.  The status line is
# always "HTTP/1.1 NNN Reason" and every answer has Content-Length (or is
# chunked when gateway.chunked is on and the client speaks 1.1).
# With --dns-port, the parent also answers DNS queries on UDP
# 127.0.0.1:S itself (no fork; see "DNS" below).  The pid file is
# written once every port listens; SIGTERM stops all.
#
# DIR/control.json, re-read on every request (missing: defaults), e.g.
#   {"account":"12345678","client_id":"demo-client",
#    "client_secret":"demo-secret","scope":null,
#    "auth":{"ttl":3600,"expires_in":"number"|"string"|"none","delay":0,
#            "fail":0,"fail_status":500,"fail_body":"...",
#            "status":null,"body":null,"misbehave":null},
#    "gateway":{"status":null,"body":null,"delay":0,"chunked":0,
#               "reject_jti":[],"misbehave":null,"fail":0,
#               "fail_status":429,"retry_after":null},
#    "client_auth":"body"|"basic",
#    "domain":{"services":{"sentinel":null,"faasGW":null},"fail":0,
#              "fail_status":500,"fail_body":"...","status":null,
#              "body":null,"delay":0,"misbehave":null},
#    "dns":{"names":{"sentinel.faas.test":"127.0.0.1",
#                    "gw.faas.test":"127.0.0.1",
#                    "domain.faas.test":"127.0.0.1",
#                    "functions.faas.test":"127.0.0.1"},"ttl":1,"drop":0}}
# "reject_jti": tokens (by jti) the gateway answers 401 to, as if revoked.
# "client_auth": basic expects RFC 6749 HTTP Basic instead of form fields.
# "body" values may be strings (sent as they are) or JSON structures.
# "fail": N fails the next N valid token requests (domain: lookups); the
# count restarts whenever control.json is rewritten.  A section given in
# control.json replaces only the keys it names, but a key's value is
# replaced whole (e.g. "services" or "names": the complete map).
#
# Order of the answer: protocol violations -> 400 (gateway: a missing or
# bad token -> 401 first); auth: wrong client_id/secret -> 401 (not a
# violation); then fail / status overrides; then the normal answer.
#
# "misbehave": MODE (auth, gateway, domain) replaces the answer to every
# request, after "delay": the request is read and checked as usual (its
# answer is made, then dropped) and logged with "misbehave": MODE and
# "status": 200 (null when no status line is sent).  Misbehaving is not
# a violation (an unknown MODE is).  The connection is closed afterwards
# (html_200: kept as usual).
#   close_before_answer  close without sending anything
#   close_mid_headers    "HTTP/1.1 200 OK", a Content-Type line, close
#   close_mid_body       a 200 head with Content-Length: 1000, 10 bytes
#                        of body, close
#   endless_headers      a status line, then an "X-Pad: ..." line every
#                        10 ms until the client closes
#   endless_body         a 200 head with Content-Length: 1000000000, then
#                        256 body bytes every 20 ms until the client
#                        closes
#   lying_length_short   Content-Length: 5 with a 50-byte body, then the
#                        connection stays open 2 s (or until the client
#                        closes)
#   lying_length_long    Content-Length: 500 with a 50-byte body, then
#                        nothing more until the client closes
#   bad_chunked          Transfer-Encoding: chunked with the chunk size
#                        line "zz", then 2 s (or until the client closes)
#   html_200             a 200 with Content-Type: text/html and a page
#   stall                no answer until the client closes
# "Until the client closes" ends after 120 s at the latest, or when the
# stand-in stops.
#
# Gateway: POST /api/account/{account}/lambdas/{uuid}/invoke, or
# .../events/{eventId}/invoke (invocation by event, see %EVENTS: answers
# [{"uuid","timestamp","result"}] for the event's functions, [] for an
# unknown event).  The generation follows the Host header, as
# LivePerson's own client decides: a host name holding "functions" or
# "fninvocations" is V2, any other V1.  V1 requests must carry v=1,
# externalSystem and userId (skillId allowed, nothing else) and no
# LP-EventSource header; V2 requests a non-empty LP-EventSource header
# and no query argument but skillId.  Error bodies are V1
# {"errorCode","errorMsg"}, V2 {"code","message"}.  Each request is
# logged with "platform": "v1" | "v2" (and "event" for events).
#
# Domain API: GET /api/account/{account}/service/{service}/baseURI.json
# ?version=1.0 (query exactly that, a Host header, no body) answers
#   {"service":"faasGW","account":"12345678","baseURI":"<services.X>"}
# Service names are case sensitive ("sentinel", "faasGW"); a service
# whose services entry is missing or null -> 404 {"error":"unknown
# service"} (not a violation, but after fail/status: those override
# every answer to a valid request).  The entry is sent as it is (a
# string normally, e.g. "sentinel.faas.test:PORT").
#
# DNS: RFC 1035 over UDP.  Type A for a name in dns.names (compared
# without case and trailing dot) -> one A record per address (a string,
# or an array of strings) with TTL dns.ttl; any other type for a listed
# name -> NOERROR without answers; a name not listed (or null) ->
# NXDOMAIN.  ID, opcode and question are copied; QR and RA are set, RD
# as asked.  Malformed queries -> FORMERR, opcode other than QUERY or a
# class other than IN -> NOTIMP (both are violations).  "drop": true
# logs queries but leaves them unanswered (resolver timeouts).
#
# DIR/requests.log gets one JSON line per request: server, time, method,
# path, query, version, headers (lower-case names), body, chunked, conn
# (id of the connection), conn_seq (1-based request number on it),
# resumed (1: the connection's TLS handshake resumed a session), tls
# (its protocol version, e.g. "TLSv1.3"),
# form (auth), json (gateway), service (domain), jti, status,
# violations, concurrent (requests of this server in progress when the
# answer was written), misbehave (only when misbehaving).  DNS queries
# are logged as {"server":"dns", time, name, qtype ("A", "AAAA" or the
# number), answer (the address, an array of them, or null), rcode
# ("NOERROR", "NXDOMAIN", ...; null when dropped), violations}.
# DIR also holds hmac.key (kept across restarts), the jti counter and
# the fail count.
use strict;
use warnings;

use B ();
use Digest::SHA qw(hmac_sha256);
use Encode ();
use Errno qw(EINTR);
use Fcntl qw(:flock O_RDWR O_CREAT);
use Getopt::Long qw(GetOptions);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::SSL;
use JSON::PP;
use List::Util qw(min);
use MIME::Base64 qw(encode_base64url decode_base64url decode_base64);
use POSIX qw(WNOHANG);
use Socket qw(inet_aton);
use Time::HiRes qw(time sleep);

my %opt = (verbose => 0);
GetOptions(\%opt, 'auth-port=i', 'gw-port=i', 'cert=s', 'key=s',
    'auth-cert=s', 'auth-key=s', 'gw-cert=s', 'gw-key=s', 'state=s',
    'domain-port=i', 'domain-cert=s', 'domain-key=s', 'dns-port=i',
    'pidfile=s', 'verbose!')
    or die "usage: $0 --auth-port P --gw-port Q --cert F --key F"
    . " --state DIR [--domain-port R] [--dns-port S] [--pidfile F]\n";
for my $o (qw(auth-port gw-port state)) {
    die "$0: --$o is required\n" unless defined $opt{$o};
}

my $STATE = $opt{state};
my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;
my $IDLE_TIMEOUT = 60;          # keep-alive idle limit, seconds
my $READ_TIMEOUT = 30;          # limit for the rest of a started request

my %UUID = (
    '11111111-1111-4111-8111-111111111111' => \&fn_hello,
    '22222222-2222-4222-8222-222222222222' => \&fn_echo,
    '99999999-9999-4999-8999-999999999999' => \&fn_fail,
    '55555555-5555-4555-8555-555555555555' => \&fn_slow,
    '33333333-3333-4333-8333-333333333333' => \&fn_web,
    # the sample functions of README.md's examples (t/014-readme.t)
    '0b6b3e8c-41b4-4d3a-9f51-2d9c1f3f7e11' => \&fn_price,
    '7d1f0c3e-95a2-4e0b-8f64-0c2a9d3b5e10' => \&fn_web,
);

# invocation by event: the functions of each event, in answer order
my %EVENTS = (
    'test.hello' => ['11111111-1111-4111-8111-111111111111'],
    'test.web'   => ['33333333-3333-4333-8333-333333333333'],
    'test.both'  => ['11111111-1111-4111-8111-111111111111',
                     '33333333-3333-4333-8333-333333333333'],
    'test.fail'  => ['99999999-9999-4999-8999-999999999999'],
);

my %DEFAULTS = (
    account       => '12345678',
    client_id     => 'demo-client',
    client_secret => 'demo-secret',
    scope         => undef,
    auth => {
        ttl => 3600, expires_in => 'number', delay => 0, fail => 0,
        fail_status => 500, fail_body => '{"error":"server_error"}',
        status => undef, body => undef, misbehave => undef,
    },
    gateway => { status => undef, body => undef, delay => 0, chunked => 0,
                 reject_jti => [], misbehave => undef },
    domain => {
        services => { sentinel => undef, faasGW => undef },
        fail => 0, fail_status => 500,
        fail_body => '{"error":"internal server error"}',
        status => undef, body => undef, delay => 0, misbehave => undef,
    },
    dns => {
        names => { map { ("$_.faas.test" => '127.0.0.1') }
                   qw(sentinel gw domain functions) },
        ttl => 1, drop => 0,
    },
);

my %MISBEHAVE = map { ($_ => 1) } qw(close_before_answer
    close_mid_headers close_mid_body endless_headers endless_body
    lying_length_short lying_length_long bad_chunked html_200 stall);
my $MISBEHAVE_LIMIT = 120;      # endless answers and stalls end by then
my $SPARE = 4;                  # processes waiting for a connection
my $POOL_MAX = 400;             # processes per server at most
my $HTML_PAGE = "<!DOCTYPE html>\n<html><head><title>Welcome</title>"
    . "</head>\n<body><h1>It works!</h1><p>This is not JSON.</p>"
    . "</body></html>\n";

my %QTYPE = (1 => 'A', 28 => 'AAAA');
my %RCODE = (0 => 'NOERROR', 1 => 'FORMERR', 2 => 'SERVFAIL',
             3 => 'NXDOMAIN', 4 => 'NOTIMP');

my %REASON = (
    200 => 'OK', 400 => 'Bad Request', 401 => 'Unauthorized',
    403 => 'Forbidden', 404 => 'Not Found', 429 => 'Too Many Requests',
    500 => 'Internal Server Error', 502 => 'Bad Gateway',
    503 => 'Service Unavailable', 504 => 'Gateway Timeout',
);

main();

# ---------------------------------------------------------------- server

sub main {
    mkdir $STATE unless -d $STATE;
    die "$0: cannot create state dir $STATE: $!\n" unless -d $STATE;
    init_state();

    my %tls = (
        auth    => [ $opt{'auth-cert'} // $opt{cert},
                     $opt{'auth-key'} // $opt{key} ],
        gateway => [ $opt{'gw-cert'} // $opt{cert},
                     $opt{'gw-key'} // $opt{key} ],
    );
    $tls{domain} = [ $opt{'domain-cert'} // $opt{cert},
                     $opt{'domain-key'} // $opt{key} ]
        if defined $opt{'domain-port'};
    for my $pair (values %tls) {
        die "$0: --cert and --key are required\n"
            unless defined $pair->[0] && defined $pair->[1];
        -r $_ or die "$0: cannot read $_\n" for @$pair;
        ssl_context(@$pair);
    }

    # the listeners are non-blocking: the pool's processes wait for them
    # in select, and all but one of those woken find nothing to accept
    my %listener;
    for ([auth => $opt{'auth-port'}], [gateway => $opt{'gw-port'}],
         [domain => $opt{'domain-port'}]) {
        my ($name, $port) = @$_;
        next unless defined $port;
        my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => $port, Listen => 128, ReuseAddr => 1,
            Proto => 'tcp')
            or die "$0: cannot listen on 127.0.0.1:$port ($name): $@\n";
        $l->blocking(0);
        $listener{$name} = $l;
    }
    my $sel = IO::Select->new;
    my $dns;
    if (defined(my $port = $opt{'dns-port'})) {
        $dns = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => $port, Proto => 'udp')
            or die "$0: cannot bind udp 127.0.0.1:$port (dns): $@\n";
        $sel->add($dns);
    }
    # Processes: each server has a pool of processes that accept and serve
    # one connection at a time, then accept the next.  A new process pays
    # for the copies of the pages it writes after fork (on a VM with slow
    # page faults, a TLS handshake took 13 ms in a new process and 3 ms in
    # one that served a connection before); the parent keeps $SPARE of
    # them waiting per server, so that a burst of connections does not
    # wait for one fork after another.  They tell the parent when they
    # take and finish a connection, one line each on a pipe.
    pipe(my $status_r, my $status_w) or die "$0: pipe: $!\n";
    $status_w->autoflush(1);
    $sel->add($status_r);

    my %kids;                   # pid => { role => NAME, idle => 0|1 }
    my $stop = 0;
    local $SIG{TERM} = sub { $stop = 1 };
    local $SIG{INT} = sub { $stop = 1 };
    local $SIG{CHLD} = sub {
        while ((my $pid = waitpid(-1, WNOHANG)) > 0) { delete $kids{$pid} }
    };
    local $SIG{PIPE} = 'IGNORE';

    my $spawn = sub {
        my ($name) = @_;
        my $pid = fork;
        if (!defined $pid) {
            warn "$0: fork: $!\n";
            return 0;
        }
        if ($pid == 0) {
            $SIG{$_} = 'DEFAULT' for qw(TERM INT CHLD);
            close $_ for $sel->handles;
            $_ eq $name or close $listener{$_} for keys %listener;
            serve_pool($listener{$name}, $name, $tls{$name}, $status_w);
            POSIX::_exit(0);
        }
        $kids{$pid} = { role => $name, idle => 1 };
        return 1;
    };

    write_pidfile($opt{pidfile}) if defined $opt{pidfile};

    my $status = '';
    until ($stop) {
        for my $name (keys %listener) {
            my @pool = grep { $_->{role} eq $name } values %kids;
            my $idle = grep { $_->{idle} } @pool;
            for (1 .. min($SPARE - $idle, $POOL_MAX - @pool)) {
                $spawn->($name) or last;
            }
        }
        my @ready = $sel->can_read(1);
        for my $h (@ready) {
            if ($h == $status_r) {
                sysread($status_r, $status, 4096, length $status) or next;
                while ($status =~ s/^(\d+) (busy|idle)\n//) {
                    $kids{$1}{idle} = ($2 eq 'idle') ? 1 : 0 if $kids{$1};
                }
                next;
            }
            serve_dns($h) if defined $dns && $h == $dns;
        }
    }

    kill 'TERM', keys %kids;
    my $deadline = time + 3;
    while (%kids && time < $deadline) {
        my $pid = waitpid(-1, WNOHANG);
        if ($pid > 0) { delete $kids{$pid} } else { sleep 0.05 }
    }
    kill 'KILL', keys %kids;
    unlink $opt{pidfile} if defined $opt{pidfile};
    exit 0;
}

# One process of a server's pool: connection after connection until the
# parent goes away.  A connection is told apart in the logs by pid and
# count ("conn").
sub serve_pool {
    my ($l, $name, $tls, $status) = @_;
    my $ppid = getppid;
    my $n = 0;
    my $sel = IO::Select->new($l);
    while (getppid == $ppid) {
        $sel->can_read(1) or next;
        my $c = $l->accept or next;
        $c->blocking(1);
        syswrite $status, "$$ busy\n";
        $n++;
        serve_connection($c, $name, @$tls, "$$.$n");
        close $c;
        syswrite $status, "$$ idle\n";
    }
}

sub write_pidfile {
    my ($file) = @_;
    open my $fh, '>', "$file.tmp" or die "$0: $file.tmp: $!\n";
    print $fh "$$\n";
    close $fh;
    rename "$file.tmp", $file or die "$0: rename $file: $!\n";
}

# The HMAC key survives restarts (tokens stay valid when a test restarts
# the stand-ins with another certificate); counters of live requests
# start from zero.
sub init_state {
    my $keyfile = "$STATE/hmac.key";
    unless (-s $keyfile) {
        open my $r, '<:raw', '/dev/urandom' or die "urandom: $!\n";
        read $r, my $bytes, 32;
        write_file($keyfile, unpack('H*', $bytes) . "\n");
    }
    write_file("$STATE/$_.active", "0\n") for qw(auth gateway domain);
}

sub hmac_key { my $k = read_file("$STATE/hmac.key"); chomp $k; return $k }

# ------------------------------------------------------------ connection

# One TLS context per server, made in the parent before any fork, so that
# every connection's child shares its session ticket keys: a client that
# resumes a session is seen (logged as "resumed").
my %ssl_ctx;

sub ssl_context {
    my ($cert, $key) = @_;
    return $ssl_ctx{"$cert $key"} //= IO::Socket::SSL::SSL_Context->new(
        SSL_server => 1, SSL_cert_file => $cert, SSL_key_file => $key)
        || die "$0: TLS context for $cert: $SSL_ERROR\n";
}

sub serve_connection {
    my ($sock, $name, $cert, $key, $id) = @_;
    my $ppid = getppid;
    my $ssl = IO::Socket::SSL->start_SSL($sock, SSL_server => 1,
        SSL_reuse_ctx => ssl_context($cert, $key), Timeout => 10);
    unless ($ssl) {
        warn "standin $name: TLS handshake failed: $SSL_ERROR\n"
            if $opt{verbose};
        return;
    }
    my $conn = { sock => $ssl, buf => '', ppid => $ppid, seq => 0,
                 id => $id, resumed => Net::SSLeay::session_reused(
                     $ssl->_get_ssl_object) ? 1 : 0,
                 tls => Net::SSLeay::get_version($ssl->_get_ssl_object) };
    while (1) {
        my $req = read_request($conn) or last;
        $conn->{seq}++;
        my $keep = handle($conn, $name, $req);
        last unless $keep;
    }
    $ssl->close(SSL_fast_shutdown => 1);
}

# Make sure $conn->{buf} holds more data; false on EOF/timeout/error.
sub fill {
    my ($conn, $timeout) = @_;
    my $sock = $conn->{sock};
    my $deadline = time + $timeout;
    unless ($sock->pending) {
        my $sel = IO::Select->new($sock);
        while (!$sel->can_read(0.5)) {
            return 0 if time > $deadline || getppid != $conn->{ppid};
        }
    }
    my $n = sysread($sock, my $chunk, 65536);
    return 0 unless $n;
    $conn->{buf} .= $chunk;
    return 1;
}

# Read one CRLF (or LF) terminated line.
sub read_line {
    my ($conn, $timeout) = @_;
    while ($conn->{buf} !~ /\n/) {
        return undef if length $conn->{buf} > 65536;
        fill($conn, $timeout) or return undef;
    }
    $conn->{buf} =~ s/^([^\n]*)\n// or return undef;
    (my $line = $1) =~ s/\r$//;
    return $line;
}

sub read_bytes {
    my ($conn, $n) = @_;
    while (length $conn->{buf} < $n) {
        fill($conn, $READ_TIMEOUT) or return undef;
    }
    return substr($conn->{buf}, 0, $n, '');
}

# Returns a request hash, or undef when the peer went away.  A request
# that cannot be parsed comes back with {bad => reason}.
sub read_request {
    my ($conn) = @_;
    my $line;
    do {
        $line = read_line($conn, $IDLE_TIMEOUT);
        return undef unless defined $line;
    } while ($line eq '');          # tolerate stray CRLFs between requests

    my %req = (headers => {}, body => '', line => $line);
    if ($line !~ m{^([A-Z]+) (\S+) HTTP/(1\.[01])$}) {
        $req{bad} = "malformed request line: $line";
        return \%req;
    }
    @req{qw(method target version)} = ($1, $2, $3);
    ($req{path}, $req{query}) = split /\?/, $req{target}, 2;
    $req{query} //= '';

    while (1) {
        my $h = read_line($conn, $READ_TIMEOUT);
        return undef unless defined $h;
        last if $h eq '';
        if ($h !~ /^([!#\$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(.*?)[ \t]*$/) {
            $req{bad} = "malformed header line: $h";
            return \%req;
        }
        my $n = lc $1;
        $req{headers}{$n} = exists $req{headers}{$n}
            ? "$req{headers}{$n}, $2" : $2;
    }

    my $h = $req{headers};
    if (($h->{expect} // '') =~ /^100-continue$/i) {
        write_all($conn, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (($h->{'transfer-encoding'} // '') =~ /\S/) {
        if (lc $h->{'transfer-encoding'} ne 'chunked') {
            $req{bad} = "unsupported transfer-encoding";
            return \%req;
        }
        my $body = read_chunked($conn);
        return undef unless defined $body;
        $req{body} = $body;
        $req{chunked} = 1;
    } elsif (defined $h->{'content-length'}) {
        if ($h->{'content-length'} !~ /^\d+$/) {
            $req{bad} = "bad content-length";
            return \%req;
        }
        my $body = read_bytes($conn, $h->{'content-length'});
        return undef unless defined $body;
        $req{body} = $body;
    }
    return \%req;
}

sub read_chunked {
    my ($conn) = @_;
    my $body = '';
    while (1) {
        my $size = read_line($conn, $READ_TIMEOUT);
        return undef unless defined $size && $size =~ /^([0-9a-fA-F]+)/;
        my $n = hex $1;
        last if $n == 0;
        my $data = read_bytes($conn, $n + 2);
        return undef unless defined $data;
        $body .= substr($data, 0, $n);
    }
    while (1) {                     # trailers, up to the empty line
        my $t = read_line($conn, $READ_TIMEOUT);
        return undef unless defined $t;
        last if $t eq '';
    }
    return $body;
}

sub write_all {
    my ($conn, $data) = @_;
    while (length $data) {
        my $n = syswrite($conn->{sock}, $data);
        return 0 unless $n;
        substr($data, 0, $n, '');
    }
    return 1;
}

# Handle one request; returns true to keep the connection open.
sub handle {
    my ($conn, $name, $req) = @_;
    my $ctl = read_control();
    my $t0 = time;
    counter_add("$name.active", 1);

    my %log = (
        server => $name, time => $t0, method => $req->{method},
        path => $req->{path}, query => $req->{query},
        version => $req->{version}, headers => text_hash($req->{headers}),
        body => text($req->{body}), chunked => $req->{chunked} ? 1 : 0,
        conn => $conn->{id}, conn_seq => $conn->{seq},
        resumed => $conn->{resumed}, tls => $conn->{tls}, violations => [],
    );
    my $res;
    if ($req->{bad}) {
        push @{ $log{violations} }, $req->{bad};
        $res = [400, $name eq 'auth'
            ? { error => 'invalid_request', error_description => $req->{bad} }
            : $name eq 'domain'
            ? { error => 'bad request', message => $req->{bad} }
            : { errorCode => 'com.liveperson.faas.bad-request',
                errorMsg => $req->{bad} }];
    } elsif ($name eq 'auth') {
        $res = auth_answer($ctl, $req, \%log);
    } elsif ($name eq 'domain') {
        $res = domain_answer($ctl, $req, \%log);
    } else {
        $res = gateway_answer($ctl, $req, \%log);
    }
    my $section = $ctl->{$name};
    sleep $section->{delay} if $section->{delay} && !$req->{bad};
    my $mode = $section->{misbehave};
    if (defined $mode && !ref $mode && $MISBEHAVE{$mode}) {
        my $ok = misbehave($conn, $name, $mode, \%log);
        counter_add("$name.active", -1);
        return $ok;
    }
    push @{ $log{violations} }, "unknown misbehave mode: "
        . $JSON->encode($mode)
        if defined $mode && $mode ne '';

    my ($status, $body, $extra) = @$res;
    $body = $JSON->encode($body) if ref $body;
    $body //= '';
    $log{status} = $status + 0;
    $log{concurrent} = counter_add("$name.active", 0);
    append_log(\%log);

    my $keep = !$req->{bad} && $req->{version} eq '1.1'
        && ($req->{headers}{connection} // '') !~ /\bclose\b/i;
    my $chunked = $name eq 'gateway' && $ctl->{gateway}{chunked}
        && !$req->{bad} && $req->{version} eq '1.1';
    my $ok = write_all($conn,
        response($status, $body, $keep, $chunked, undef, $extra));
    counter_add("$name.active", -1);
    return $keep && $ok;
}

sub response {
    my ($status, $body, $keep, $chunked, $type, $extra) = @_;
    my $reason = $REASON{$status} // 'Unknown';
    my $head = "HTTP/1.1 $status $reason\r\n"
        . "Server: faas-standin\r\n"
        . "Content-Type: " . ($type // 'application/json') . "\r\n"
        . ($extra // '')
        . ($keep ? '' : "Connection: close\r\n");
    return $head . "Content-Length: " . length($body) . "\r\n\r\n$body"
        unless $chunked;
    # a few chunks: split the body in three parts (empty parts skipped)
    my $third = int(length($body) / 3) || 1;
    my $out = $head . "Transfer-Encoding: chunked\r\n\r\n";
    while (length $body) {
        my $part = substr($body, 0, $third, '');
        $out .= sprintf("%x\r\n%s\r\n", length $part, $part);
    }
    return $out . "0\r\n\r\n";
}

# ----------------------------------------------------------- misbehave

# Misbehave instead of answering (see "misbehave" at the top).  The
# request is logged first, with "misbehave" and the status of the head
# sent, if any.  Returns true to keep the connection (html_200 only).
sub misbehave {
    my ($conn, $name, $mode, $log) = @_;
    my $ok200 = "HTTP/1.1 200 OK\r\nServer: faas-standin\r\n";
    my $json = "Content-Type: application/json\r\n";
    $log->{misbehave} = $mode;
    $log->{status} = $mode =~ /^(?:close_before_answer|stall)$/
        ? undef : 200;
    $log->{concurrent} = counter_add("$name.active", 0);
    append_log($log);

    if ($mode eq 'close_mid_headers') {
        write_all($conn, "HTTP/1.1 200 OK\r\n$json");
    } elsif ($mode eq 'close_mid_body') {
        write_all($conn, "$ok200${json}Content-Length: 1000\r\n\r\n"
            . '{"partial"');
    } elsif ($mode eq 'endless_headers') {
        my $line = "X-Pad: " . ('p' x 64) . "\r\n";
        my $deadline = time + $MISBEHAVE_LIMIT;
        my $ok = write_all($conn, $ok200);
        while ($ok && time < $deadline && getppid == $conn->{ppid}) {
            $ok = write_some($conn, $line) && pause($conn, 0.01);
        }
    } elsif ($mode eq 'endless_body') {
        my $deadline = time + $MISBEHAVE_LIMIT;
        my $ok = write_all($conn, "$ok200${json}"
            . "Content-Length: 1000000000\r\n\r\n" . '{"data":"');
        while ($ok && time < $deadline && getppid == $conn->{ppid}) {
            $ok = write_some($conn, 'x' x 256) && pause($conn, 0.02);
        }
    } elsif ($mode eq 'lying_length_short') {
        write_all($conn, "$ok200${json}Content-Length: 5\r\n\r\n"
            . '{"lie":"' . ('x' x 40) . '"}') and pause($conn, 2);
    } elsif ($mode eq 'lying_length_long') {
        write_all($conn, "$ok200${json}Content-Length: 500\r\n\r\n"
            . '{"lie":"' . ('x' x 40) . '"}')
            and pause($conn, $MISBEHAVE_LIMIT);
    } elsif ($mode eq 'bad_chunked') {
        write_all($conn, "$ok200${json}Transfer-Encoding: chunked\r\n\r\n"
            . "zz\r\n" . '{"bad":"chunk"}' . "\r\n")
            and pause($conn, 2);
    } elsif ($mode eq 'html_200') {
        my $keep = ($log->{version} // '') eq '1.1'
            && ($log->{headers}{connection} // '') !~ /\bclose\b/i;
        return write_all($conn, response(200, $HTML_PAGE, $keep, 0,
            'text/html; charset=utf-8')) && $keep;
    } elsif ($mode eq 'stall') {
        pause($conn, $MISBEHAVE_LIMIT);
    }
    # close_before_answer: nothing at all
    return 0;
}

# Write $data, waiting for the socket to take it (0.5 s at a time, so
# that a stopped stand-in is noticed); false when the peer went away.
sub write_some {
    my ($conn, $data) = @_;
    my $sel = IO::Select->new($conn->{sock});
    while (length $data) {
        until ($sel->can_write(0.5)) {
            return 0 if getppid != $conn->{ppid};
        }
        my $n = syswrite($conn->{sock}, $data);
        return 0 unless $n;
        substr($data, 0, $n, '');
    }
    return 1;
}

# Wait $secs seconds, reading (and dropping) what the peer sends; false
# as soon as the peer closes the connection (or the stand-in is gone).
sub pause {
    my ($conn, $secs) = @_;
    my $sock = $conn->{sock};
    my $sel = IO::Select->new($sock);
    my $deadline = time + $secs;
    while ((my $left = $deadline - time) > 0) {
        return 0 if getppid != $conn->{ppid};
        next unless $sock->pending
            || $sel->can_read($left < 0.2 ? $left : 0.2);
        my $n = sysread($sock, my $junk, 65536);
        return 0 unless $n;
    }
    return 1;
}

# ------------------------------------------------------------ sentinel

sub auth_answer {
    my ($ctl, $req, $log) = @_;
    my @v;
    my $acct = $ctl->{account};
    push @v, "method must be POST, not $req->{method}"
        if $req->{method} ne 'POST';
    push @v, "path must be /sentinel/api/account/$acct/app/token,"
        . " not $req->{path}"
        if $req->{path} ne "/sentinel/api/account/$acct/app/token";
    push @v, "query must be exactly v=2.0, not '$req->{query}'"
        if $req->{query} ne 'v=2.0';
    my $ct = $req->{headers}{'content-type'} // '';
    push @v, "content-type must be application/x-www-form-urlencoded,"
        . " not '$ct'"
        unless media_type($ct) eq 'application/x-www-form-urlencoded';
    push @v, "host header missing" unless defined $req->{headers}{host};

    my ($form, @fv) = parse_form($req->{body});
    push @v, @fv;
    $log->{form} = $form;
    my $basic = ($ctl->{client_auth} // 'body') eq 'basic';
    my $authz = $req->{headers}{authorization};
    if ($basic) {
        # RFC 6749 2.3.1: form-encoded id and secret, then base64
        my ($id, $secret) = defined $authz
            && $authz =~ /^Basic ([A-Za-z0-9+\/=]+)$/
            ? split(/:/, decode_base64($1), 2) : ();
        push @v, "client authentication must be HTTP Basic"
            unless defined $secret;
        $log->{basic} = { client_id => url_decode($id // ''),
                          client_secret => url_decode($secret // '') };
    } elsif (defined $authz) {
        push @v, "no Authorization header expected with body client auth";
    }
    my %want = map { $_ => 1 }
        'grant_type', $basic ? () : qw(client_id client_secret),
        defined $ctl->{scope} ? ('scope') : ();
    for my $k (sort keys %$form) {
        push @v, "unexpected form field '$k'" unless $want{$k};
    }
    for my $k (sort keys %want) {
        push @v, "form field '$k' missing" unless defined $form->{$k};
    }
    push @v, "grant_type must be client_credentials"
        if defined $form->{grant_type}
        && $form->{grant_type} ne 'client_credentials';
    push @v, "scope must be '$ctl->{scope}'"
        if defined $ctl->{scope} && defined $form->{scope}
        && $form->{scope} ne $ctl->{scope};

    $log->{violations} = \@v;
    return [400, { error => 'invalid_request',
                   error_description => join('; ', @v) }] if @v;

    # Wrong credentials are a configuration matter, not a protocol
    # violation: answered 401 but not listed in "violations".
    my $cred = $log->{basic} || $form;
    return [401, { error => 'invalid_client' }]
        if $cred->{client_id} ne $ctl->{client_id}
        || $cred->{client_secret} ne $ctl->{client_secret};

    my $a = $ctl->{auth};
    return [$a->{fail_status}, $a->{fail_body}]
        if $a->{fail} && take_failure('auth', $a->{fail});
    return [$a->{status}, $a->{body}] if defined $a->{status};

    my $now = int time;
    my $jti = counter_add('jti', 1);
    my $claims = { iss => 'standin', sub => $form->{client_id},
                   iat => $now, exp => $now + $a->{ttl}, jti => $jti };
    $log->{jti} = $jti;
    my %ans = (access_token => make_jwt($claims), token_type => 'Bearer');
    my $mode = $a->{expires_in} // 'number';
    $ans{expires_in} = $a->{ttl} + 0 if $mode eq 'number';
    $ans{expires_in} = "$a->{ttl}" if $mode eq 'string';
    return [200, \%ans];
}

sub parse_form {
    my ($body) = @_;
    my (%form, @v);
    for my $pair (split /&/, $body) {
        next if $pair eq '';
        my ($k, $val) = split /=/, $pair, 2;
        push @v, "form field '$k' has no '='" unless defined $val;
        ($k, $val) = map { url_decode($_ // '') } $k, $val;
        push @v, "form field '$k' repeated" if exists $form{$k};
        $form{$k} = $val;
    }
    return (\%form, @v);
}

sub url_decode {
    my ($s) = @_;
    $s =~ tr/+/ /;
    $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return text($s);
}

# Count a failure of server $name ("auth", "domain") against "fail: N".
# The count belongs to one version of the control file: rewriting
# control.json starts counting afresh.
sub take_failure {
    my ($name, $limit) = @_;
    my @st = Time::HiRes::stat("$STATE/control.json");
    my $sig = @st ? join(':', @st[0, 1, 7, 9]) : 'none';
    my $file = "$STATE/$name-fail.count";
    return with_lock(sub {
        my ($old, $n) = split ' ', (read_file($file) // ''), 2;
        $n = 0 unless defined $old && $old eq $sig;
        return 0 if ($n // 0) >= $limit;
        write_file($file, "$sig " . ($n + 1) . "\n");
        return 1;
    });
}

# -------------------------------------------------------------- gateway

sub gateway_answer {
    my ($ctl, $req, $log) = @_;
    my (@auth, @v);
    my $acct = $ctl->{account};
    my $h = $req->{headers};
    # V2 on a host whose name says so, as LivePerson's own client decides
    (my $host = lc($h->{host} // '')) =~ s/:\d+\z//;
    my $v2 = $host =~ /fninvocations|functions/ ? 1 : 0;
    $log->{platform} = $v2 ? 'v2' : 'v1';
    push @v, "method must be POST, not $req->{method}"
        if $req->{method} ne 'POST';
    my ($uuid, $event);
    if ($req->{path} =~ m{^/api/account/([^/]+)/lambdas/([^/]+)/invoke$}) {
        $uuid = $2;
        push @v, "account must be $acct, not $1" if $1 ne $acct;
    } elsif ($req->{path}
             =~ m{^/api/account/([^/]+)/events/([^/]+)/invoke$}) {
        $event = text($2);
        $log->{event} = $event;
        push @v, "account must be $acct, not $1" if $1 ne $acct;
    } else {
        push @v, "path must be /api/account/$acct/lambdas/{uuid}/invoke"
            . " or /api/account/$acct/events/{eventId}/invoke,"
            . " not $req->{path}";
    }
    my ($q, @qv) = parse_form($req->{query});
    push @v, @qv;
    my $source = $h->{'lp-eventsource'};
    if ($v2) {
        # V2: no v, the event source as a header, skillId when set
        push @v, "V2: unexpected query argument '$_'"
            for grep { $_ ne 'skillId' } sort keys %$q;
        push @v, "V2: LP-EventSource header missing or empty"
            unless length($source // '');
    } else {
        push @v, "query must have v=1" unless ($q->{v} // '') eq '1';
        push @v, "query must have a non-empty externalSystem"
            unless length($q->{externalSystem} // '');
        push @v, "query must have a non-empty userId"
            unless length($q->{userId} // '');
        push @v, "V1: unexpected query argument '$_'"
            for grep { !/^(?:v|externalSystem|userId|skillId)$/ }
                sort keys %$q;
        push @v, "V1: no LP-EventSource header expected"
            if defined $source;
    }
    push @v, "skillId must not be empty"
        if exists $q->{skillId} && $q->{skillId} eq '';
    push @v, "host header missing" unless defined $h->{host};
    my $ct = $h->{'content-type'} // '';
    push @v, "content-type must be application/json, not '$ct'"
        unless media_type($ct) eq 'application/json';
    my $rid = $h->{'x-request-id'};
    push @v, defined $rid
        ? "x-request-id must be 32 hex digits, not '$rid'"
        : "x-request-id missing"
        unless defined $rid && $rid =~ /^[0-9a-fA-F]{32}$/;

    my ($claims, $why) = check_bearer($h->{authorization});
    push @auth, $why if $why;
    $log->{jti} = $claims->{jti} if $claims;

    my $json = eval { $JSON->decode($req->{body}) };
    $log->{json} = $json;
    push @v, body_violations($json, $@);

    $log->{violations} = [@auth, @v];
    return [401, gw_error($v2, 'com.liveperson.faas.unauthorized',
                          join('; ', @auth))] if @auth;
    return [400, gw_error($v2, 'com.liveperson.faas.bad-request',
                          join('; ', @v))] if @v;

    my $g = $ctl->{gateway};
    # a token the gateway no longer takes: scripted, not a violation
    return [401, gw_error($v2, 'com.liveperson.faas.unauthorized',
                          "token $claims->{jti} revoked")]
        if grep { $_ == $claims->{jti} } @{ $g->{reject_jti} || [] };
    # "fail": N answers the next N valid invocations with fail_status
    # (default 429, with Retry-After: retry_after when given)
    return [$g->{fail_status} // 429, gw_error($v2,
            'com.liveperson.faas.too-many-requests', 'no instance free'),
            defined $g->{retry_after}
                ? "Retry-After: $g->{retry_after}\r\n" : '']
        if $g->{fail} && take_failure('gateway', $g->{fail});
    return [$g->{status}, $g->{body}] if defined $g->{status};
    return event_answer($event, $json, $req, $v2) if defined $event;
    my $fn = $UUID{$uuid} // \&fn_not_found;
    return $fn->($json->{payload}, $req->{body}, $v2);
}

# The error body of each generation: V1 errorCode/errorMsg, V2
# code/message.
sub gw_error {
    my ($v2, $code, $msg) = @_;
    return $v2 ? { code => $code, message => $msg }
               : { errorCode => $code, errorMsg => $msg };
}

# Invocation by event: every function of the event, answered as
# [{uuid, timestamp, result}]; a function that fails fails the event
# with its own answer.  An event without functions answers [].
sub event_answer {
    my ($event, $json, $req, $v2) = @_;
    my @out;
    for my $uuid (@{ $EVENTS{$event} || [] }) {
        my ($st, $res) = @{ $UUID{$uuid}->($json->{payload}, $req->{body},
                                           $v2) };
        return [$st, $res] if $st != 200;
        $res = eval { $JSON->decode($res) } // $res unless ref $res;
        push @out, { uuid => $uuid, timestamp => int(time * 1000),
                     result => $res };
    }
    return [200, \@out];
}

sub body_violations {
    my ($json, $err) = @_;
    if ($err) {
        (my $e = $err) =~ s/ at \S+ line \d+\.\n//;
        return "body is not JSON: $e";
    }
    return "body must be a JSON object" unless ref $json eq 'HASH';
    my @v;
    my %want = map { $_ => 1 } qw(timestamp headers payload);
    for my $k (sort keys %$json) {
        push @v, "unexpected body key '$k'" unless $want{$k};
    }
    for my $k (sort keys %want) {
        push @v, "body key '$k' missing" unless exists $json->{$k};
    }
    if (exists $json->{timestamp}) {
        my $ts = $json->{timestamp};
        if (!is_number($ts)) {
            push @v, "timestamp must be a number";
        } elsif (abs($ts - time * 1000) > 60_000) {
            push @v, "timestamp $ts is not within 60 s of now (ms)";
        }
    }
    push @v, "headers must be an array"
        if exists $json->{headers} && ref $json->{headers} ne 'ARRAY';
    return @v;
}

sub is_number {
    my ($v) = @_;
    return 0 if !defined $v || ref $v;
    my $f = B::svref_2object(\$v)->FLAGS;
    return ($f & (B::SVf_IOK | B::SVf_NOK)) && !($f & B::SVf_POK);
}

sub fn_hello {
    my ($p) = @_;
    my $name = ref $p eq 'HASH' && defined $p->{name} && !ref $p->{name}
        ? $p->{name} : 'world';
    return [200, { greeting => "Hello, $name!" }];
}

sub fn_echo { return [200, $_[1]] }     # raw body, byte for byte

# the price of the payload's "sku" (any sku costs the same)
sub fn_price {
    my ($p) = @_;
    my $sku = ref $p eq 'HASH' && defined $p->{sku} && !ref $p->{sku}
        ? $p->{sku} : '';
    return [200, { sku => $sku, price => 12.5, currency => 'EUR' }];
}

# a web page: for faas_payload request and faas_response http
sub fn_web {
    my ($p) = @_;
    my $args = ref $p eq 'HASH' && ref $p->{args} eq 'HASH' ? $p->{args} : {};
    my $hdrs = ref $p eq 'HASH' && ref $p->{headers} eq 'HASH'
        ? $p->{headers} : {};
    my $name = defined $args->{name} && !ref $args->{name}
        ? $args->{name} : 'world';
    $name =~ s/[<>&"]//g;
    my %h = (
        'Content-Type' => 'text/html; charset=utf-8',
        'Set-Cookie' => ['a=1; Path=/', 'b=2; Path=/'],
        'X-Method' => ref $p eq 'HASH' ? $p->{method} // '' : '',
    );
    # ?accel=URI: a header that would make nginx serve another location
    $h{'X-Accel-Redirect'} = $args->{accel} if defined $args->{accel};
    return [200, {
        statusCode => ($args->{status} // $hdrs->{'x-status'} // 200) + 0,
        headers => \%h,
        body => "<h1>Hello, $name!</h1>",
        isBase64Encoded => JSON::PP::false,
    }];
}

sub fn_fail {
    return [901, gw_error($_[2], 'com.liveperson.faas.handler.custom-failure',
                          'Function raised: boom')];
}

sub fn_slow {
    my ($p) = @_;
    my $n = ref $p eq 'HASH' && is_number($p->{sleep}) ? $p->{sleep} : 3;
    sleep $n;
    return [200, { slept => $n }];
}

sub fn_not_found {
    return [404, gw_error($_[2], 'com.liveperson.faas.es.lambda.not-found',
                          'lambda not found')];
}

# ----------------------------------------------------------- Domain API

sub domain_answer {
    my ($ctl, $req, $log) = @_;
    my @v;
    my $acct = $ctl->{account};
    push @v, "method must be GET, not $req->{method}"
        if $req->{method} ne 'GET';
    my ($svc, $in_path);
    if ($req->{path}
        =~ m{^/api/account/([^/]+)/service/([^/]+)/baseURI\.json$}) {
        ($in_path, $svc) = ($1, $2);
        push @v, "account must be $acct, not $1" if $1 ne $acct;
        $log->{service} = text($svc);
    } else {
        push @v, "path must be /api/account/$acct/service/{service}"
            . "/baseURI.json, not $req->{path}";
    }
    push @v, "query must be exactly version=1.0, not '$req->{query}'"
        if $req->{query} ne 'version=1.0';
    push @v, "host header missing" unless defined $req->{headers}{host};
    push @v, "a GET request has no body" if length $req->{body};

    $log->{violations} = \@v;
    return [400, { error => 'bad request', message => join('; ', @v) }]
        if @v;

    my $d = $ctl->{domain};
    return [$d->{fail_status}, $d->{fail_body}]
        if $d->{fail} && take_failure('domain', $d->{fail});
    return [$d->{status}, $d->{body}] if defined $d->{status};
    my $uri = ref $d->{services} eq 'HASH' ? $d->{services}{$svc} : undef;
    return [404, { error => 'unknown service' }] unless defined $uri;
    # the keys in the order the real Domain API sends them
    return [200, '{"service":' . $JSON->encode(text($svc))
        . ',"account":' . $JSON->encode(text($in_path))
        . ',"baseURI":' . $JSON->encode($uri) . '}'];
}

# ------------------------------------------------------------------ DNS

# Answer one datagram on the UDP socket $udp (in the parent process).
sub serve_dns {
    my ($udp) = @_;
    my $peer = $udp->recv(my $pkt, 65535);
    return unless defined $peer && length $peer;
    my $ctl = read_control();
    my %log = (server => 'dns', time => time, name => undef,
               qtype => undef, answer => undef, rcode => undef,
               violations => []);
    my $reply = dns_reply($ctl->{dns}, $pkt, \%log);
    append_log(\%log);
    $udp->send($reply, 0, $peer) if defined $reply;
}

# The answer to query $pkt, or undef for none.
sub dns_reply {
    my ($d, $pkt, $log) = @_;
    my $v = $log->{violations};
    if (length $pkt < 12) {
        push @$v, "DNS message shorter than its header";
        return undef;
    }
    my ($id, $flags, $qd) = unpack 'n3', $pkt;
    if ($flags & 0x8000) {
        push @$v, "DNS response (QR set) sent as a query";
        return undef;
    }
    # header: ID, QR, opcode and RD copied, RA, rcode; counts
    my $head = sub {
        my ($rcode, $q, $an) = @_;
        $log->{rcode} = $RCODE{$rcode};
        return pack('n6', $id, 0x8000 | ($flags & 0x7900) | 0x80 | $rcode,
            defined $q ? 1 : 0, $an // 0, 0, 0) . ($q // '');
    };
    my $opcode = ($flags >> 11) & 0xf;
    if ($opcode) {
        push @$v, "DNS opcode must be 0 (QUERY), not $opcode";
        return $head->(4);
    }
    if ($qd != 1) {
        push @$v, "DNS query must have 1 question, not $qd";
        return $head->(1);
    }
    my ($pos, @labels) = (12);
    while (1) {
        my $len = $pos < length $pkt ? ord substr($pkt, $pos++, 1) : -1;
        last if $len == 0;
        if ($len < 0 || $len > 63 || $pos + $len > length $pkt) {
            push @$v, "DNS question name malformed (or compressed)";
            return $head->(1);
        }
        push @labels, substr($pkt, $pos, $len);
        $pos += $len;
    }
    if ($pos + 4 > length $pkt) {
        push @$v, "DNS question truncated";
        return $head->(1);
    }
    my ($qtype, $qclass) = unpack 'n2', substr($pkt, $pos, 4);
    my $q = substr($pkt, 12, $pos + 4 - 12);
    my $name = lc join '.', @labels;
    $log->{name} = text($name);
    $log->{qtype} = $QTYPE{$qtype} // $qtype;
    if ($qclass != 1) {
        push @$v, "DNS class must be IN (1), not $qclass";
        return $head->(4, $q);
    }
    return undef if $d->{drop};

    my $names = ref $d->{names} eq 'HASH' ? $d->{names} : {};
    my ($addr) = map { $names->{$_} }
        grep { lc(s/\.\z//r) eq $name } sort keys %$names;
    return $head->(3, $q) unless defined $addr;
    return $head->(0, $q) unless $qtype == 1;
    my @addrs = ref $addr eq 'ARRAY' ? @$addr : ($addr);
    my $ttl = int($d->{ttl} // 1);
    my $rrs = '';
    for my $a (@addrs) {
        my $bin = defined $a && !ref $a && $a =~ /^\d+(?:\.\d+){3}$/
            ? inet_aton($a) : undef;
        unless (defined $bin) {
            warn "standin: dns.names.$name: bad address\n";
            return $head->(2, $q);
        }
        $rrs .= pack('n3Nn', 0xc00c, 1, 1, $ttl, 4) . $bin;
    }
    $log->{answer} = ref $addr eq 'ARRAY' ? [@addrs] : $addr;
    return $head->(0, $q, scalar @addrs) . $rrs;
}

# ------------------------------------------------------------------ JWT

sub make_jwt {
    my ($claims) = @_;
    my $h = encode_base64url($JSON->encode({ alg => 'HS256', typ => 'JWT' }));
    my $p = encode_base64url($JSON->encode($claims));
    my $sig = encode_base64url(hmac_sha256("$h.$p", hmac_key()));
    return "$h.$p.$sig";
}

# Returns (claims) for a good token, or (undef, reason).
sub check_bearer {
    my ($value) = @_;
    return (undef, 'authorization header missing') unless defined $value;
    return (undef, 'authorization must be "Bearer <token>"')
        unless $value =~ /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/;
    my ($h, $p, $s) = ($1, $2, $3);
    my $want = encode_base64url(hmac_sha256("$h.$p", hmac_key()));
    return (undef, 'token signature does not verify') if $s ne $want;
    my $claims = eval { $JSON->decode(decode_base64url($p)) };
    return (undef, 'token payload is not JSON') unless ref $claims eq 'HASH';
    return (undef, "token expired at $claims->{exp}")
        unless is_number($claims->{exp}) && $claims->{exp} > time;
    return ($claims);
}

# -------------------------------------------------------------- helpers

sub media_type {
    my ($ct) = @_;
    (my $t = lc $ct) =~ s/\s*;.*//s;
    $t =~ s/^\s+|\s+$//g;
    return $t;
}

# bytes -> characters (UTF-8, invalid bytes replaced) for the JSON log
sub text { return Encode::decode('UTF-8', $_[0] // '') }

sub text_hash {
    my ($h) = @_;
    return { map { $_ => text($h->{$_}) } keys %$h };
}

sub read_control {
    my %c = map { ($_ => ref $DEFAULTS{$_} eq 'HASH'
                   ? { %{ $DEFAULTS{$_} } } : $DEFAULTS{$_}) }
        keys %DEFAULTS;
    my $raw = read_file("$STATE/control.json");
    return \%c unless defined $raw && $raw =~ /\S/;
    my $u = eval { $JSON->decode($raw) };
    unless (ref $u eq 'HASH') {
        warn "standin: $STATE/control.json is not a JSON object: $@";
        return \%c;
    }
    for my $k (keys %$u) {
        if (ref $c{$k} eq 'HASH' && ref $u->{$k} eq 'HASH') {
            $c{$k}{$_} = $u->{$k}{$_} for keys %{ $u->{$k} };
        } else {
            $c{$k} = $u->{$k};
        }
    }
    return \%c;
}

sub read_file {
    my ($f) = @_;
    open my $fh, '<:raw', $f or return undef;
    local $/;
    return scalar <$fh>;
}

sub write_file {
    my ($f, $data) = @_;
    open my $fh, '>:raw', "$f.$$" or die "$f.$$: $!\n";
    print $fh $data;
    close $fh or die "$f.$$: $!\n";
    rename "$f.$$", $f or die "rename $f: $!\n";
}

sub with_lock {
    my ($code) = @_;
    open my $lk, '>>', "$STATE/state.lock" or die "state.lock: $!\n";
    flock $lk, LOCK_EX or die "flock: $!\n";
    my @r = $code->();
    close $lk;
    return wantarray ? @r : $r[0];
}

# Add $delta to the counter in STATE/$name; returns the new value.
sub counter_add {
    my ($name, $delta) = @_;
    return with_lock(sub {
        my $n = (read_file("$STATE/$name") // 0) + 0 + $delta;
        write_file("$STATE/$name", "$n\n") if $delta;
        return $n;
    });
}

sub append_log {
    my ($entry) = @_;
    my $line = $JSON->encode($entry) . "\n";
    open my $fh, '>>:raw', "$STATE/requests.log" or do {
        warn "standin: requests.log: $!\n";
        return;
    };
    flock $fh, LOCK_EX;
    syswrite $fh, $line;
    close $fh;
}
