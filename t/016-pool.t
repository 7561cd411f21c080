# The gateway pool under concurrency (issue 22): a connection released
# goes back to the pool however many others are idle; "keepalive" caps a
# worker's connections, in use and idle together; requests beyond the cap
# wait in line (queue, queue_timeout) and get 503 gateway_busy when they
# wait in vain or the line is full; an idle connection is closed after
# keepalive_timeout, one that served keepalive_requests after its last.
# The gateway stand-in logs each request's connection ("conn", "conn_seq")
# and how many requests it was serving at that moment ("concurrent");
# 55555555-... is its slow function ({"sleep": SECONDS}).  faas_status
# shows the pool's counters: they are checked against the stand-in's log.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use JSON::PP;
use POSIX ();
use Storable qw(nstore retrieve);
use Time::HiRes qw(sleep time);

my $SLOW = '55555555-5555-4555-8555-555555555555';

sub gw_invokes {
    return grep { $_->{path} =~ m{/invoke$} } standin_requests('gateway');
}

# the connections of these requests (their count in scalar context)
sub conns_of {
    my %c = map { $_->{conn} => 1 } @_;
    return wantarray ? sort keys %c : scalar keys %c;
}

# in the order the gateway began them (check_eval cannot sort: its $b is
# the harness's block)
sub by_start { return sort { $a->{time} <=> $b->{time} } @_ }

sub peak { my $m = 0; $_->{concurrent} > $m and $m = $_->{concurrent} for @_; $m }

# the "gateway" object of the credentials set NAME in faas_status's JSON
sub pool_status {
    my ($name) = @_;
    my ($st, $h, $b) = http_request('GET', '/status');
    die "status: $st" unless $st == 200;
    return decode_json($b)->{credentials}{$name // 'demo'}{gateway};
}

# N requests, the i-th sent GAP * i seconds after the first (so that
# nginx gets them in that order), each with {"sleep": SLEEP, "i": i}:
# [status, body, headers, seconds taken] in the order sent
sub staggered {
    my (%o) = @_;
    my $dir = servroot() . "/tmp/staggered-$$";
    mkdir $dir;
    my $t0 = time;
    my @kids;
    for my $i (0 .. $o{n} - 1) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            sleep $t0 + $i * $o{gap} - time if $t0 + $i * $o{gap} > time;
            my $start = time;
            my ($st, $h, $b) = http_request('POST', $o{uri} // '/slow',
                encode_json({ sleep => $o{sleep}, i => $i }),
                undef, timeout => 30);
            nstore([$st, $b, $h, time - $start], "$dir/$i");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    waitpid $_, 0 for @kids;
    my @r = map { -f "$dir/$_" ? retrieve("$dir/$_") : [0, '', {}, 0] }
        0 .. $o{n} - 1;
    unlink glob "$dir/*";
    rmdir $dir;
    return @r;
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: 100 concurrent requests, keepalive 8: at most 8 connections, a second wave opens none
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 8;
    queue_timeout 30s;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- request
POST /slow
{"sleep":0.2}
--- parallel: 100
--- concurrency: 100
--- timeout: 30
--- response_body_json
{"slept":0.2}
--- check_eval
my @first = gw_invokes();
is(scalar @first, 100, 'the gateway got the 100 requests');
my @conns = conns_of(@first);
my $peak = peak(@first);
ok(@conns <= 8, "at most 8 connections (" . @conns . ")");
ok(@conns <= $peak, "no more connections than requests at once at the gateway (" . @conns . " <= $peak)");
my $gw = pool_status();
is($gw->{connections}{opened}, scalar @conns, 'status: connections opened');
is($gw->{connections}{idle}, scalar @conns, 'status: all idle now');
is($gw->{connections}{in_use}, 0, 'status: none in use');
is($gw->{requests}, 100, 'status: 100 requests');
is($gw->{reused}, 100 - @conns, 'status: the others on kept connections');
ok($gw->{queue}{waits} >= 100 - 8, "status: at least 92 waited ($gw->{queue}{waits})");
is($gw->{queue}{length}, 0, 'status: nobody waits now');
is($gw->{queue}{timeouts} + $gw->{queue}{rejected}, 0, 'status: nobody was refused');

clear_standin_requests();
my @again = parallel_requests(n => 100, concurrency => 100, method => 'POST',
    uri => '/slow', body => '{"sleep":0.2}', timeout => 30);
is(scalar(grep { $_->[0] == 200 } @again), 100, 'second wave: 100 answers');
my %old = map { $_ => 1 } @conns;
my @new = grep { !$old{$_} } conns_of(gw_invokes());
is(scalar @new, 0, 'second wave: no new connection');
is(pool_status()->{connections}{opened}, scalar @conns, 'status: none opened');



=== TEST 2: the default: every request in flight has its own connection, none closed on release
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- request
POST /slow
{"sleep":0.5}
--- parallel: 40
--- concurrency: 40
--- timeout: 30
--- response_body_json
{"slept":0.5}
--- check_eval
my @first = gw_invokes();
my @conns = conns_of(@first);
my $peak = peak(@first);
ok(@conns <= $peak, "no more connections than requests at once (" . @conns . " <= $peak)");
my $gw = pool_status();
is($gw->{max_conns}, 1024, 'status: the cap is 1024');
is($gw->{queue}{waits}, 0, 'status: nobody waited');
is($gw->{connections}{idle}, scalar @conns, 'status: all kept');
is($gw->{connections}{closed}{cap} + $gw->{connections}{closed}{other}, 0,
   'status: none closed');
clear_standin_requests();
my @again = parallel_requests(n => 40, concurrency => 40, method => 'POST',
    uri => '/slow', body => '{"sleep":0.5}', timeout => 30);
is(scalar(grep { $_->[0] == 200 } @again), 40, 'second wave: 40 answers');
my %old = map { $_ => 1 } @conns;
my @new = grep { !$old{$_} } conns_of(gw_invokes());
ok(@new <= 40 - @conns, 'second wave: only what the first did not need ('
   . scalar(@new) . ' new, ' . scalar(@conns) . ' kept)');



=== TEST 3: keepalive 2: ten slow requests, at most 2 at the gateway at once, served in the order they came
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 2;
    queue_timeout 30s;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- check_eval
http_request('POST', '/slow', '{"sleep":0}');      # the token, beforehand
clear_standin_requests();
my @r = staggered(n => 10, gap => 0.05, sleep => 0.4);
is(scalar(grep { $_->[0] == 200 } @r), 10, 'ten answers 200');
my @gw = by_start(gw_invokes());
is(scalar @gw, 10, 'the gateway got ten');
ok(peak(@gw) <= 2, 'at most 2 at once at the gateway (' . peak(@gw) . ')');
ok(conns_of(@gw) <= 2, 'on at most 2 connections (' . conns_of(@gw) . ')');
is_deeply([map { $_->{json}{payload}{i} } @gw], [0 .. 9],
          'the gateway got them in the order nginx did');
my $gw = pool_status();
is($gw->{queue}{waits}, 8, 'status: eight waited');
is($gw->{connections}{opened}, 2, 'status: two connections opened');



=== TEST 4: waiting in vain: 503 gateway_busy with Retry-After after queue_timeout, no connection opened
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 1;
    queue_timeout 1s;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- check_eval
http_request('POST', '/slow', '{"sleep":0}');
clear_standin_requests();
my @r = staggered(n => 3, gap => 0.1, sleep => 2.5);
is($r[0][0], 200, 'the first is served');
for my $i (1, 2) {
    is($r[$i][0], 503, "request $i: 503");
    my $e = eval { decode_json($r[$i][1]) } // {};
    is($e->{error}, 'gateway_busy', "request $i: gateway_busy");
    like($e->{message} // '', qr/connections to the gateway are in use/,
         "request $i: says why");
    is($r[$i][2]{'retry-after'}, '1', "request $i: Retry-After: 1");
    is($r[$i][2]{'content-type'}, 'application/json', "request $i: JSON");
    ok($r[$i][3] >= 0.9 && $r[$i][3] < 2.3,
       "request $i: after about 1 s (" . sprintf('%.2f', $r[$i][3]) . ')');
}
is(scalar(gw_invokes()), 1, 'the gateway got only the first');
my $gw = pool_status();
is($gw->{queue}{timeouts}, 2, 'status: two timeouts');
is($gw->{connections}{opened}, 1, 'status: one connection');
--- error_log
no gateway connection came free in time



=== TEST 5: without queue_timeout, a request waits as long as faas_connect_timeout
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_connect_timeout 1s;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
--- check_eval
http_request('POST', '/slow', '{"sleep":0}');
my @r = staggered(n => 2, gap => 0.1, sleep => 2.5);
is($r[0][0], 200, 'the first is served');
is($r[1][0], 503, 'the second: 503');
ok($r[1][3] >= 0.9 && $r[1][3] < 2.3,
   'after about 1 s (' . sprintf('%.2f', $r[1][3]) . ')');



=== TEST 6: the line full: refused at once, the one in line served
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 1;
    queue 1;
    queue_timeout 30s;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- check_eval
http_request('POST', '/slow', '{"sleep":0}');
clear_standin_requests();
my @r = staggered(n => 3, gap => 0.2, sleep => 1);
is($r[0][0], 200, 'the first is served');
is($r[1][0], 200, 'the second waits and is served');
is($r[2][0], 503, 'the third: 503');
like($r[2][1], qr/"error":"gateway_busy"/, 'gateway_busy');
ok($r[2][3] < 0.5, 'at once (' . sprintf('%.2f', $r[2][3]) . ')');
is(scalar(gw_invokes()), 2, 'the gateway got two');
my $gw = pool_status();
is($gw->{queue}{rejected}, 1, 'status: one refused');
is($gw->{queue}{waits}, 1, 'status: one waited');
is($gw->{connections}{opened}, 1, 'status: one connection');
--- error_log
all 1 connections to the gateway are in use and 1 requests wait



=== TEST 7: keepalive_timeout: idle connections are closed, however many the pool had
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive_timeout 1s;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- request
POST /slow
{"sleep":0.5}
--- parallel: 5
--- concurrency: 5
--- check_eval
my @first = conns_of(gw_invokes());
my $gw = pool_status();
is($gw->{connections}{idle}, scalar @first, 'status: all kept at first');
sleep 2;
$gw = pool_status();
is($gw->{connections}{idle}, 0, 'status: none idle after 2 s');
is($gw->{connections}{closed}{idle}, scalar @first, 'status: all closed for idleness');
clear_standin_requests();
my ($st) = http_request('POST', '/slow', '{"sleep":0}');
is($st, 200, 'a request after that');
my %old = map { $_ => 1 } @first;
my ($g) = gw_invokes();
ok(!$old{$g->{conn}}, 'goes on a new connection');
is($g->{conn_seq}, 1, 'its first request');



=== TEST 8: keepalive_requests: a connection is closed after serving them
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive_requests 3;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{"name":"Ada"}
--- repeat: 7
--- response_body_json
{"greeting":"Hello, Ada!"}
--- check_eval
my @gw = gw_invokes();
is(scalar(conns_of(@gw)), 3, 'seven requests, three connections');
is_deeply([map { $_->{conn_seq} } @gw], [1, 2, 3, 1, 2, 3, 1], 'three on each');
my $gw = pool_status();
is($gw->{connections}{closed}{requests}, 2, 'status: two closed after 3 requests');
is($gw->{connections}{opened}, 3, 'status: three opened');
is($gw->{reused}, 4, 'status: four requests on kept connections');
is($gw->{connections}{idle}, 1, 'status: one kept');



=== TEST 9: new connections resume the TLS session: counted as the gateway saw it
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 0;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{"name":"Ada"}
--- repeat: 4
--- response_body_json
{"greeting":"Hello, Ada!"}
--- check_eval
my @gw = gw_invokes();
my $resumed = grep { $_->{resumed} } @gw;
ok($resumed >= 3, "the gateway saw $resumed of 4 resumed");
my $gw = pool_status();
is($gw->{tls}{handshakes}, 4, 'status: four handshakes');
is($gw->{tls}{resumed}, $resumed, 'status: as many resumed as the gateway saw');
is($gw->{connections}{closed}{other}, 4, 'status: keepalive 0 closes each');
is($gw->{max_conns}, 0, 'status: keepalive 0: no cap');



=== TEST 10: the counters in the Prometheus format
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 4;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{"name":"Ada"}
--- repeat: 3
--- check_eval
my ($st, $h, $b) = http_request('GET', '/status?format=prometheus');
is($st, 200, 'status 200');
my %want = (
    'faas_gateway_connections_opened_total{credentials="demo"}' => 1,
    'faas_gateway_connections{credentials="demo",state="in_use"}' => 0,
    'faas_gateway_connections{credentials="demo",state="idle"}' => 1,
    'faas_gateway_connections_closed_total{credentials="demo",reason="idle"}' => 0,
    'faas_gateway_connections_closed_total{credentials="demo",reason="requests"}' => 0,
    'faas_gateway_connections_closed_total{credentials="demo",reason="cap"}' => 0,
    'faas_gateway_connections_closed_total{credentials="demo",reason="error"}' => 0,
    'faas_gateway_connections_closed_total{credentials="demo",reason="gateway"}' => 0,
    'faas_gateway_connections_closed_total{credentials="demo",reason="other"}' => 0,
    'faas_gateway_requests_total{credentials="demo"}' => 3,
    'faas_gateway_requests_reused_total{credentials="demo"}' => 2,
    'faas_gateway_tls_handshakes_total{credentials="demo"}' => 1,
    'faas_gateway_tls_resumed_total{credentials="demo"}' => 0,
    'faas_gateway_queue_length{credentials="demo"}' => 0,
    'faas_gateway_queue_waits_total{credentials="demo"}' => 0,
    'faas_gateway_queue_timeouts_total{credentials="demo"}' => 0,
    'faas_gateway_queue_rejected_total{credentials="demo"}' => 0,
    'faas_gateway_max_conns{credentials="demo"}' => 4,
);
my %got = map { /^(\S+) (\S+)$/ ? ($1 => $2) : () } grep { /^faas_gateway_/ } split /\n/, $b;
is_deeply(\%got, \%want, 'every sample, with its value');
for my $f (qw(faas_gateway_connections_opened_total faas_gateway_connections
              faas_gateway_queue_length faas_gateway_max_conns)) {
    like($b, qr/^# TYPE $f (counter|gauge)$/m, "$f has its TYPE");
}



=== TEST 11: two workers: the counters are the whole nginx's
--- workers: 2
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- request
POST /slow
{"sleep":0.3}
--- parallel: 20
--- concurrency: 20
--- check_eval
my @conns = conns_of(gw_invokes());
for (1 .. 4) {
    my $gw = pool_status();
    is($gw->{connections}{opened}, scalar @conns, 'opened: the gateway\'s count');
    is($gw->{requests}, 20, 'requests: 20');
}



=== TEST 12: an upstream{} block named by gateway keeps nginx's rules: no cap, no queue
--- http_config
upstream gw.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 1;
}
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://gw.faas.test;
    keepalive 1;
    queue 0;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- request
POST /slow
{"sleep":0.5}
--- parallel: 4
--- concurrency: 4
--- response_body_json
{"slept":0.5}
--- check_eval
ok(peak(gw_invokes()) >= 2, 'more than one at once at the gateway');
my $gw = pool_status();
is($gw->{pool}, JSON::PP::false, 'status: not the module\'s pool');



=== TEST 13: keepalive, queue and queue_timeout refuse what is not a number or a time
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    queue_timeout 0;
}
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"queue_timeout" of "faas_credentials" "demo"



=== TEST 14: faas_ssl_conf_command reaches the gateway's TLS (and the http level's the token's); a kept connection serves only its location's TLS settings
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_ssl_conf_command Groups P-256:X25519;
--- config
location /hello {
    faas_ssl_conf_command MaxProtocol TLSv1.2;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
location /other { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name":"Ada"}
--- response_body_json
{"greeting":"Hello, Ada!"}
--- gateway_request_like
{"path":"qr/invoke$/","tls":"TLSv1.2"}
--- auth_request_like
{"tls":"TLSv1.3"}
--- check_eval
my ($st) = http_request('POST', '/other', '{"name":"Bo"}');
is($st, 200, 'a location without its own commands');
my ($g) = grep { $_->{json}{payload}{name} eq 'Bo' } gw_invokes();
is($g->{tls}, 'TLSv1.3', 'gets the http level\'s: TLS 1.3, not the TLS 1.2 connection kept');



=== TEST 15: a command OpenSSL does not take fails nginx -t
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello {
    faas_ssl_conf_command NoSuchCommand on;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- config_error
SSL_CONF_cmd("NoSuchCommand", "on") failed
"faas_ssl_conf_command": not accepted
