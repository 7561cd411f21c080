# The token's life under load and faults: single flight across workers,
# refresh ahead, backoff, a dead fetcher, replay on 401, client auth.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use JSON::PP ();
use Time::HiRes qw(time sleep);

default_http_config(demo_http_config());

sub auth_count {
    return scalar grep { $_->{server} eq 'auth' } standin_requests();
}

sub lines_like {
    my ($re) = @_;
    return scalar grep { /$re/ } split /\n/, error_log_text();
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: a cold start with 500 concurrent requests over 4 workers: one token request
--- no_valgrind: it counts seconds and concurrent arrivals
--- workers: 4
--- main_config
worker_rlimit_nofile 4096;
--- http_config
# the Perl gateway stand-in serves 400 connections at most (a process
# each, an idle one kept 60 s): 4 workers x 64 stay below, the rest wait
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 64;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello {
    # 500 TLS handshakes at once are slow for the Perl gateway stand-in
    faas_connect_timeout 60s;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"auth":{"delay":1}}
--- request
POST /hello
{"name":"Crowd"}
--- parallel: 500
--- concurrency: 500
--- timeout: 90
--- response_body_json
{"greeting":"Hello, Crowd!"}
--- auth_requests: 1
--- gateway_requests: 500
--- check_eval
my @auth = grep { $_->{server} eq 'auth' } standin_requests();
is($auth[0]{concurrent}, 1, 'never two token requests at once');
--- no_error_log
[error]



=== TEST 2: steady traffic across several expiries: nobody waits after the first
--- no_valgrind: it counts seconds against token lifetimes
--- workers: 2
--- log_level: debug
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"ttl":4}}
--- check_eval
# refresh_before defaults to half of 4 s: a new token every 2 s
my $t0 = time;
my @bad;
while (time - $t0 < 10) {
    my ($s) = http_request('POST', '/hello', '{}');
    push @bad, $s if $s != 200;
    sleep 0.05;
}
is("@bad", '', 'every request answered 200 over 10 s');
is(main::lines_like(qr/faas: waiting for a token/), 1,
   'only the first request waited for a token');
my $n = main::auth_count();
ok($n >= 4 && $n <= 7, "one token request per refresh period: $n in 10 s");
my @jti = map { $_->{jti} }
    grep { $_->{server} eq 'gateway' } standin_requests();
my $up = 1;
for (1 .. $#jti) { $up = 0 if $jti[$_] < $jti[$_ - 1] }
ok($up, 'newer tokens replace older ones');
--- no_error_log
[error]



=== TEST 3: the authorization server fails: the valid token stays in use, retries back off
--- no_valgrind: it counts seconds against token lifetimes
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    refresh_before 5s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"ttl":7}}
--- check_eval
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'first request');
standin_control({ auth => { ttl => 7, fail => 1000 } });
# the token lives 7 s, refresh is due after 2 s, and fails from then on
my $t0 = time;
my @bad;
while (time - $t0 < 4.5) {
    my ($st) = http_request('POST', '/hello', '{}');
    push @bad, $st if $st != 200;
    sleep 0.05;
}
is("@bad", '', 'the still valid token served every request');
my $n = main::auth_count();
ok($n >= 3 && $n <= 6, "failed refreshes backed off: $n token requests");
is(main::lines_like(qr/\[error\].*token request failed/), $n - 1,
   'one error line per failed attempt');
# once it has expired: fail fast, no queueing
sleep 2.5;
my $t1 = time;
my ($st, $h, $body) = http_request('POST', '/hello', '{}');
ok(time - $t1 < 0.5, 'failed fast');
ok($st == 503 || $st == 502, "no token: $st");
like($body, qr/"error":"(token_unavailable|auth_error)"/, 'JSON error');
my @gw = grep { $_->{server} eq 'gateway' && $_->{status} == 401 }
    standin_requests();
is(scalar @gw, 0, 'no request went out with an expired token');



=== TEST 4: a fetching worker dies: another fetches when its claim runs out
--- no_valgrind: it counts seconds and concurrent arrivals
--- workers: 2
--- log_level: debug
--- allow_worker_kill
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    faas_token_timeout 3s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"delay":2}}
--- check_eval
# the first request starts a fetch; kill the worker that fetches
my $pid = fork // die;
if ($pid == 0) {
    http_request('POST', '/hello', '{}', [], timeout => 3);
    POSIX::_exit(0);
}
my $fetcher;
for (1 .. 50) {
    ($fetcher) = error_log_text()
        =~ /(\d+)#\d+: faas: credentials "demo": fetching a token/;
    last if $fetcher;
    sleep 0.05;
}
ok($fetcher, 'a worker fetches');
kill 'KILL', $fetcher if $fetcher;
waitpid $pid, 0;
my $t0 = time;
my @res = parallel_requests(n => 10, concurrency => 10, method => 'POST',
    uri => '/hello', body => '{}', timeout => 20);
my @st = map { $_->[0] } @res;
is("@st", join(' ', (200) x 10),
   'requests are answered once the claim ran out');
ok(time - $t0 < 12, 'within the waiting deadline');
# the dead worker's request reaches the stand-in or not, by a hair
my $n = main::auth_count();
ok($n >= 1 && $n <= 2, "one fetch after the dead worker's: $n in all");



=== TEST 5: the gateway refuses a token with 401: dropped once, requests replayed
--- workers: 2
--- config
location /echo {
    # a burst of 50 handshakes: new stand-in processes, as in t/002 #1
    faas_connect_timeout 30s;
    faas_invoke 22222222-2222-4222-8222-222222222222;
    add_header X-Upstream-Status $upstream_status always;
}
--- standin
{"gateway":{"reject_jti":[1]}}
--- request
POST /echo
{"keep":"this body"}
--- parallel: 50
--- concurrency: 50
--- response_body_json
{"timestamp":"ANY","headers":[],"payload":{"keep":"this body"}}
--- auth_requests: 2
--- check_eval
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
my @refused = grep { $_->{status} == 401 } @g;
my @ok = grep { $_->{status} == 200 } @g;
is(scalar @ok, 50, 'every request got through with the new token');
ok(!grep({ $_->{jti} != 1 } @refused), 'only token 1 was refused');
ok(!grep({ $_->{jti} != 2 } @ok), 'all replays used token 2')
    or diag(join ' ', map { $_->{jti} } @ok);
my ($s, $h) = http_request('POST', '/echo', '{}');
is($h->{'x-upstream-status'}, '200', 'later requests go straight through');



=== TEST 6: $upstream_status shows the replay; a second 401 goes to the client
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Upstream-Status $upstream_status always;
}
--- standin
{"gateway":{"reject_jti":[1,2]}}
--- request
POST /hello
{}
--- error_code: 401
--- response_headers
X-Upstream-Status: 401 : 401
--- response_body_json
{"errorCode":"com.liveperson.faas.unauthorized","errorMsg":"token 2 revoked"}
--- auth_requests: 2
--- gateway_requests: 2



=== TEST 7: client_auth basic sends RFC 6749 HTTP Basic
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    client_auth basic;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"client_auth":"basic"}
--- request
POST /hello
{}
--- response_body_json
{"greeting":"Hello, world!"}
--- auth_request_like
{"basic":{"client_id":"demo-client","client_secret":"demo-secret"},
 "form":{"grant_type":"client_credentials"}}



=== TEST 8: a token expired on arrival is a failure
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"ttl":-10,"expires_in":"none"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"the token expired on arrival"}
--- gateway_requests: 0



=== TEST 9: an absurdly large token is a failure
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin_eval
{ auth => { status => 200,
            body => '{"access_token":"' . ('a' x 20000) . '","expires_in":60}' } }
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"unusable token answer: \"access_token\" is too large"}



=== TEST 10: an empty 200 is a failure, and retried after the backoff
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"status":200,"body":""}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"unusable token answer: empty body"}
--- check_eval
standin_control(undef);
sleep 1.1;
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'the next attempt after the backoff succeeds');
is(main::auth_count(), 2, 'two token requests');



=== TEST 11: a 401 while fetches back off: one fetch at once for all, then 200s
--- no_valgrind: it counts seconds against the backoff
--- workers: 2
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    refresh_before 57s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello {
    faas_connect_timeout 30s;
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Upstream-Status $upstream_status always;
}
location = /status { faas_status; }
--- standin
{"auth":{"ttl":60}}
--- check_eval
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'token 1');
# the refresh is due after 3 s and fails: the backoff grows to 2-4 s
standin_control({ auth => { ttl => 60, fail => 1000 } });
my $backoff = 0;
my $t0 = time;
while (time - $t0 < 15) {
    my ($st, $h, $b) = http_request('GET', '/status');
    $backoff = JSON::PP->new->decode($b)->{credentials}{demo}{backoff};
    last if $backoff >= 1.5;
    sleep 0.1;
}
ok($backoff >= 1.5, "fetches back off: $backoff s to the next");
# the authorization server is back; the gateway revokes token 1
standin_control({ auth => { ttl => 60 }, gateway => { reject_jti => [1] } });
my $before = main::auth_count();
my @res = parallel_requests(n => 10, concurrency => 10, method => 'POST',
    uri => '/hello', body => '{}', timeout => 10);
is(join(' ', map { $_->[0] } @res), join(' ', (200) x 10),
   'every request is answered 200') or diag(explain(\@res));
# those sent after the new token came were not refused
my @up = map { $_->[2]{'x-upstream-status'} // '' } @res;
my $replayed = grep { $_ eq '401 : 200' } @up;
my $other = grep { !/^(?:401 : )?200$/ } @up;
ok($replayed && !$other, "refused requests were sent again: $replayed")
    or diag("@up");
is(main::auth_count() - $before, 1, 'one token request for all of them');
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @gw, 1 + 10 + $replayed, 'the gateway got the replays, no more');
my ($st, $h, $b) = http_request('GET', '/status');
is(JSON::PP->new->decode($b)->{credentials}{demo}{replays}, $replayed,
   'replays: as many as the gateway got');



=== TEST 12: replays counts the requests sent again, not those that could not be
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Upstream-Status $upstream_status always;
}
location = /status { faas_status; }
--- check_eval
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'token 1');
# token 1 is refused, and the token request for the replay fails
standin_control({ gateway => { reject_jti => [1, 2] }, auth => { fail => 1 } });
my ($st, $h, $b) = http_request('POST', '/hello', '{}');
is($st, 502, 'no new token: the refused request fails') or diag($b);
is($h->{'x-upstream-status'}, '401', 'it went to the gateway once');
# past the backoff and the 2 s between drops: token 2 refused, token 3 not
sleep 2.1;
($st, $h, $b) = http_request('POST', '/hello', '{}');
is($st, 200, 'a refused request sent again with token 3') or diag($b);
is($h->{'x-upstream-status'}, '401 : 200', 'refused, then sent again');
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @gw, 4, 'four requests at the gateway for three clients');
($st, $h, $b) = http_request('GET', '/status');
is(JSON::PP->new->decode($b)->{credentials}{demo}{replays}, scalar(@gw) - 3,
   'replays: the one request the gateway got again');
is(main::lines_like(qr/sending the request again/), 1,
   'one line for the one request sent again');
