# Shutdown and clients that went away: a fetch in flight does not keep a
# worker past worker_shutdown_timeout, a fetch of no request keeps none,
# and a request waiting for a token ends when its client closes.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Storable qw(nstore retrieve);
use Time::HiRes qw(time sleep);

# a second port for the HTTP/2 block (h2c, prior knowledge)
BEGIN {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
        Proto => 'tcp', Listen => 1) or die "no free port: $@";
    $ENV{TEST_NGINX_H2_PORT} = $s->sockport;
    close $s;
}

default_http_config(demo_http_config() . <<'EOF');
log_format timed '$status $request_time $server_protocol';
EOF

my $BG = 0;

# requests sent from a child process while the test goes on;
# collect() waits for them and returns [status, body, headers] each
sub background {
    my (%o) = @_;
    my $file = servroot() . '/tmp/background-' . $BG++;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my @r = parallel_requests(method => 'POST', uri => '/hello',
            body => '{}', %o);
        nstore(\@r, $file);
        POSIX::_exit(0);
    }
    return [$pid, $file];
}

sub collect {
    my ($bg) = @_;
    waitpid $bg->[0], 0;
    return -f $bg->[1] ? @{ retrieve($bg->[1]) } : ();
}

sub count {
    my ($server) = @_;
    return scalar grep { $_->{server} eq $server } standin_requests();
}

# true once $cond is, false after $secs
sub wait_for {
    my ($secs, $cond) = @_;
    my $deadline = time + $secs;
    until ($cond->()) {
        return 0 if time > $deadline;
        sleep 0.05;
    }
    return 1;
}

# sockets of nginx on $port whose client has closed (CLOSE-WAIT)
sub close_wait {
    my ($port) = @_;
    my $n = 0;
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $f or next;
        while (<$fh>) {
            my ($local, $state) = (split ' ')[1, 3];
            next unless defined $state && $local =~ /:([0-9A-F]{4})$/;
            $n++ if hex($1) == $port && $state eq '08';
        }
        close $fh;
    }
    return $n;
}

# a waiting request got the documented error, or its connection closed
sub ended_ok {
    my ($r) = @_;
    return 1 if $r->[0] == 0;
    my $j = eval { JSON::PP->new->decode($r->[1]) } or return 0;
    return $r->[0] == 504 && $j->{error} eq 'auth_timeout';
}

# what the access log of the block (format "timed") says
sub timed_log {
    open my $fh, '<', servroot() . '/logs/timed.log' or return ();
    my @l = map { [split ' '] } <$fh>;
    close $fh;
    return @l;
}

# HTTP/2 without TLS (prior knowledge): POST {} to /hello on streams 1,
# 3, 5 ... of one connection; returns the socket.  Header fields go as
# literals without indexing (RFC 7541 6.2.2), no Huffman coding.
sub h2_frame {
    my ($type, $flags, $id, $payload) = @_;
    return substr(pack('N', length $payload), 1)
        . pack('CCN', $type, $flags, $id) . $payload;
}

sub h2_posts {
    my ($port, $n) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp') or die "connect: $@";
    my $frame = \&h2_frame;
    my $block = join '', map { pack('CC/a*C/a*', 0, @$_) }
        [':method', 'POST'], [':scheme', 'http'], [':path', '/hello'],
        [':authority', "127.0.0.1:$port"], ['content-length', '2'];
    my $out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" . $frame->(4, 0, 0, '');
    for my $i (0 .. $n - 1) {
        my $id = 2 * $i + 1;
        $out .= $frame->(1, 0x4, $id, $block) . $frame->(0, 0x1, $id, '{}');
    }
    syswrite($s, $out) == length $out or die "write: $!";
    return $s;
}

# nginx keeps the log open: empty it, do not remove it
sub clear_timed_log {
    open my $fh, '>', servroot() . '/logs/timed.log' or return;
    close $fh;
}

# the lines of the error log that show trouble at exit
sub exit_trouble {
    return grep { /\[alert\]|\[crit\]|exited on signal|open socket/ }
        split /\n/, error_log_text();
}

sub new_workers {
    my (@old) = @_;
    my %old = map { $_ => 1 } @old;
    my @new;
    wait_for(10, sub { @new = grep { !$old{$_} } worker_pids(); @new });
    return @new;
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: nginx -s quit while requests wait for a token: the worker goes at worker_shutdown_timeout
--- no_valgrind: it counts seconds
--- main_config
worker_shutdown_timeout 3s;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"misbehave":"stall"}}
--- check_eval
my $bg = main::background(n => 5, timeout => 30);
ok(main::wait_for(5, sub { main::count('auth') == 1 }), 'a token fetch hangs');
sleep 0.5;
my $t0 = time;
my $quit = stop_nginx();
my $took = time - $t0;
ok($quit, 'nginx stopped on QUIT');
# faas_token_timeout is 10 s: it does not decide
ok($took > 2.5 && $took < 4.5, "quit took $took s with worker_shutdown_timeout 3s");
my @res = main::collect($bg);
is(scalar @res, 5, 'five requests waited');
is(scalar(grep { !main::ended_ok($_) } @res), 0,
   'each got 504 auth_timeout or its connection closed')
    or diag(explain(\@res));
is(join("\n", main::exit_trouble()), '', 'no alert, no crash at exit');
like(error_log_text(), qr/token request ended: the worker is shutting down/,
     'the fetch ended for the shutdown');
is(main::count('gateway'), 0, 'nothing went to the gateway');
restart_nginx();



=== TEST 2: a reload while the old worker's fetch hangs: the new worker fetches once it is let go
--- no_valgrind: it counts seconds
--- main_config
worker_shutdown_timeout 3s;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"misbehave":"stall"}}
--- check_eval
my $bg = main::background(n => 3, timeout => 30);
ok(main::wait_for(5, sub { main::count('auth') == 1 }), 'a token fetch hangs');
sleep 0.3;
standin_control({});
my @old = worker_pids();
my $t0 = time;
kill 'HUP', nginx_pid();
ok(main::new_workers(@old), 'a new worker');
# until then, the old worker may still take the request
ok(main::wait_for(5, sub { error_log_text() =~ /gracefully shutting down/ }),
   'the old worker stops accepting');
my ($s, $h, $b) = http_request('POST', '/hello', '{}', [], timeout => 20);
my $took = time - $t0;
is($s, 200, 'the new worker got a token') or diag($b);
# the old claim runs out only after faas_token_timeout + 1 s
ok($took < 4.5, "$took s after the reload");
ok(main::wait_for(2, sub { !grep { kill 0, $_ } @old }),
   'the old worker is gone');
my @res = main::collect($bg);
is(scalar(grep { !main::ended_ok($_) } @res), 0,
   'the old waiters got 504 auth_timeout or their connection closed')
    or diag(explain(\@res));
is(main::count('auth'), 2, 'one token request in each generation');
--- no_error_log
[alert]
[crit]



=== TEST 3: a refresh ahead in flight keeps no worker, and its claim goes with it
--- no_valgrind: it counts seconds
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    refresh_before 59s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- standin
{"auth":{"ttl":60}}
--- check_eval
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'a token');
standin_control({ auth => { ttl => 60, misbehave => 'stall' } });
# refresh_before 59s of 60: the refresh is due after a second
ok(main::wait_for(5, sub { main::count('auth') == 2 }), 'the refresh hangs');
sleep 0.2;
my @old = worker_pids();
kill 'HUP', nginx_pid();
ok(main::new_workers(@old), 'a new worker');
ok(main::wait_for(1.5, sub { !grep { kill 0, $_ } @old }),
   'the old worker is gone at once');
my ($st, $h, $b) = http_request('GET', '/status');
my $j = JSON::PP->new->decode($b);
is($j->{credentials}{demo}{token}{state}, 'valid',
   'no claim is left: the token is valid, not refreshing');
--- no_error_log
[alert]
[crit]



=== TEST 4: nginx -s quit while requests wait for a Domain API answer
--- no_valgrind: it counts seconds
--- main_config
worker_shutdown_timeout 3s;
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    domain_api https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"misbehave":"stall"}}
--- check_eval
my $bg = main::background(n => 3, timeout => 30);
ok(main::wait_for(5, sub { main::count('domain') == 1 }), 'a lookup hangs');
sleep 0.5;
my $t0 = time;
my $quit = stop_nginx();
my $took = time - $t0;
ok($quit, 'nginx stopped on QUIT');
ok($took > 2.5 && $took < 4.5, "quit took $took s with worker_shutdown_timeout 3s");
my @res = main::collect($bg);
is(scalar(grep { !main::ended_ok($_) } @res), 0,
   'each got 504 auth_timeout or its connection closed')
    or diag(explain(\@res));
is(join("\n", main::exit_trouble()), '', 'no alert, no crash at exit');
restart_nginx();



=== TEST 5: clients that close while waiting for a token: closed at once, nothing sent for them
--- no_valgrind: it counts seconds
--- config
location /hello {
    access_log logs/timed.log timed;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"auth":{"delay":4}}
--- check_eval
main::clear_timed_log();
my $t0 = time;
my $stay = main::background(n => 1, timeout => 20);
sleep 0.2;
# 100 clients give up after 0.3 s
my @gone = parallel_requests(n => 100, concurrency => 100, method => 'POST',
    uri => '/hello', body => '{}', timeout => 0.3);
is(scalar(grep { $_->[0] != 0 } @gone), 0, 'no answer within 0.3 s');
sleep 0.5;
ok(time - $t0 < 3, 'the token is still on its way');
is(main::close_wait(server_port()), 0, 'nginx closed their sockets');
my @l = main::timed_log();
is(scalar(grep { $_->[0] eq '499' && $_->[1] < 1.5 } @l), 100,
   '100 requests logged 499 in less than 1.5 s');
my ($st) = map { $_->[0] } main::collect($stay);
is($st, 200, 'the client that stayed got its answer');
is(main::count('gateway'), 1, 'the gateway got its request only');
is(main::count('auth'), 1, 'one token request');
--- no_error_log
to upstream



=== TEST 6: HTTP/2 streams whose client went away while waiting for a token
--- no_valgrind: it counts seconds
--- config
listen 127.0.0.1:$TEST_NGINX_H2_PORT http2;
location /hello {
    access_log logs/timed.log timed;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"auth":{"delay":3}}
--- check_eval
main::clear_timed_log();
my $t0 = time;
# ten streams on one connection: the first reset after 0.3 s (CANCEL),
# the connection closed after 0.6 s
my $h2 = main::h2_posts($ENV{TEST_NGINX_H2_PORT}, 10);
sleep 0.3;
syswrite($h2, main::h2_frame(3, 0, 1, pack('N', 8)));
sleep 0.3;
my @l = main::timed_log();
is(scalar(grep { $_->[0] eq '499' } @l), 1, 'the reset stream logged 499');
close $h2;
sleep 0.5;
ok(time - $t0 < 2.5, 'the token is still on its way');
@l = main::timed_log();
is(scalar(grep { $_->[0] eq '499' && $_->[1] < 1.5 && $_->[2] eq 'HTTP/2.0' }
          @l), 10, '10 streams logged 499 in less than 1.5 s')
    or diag(explain(\@l));
ok(main::wait_for(5, sub { main::count('auth') == 1 }), 'the token came');
sleep 0.5;
is(main::count('gateway'), 0, 'nothing went to the gateway for them');
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'the next request is served');
--- no_error_log
to upstream
