# faas_cache: answers of functions in nginx's own cache (faas_cache_path
# as proxy_cache_path), one invocation for a burst of identical misses
# with faas_cache_lock, stale answers while the platform is busy or down,
# background updates; and the retries of faas_next_upstream, a 429 after
# its Retry-After.  $upstream_cache_status says what the cache did.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(time sleep);
use JSON::PP;

default_http_config(demo_http_config() . <<'EOF');
faas_cache_path $TEST_NGINX_SERVROOT/cache keys_zone=fc:1m;
log_format cache '$uri $status $upstream_cache_status "$upstream_status" $faas_tries';
EOF

sub cache_log {
    my $f = servroot() . '/logs/cache.log';
    for (1 .. 30) {
        last if -s $f;
        sleep 0.1;
    }
    return split /\n/, FaasTest::read_file($f) // '';
}

sub invokes {
    return scalar grep { $_->{path} =~ m{/invoke$} } standin_requests('gateway');
}

run_tests();

__DATA__

=== TEST 1: a GET is answered from the cache the second time, with the same status, headers and body; the gateway is asked once
--- config
access_log $TEST_NGINX_SERVROOT/logs/cache.log cache;
location /hello {
    faas_cache fc;
    faas_cache_valid 200 1m;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- request
GET /hello
--- repeat: 3
--- response_headers
Content-Type: application/json
Content-Length: 28
--- response_body_json
{"greeting":"Hello, world!"}
--- gateway_requests: 1
--- check_eval
is(join(',', map { $_->[2]{'x-cache'} } @responses), 'MISS,HIT,HIT',
   'MISS, then HIT');



=== TEST 2: faas_response http: the function's status, headers and body come from the cache as they came from the function; its Set-Cookie answer is not stored
--- config
location /page {
    faas_cache fc;
    faas_cache_valid 200 201 1m;
    faas_payload request;
    faas_response http;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
location /fixed {
    faas_cache fc;
    faas_cache_valid 200 201 1m;
    faas_response http;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 44444444-4444-4444-8444-444444444444 credentials=demo;
}
--- standin
{"gateway":{"status":200,"body":{"statusCode":201,
  "headers":{"Content-Type":"text/html","X-Kind":"page"},
  "body":"<p>cached</p>"}}}
--- request
GET /fixed
--- repeat: 2
--- error_code: 201
--- response_headers
Content-Type: text/html
X-Kind: page
--- response_body: <p>cached</p>
--- check_eval
is(join(',', map { $_->[2]{'x-cache'} } @responses), 'MISS,HIT', 'MISS, then HIT');
standin_control(undef);
clear_standin_requests();
my @c;
for (1 .. 2) {
    my ($s, $h, $b) = http_request('GET', '/page?name=Ada');
    push @c, $h->{'x-cache'};
}
is("@c", 'MISS MISS', 'an answer with Set-Cookie is not stored');
is(main::invokes(), 2, 'both went to the gateway');



=== TEST 3: 200 identical GETs on a cold cache with faas_cache_lock: one invocation
--- config
location /slow {
    faas_cache fc;
    faas_cache_valid 200 1m;
    faas_cache_lock on;
    faas_cache_lock_timeout 10s;
    faas_invoke 55555555-5555-4555-8555-555555555555 credentials=demo;
}
--- request
GET /slow
--- parallel: 200
--- concurrency: 200
--- timeout: 30
--- response_body_json
{"slept":3}
--- gateway_requests: 1



=== TEST 4: the gateway answers 429, then 502, then times out: the stale answer each time, with faas_cache_use_stale
--- config
faas_read_timeout 1s;
location /stale {
    faas_cache fc;
    faas_cache_valid 200 1s;
    faas_cache_use_stale error timeout http_429 http_502;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- request
GET /stale
--- response_body_json
{"greeting":"Hello, world!"}
--- check_eval
sleep 2.2;   # an entry valid 1 s is old in the second after the next
my @seen;
for my $bad ({ fail => 5, fail_status => 429 }, { status => 502, body => {} },
             { misbehave => 'stall' })
{
    standin_control({ gateway => $bad });
    my $t0 = time;
    my ($s, $h, $b) = http_request('GET', '/stale', undef, undef, timeout => 5);
    push @seen, "$s $h->{'x-cache'}";
    like($b, qr/Hello, world/, 'the stale body');
}
is("@seen", '200 STALE 200 STALE 200 STALE', 'stale after 429, 502 and a timeout');



=== TEST 5: faas_cache_background_update: an expired answer goes out at once while the function runs in the background
--- config
location /update {
    faas_cache fc;
    faas_cache_valid 200 2s;
    faas_cache_use_stale updating;
    faas_cache_background_update on;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 55555555-5555-4555-8555-555555555555 credentials=demo;
}
--- request
GET /update
--- timeout: 10
--- response_body_json
{"slept":3}
--- check_eval
sleep 3.2;   # an entry valid 2 s is old by then
# the answer is complete when its Content-Length is in: the connection
# itself stays until the update is done
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
    PeerPort => server_port(), Proto => 'tcp') or die "connect: $!";
my $t0 = time;
print $s "GET /update HTTP/1.1\r\nHost: localhost\r\n\r\n";
my $got = '';
until ($got =~ /\r\n\r\n/ && $got =~ /Content-Length: (\d+)/
       && length($got) >= index($got, "\r\n\r\n") + 4 + $1)
{
    sysread($s, my $c, 4096) or last;
    $got .= $c;
}
my $took = time - $t0;
like($got, qr/X-Cache: STALE/, 'the expired answer, stale');
cmp_ok($took, '<', 1, "at once ($took s), not after the 3 s function");
close $s;
sleep 3.3;
is(main::invokes(), 2, 'the background update asked the gateway');
my (undef, $h) = http_request('GET', '/update');
is($h->{'x-cache'}, 'HIT', 'and stored its answer');



=== TEST 6: answers the function marks private or no-store are not stored; a function error (901) is not stored either
--- config
location /private {
    faas_cache fc;
    faas_cache_valid any 1m;
    faas_response http;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 44444444-4444-4444-8444-444444444444 credentials=demo;
}
location /fail {
    faas_cache fc;
    faas_cache_valid 200 1m;
    add_header X-Cache $upstream_cache_status always;
    faas_invoke 99999999-9999-4999-8999-999999999999 credentials=demo;
}
--- standin
{"gateway":{"status":200,"body":{"statusCode":200,
  "headers":{"Cache-Control":"private"},"body":"mine"}}}
--- request
GET /private
--- repeat: 2
--- response_body: mine
--- gateway_requests: 2
--- check_eval
is(join(',', map { $_->[2]{'x-cache'} } @responses), 'MISS,MISS', 'private: MISS twice');
standin_control(undef);
clear_standin_requests();
for (1 .. 2) {
    my ($s) = http_request('GET', '/fail');
    is($s, 502, 'a function error: 502');
}
is(main::invokes(), 2, 'not stored');



=== TEST 7: the cache is kept over a reload and a restart, as nginx's
--- config
location /kept {
    faas_cache fc;
    faas_cache_valid 200 1m;
    add_header X-Cache $upstream_cache_status;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- request
GET /kept
--- response_body_json
{"greeting":"Hello, world!"}
--- check_eval
ok(reload_nginx(), 'reloaded');
my ($s, $h) = http_request('GET', '/kept');
is($h->{'x-cache'}, 'HIT', 'a hit after the reload');
restart_nginx();
($s, $h) = http_request('GET', '/kept');
is($h->{'x-cache'}, 'HIT', 'a hit after a restart');
is(main::invokes(), 1, 'the gateway was asked once');



=== TEST 8: the default key holds the body's SHA-256: different bodies are different entries; $faas_body_digest gives it
--- config
location /echo {
    faas_cache fc;
    faas_cache_methods POST;
    faas_cache_valid 200 1m;
    add_header X-Cache $upstream_cache_status;
    add_header X-Digest $faas_body_digest;
    faas_invoke 22222222-2222-4222-8222-222222222222 credentials=demo;
}
--- check_eval
my @c;
for my $b ('{"a":1}', '{"a":2}', '{"a":1}') {
    my ($s, $h, $body) = http_request('POST', '/echo', $b);
    push @c, $h->{'x-cache'};
    is($h->{'x-digest'}, sha256_hex($b), "\$faas_body_digest of $b");
    like($body, qr/"payload":\Q$b\E\}$/, 'its own answer');
}
is("@c", 'MISS MISS HIT', 'one entry per body');
is(main::invokes(), 2, 'two invocations');



=== TEST 9: faas_next_upstream http_429: the request again after the gateway's Retry-After, at most faas_retry_max_delay
--- config
access_log $TEST_NGINX_SERVROOT/logs/cache.log cache;
location /retry {
    faas_next_upstream error timeout http_429;
    faas_retry_max_delay 1500ms;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"fail":1,"retry_after":1}}
--- check_eval
my $t0 = time;
my ($s, $h, $b) = http_request('GET', '/retry');
my $took = time - $t0;
is($s, 200, 'the second try answers');
# under valgrind the request's own work takes part of a second more
my $most = $ENV{FAAS_VALGRIND} ? 3 : 1.5;
ok($took >= 0.95 && $took < $most, "after Retry-After: 1 ($took s)");
is(main::invokes(), 2, 'two invocations');
standin_control({ gateway => { fail => 3, retry_after => 30 } });
$t0 = time;
($s, $h, $b) = http_request('GET', '/retry');
$took = time - $t0;
is($s, 429, 'still 429 after the last try: the client gets it');
ok($took >= 1.4 && $took < 2.2, "waited faas_retry_max_delay, not 30 s ($took s)");
my @l = main::cache_log();
like($l[-1], qr/"429 : 429" 2$/, '$upstream_status and $faas_tries');
($s) = http_request('POST', '/retry', '{}');
is($s, 429, 'a POST is not tried again without non_idempotent');



=== TEST 10: a POST is tried on the next server only with non_idempotent
--- http_config
upstream two.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT max_fails=0;
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT max_fails=0;
}
faas_credentials two {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://two.faas.test;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /post {
    faas_next_upstream error timeout;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
location /post-any {
    faas_next_upstream error timeout non_idempotent;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
location /get-default {
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"gateway":{"misbehave":"close_before_answer"}}
--- check_eval
my %want = ('POST /post' => 1, 'POST /post-any' => 2, 'GET /get-default' => 1,
            'GET /post' => 2);
for my $k (sort keys %want) {
    my ($m, $uri) = split / /, $k;
    clear_standin_requests();
    my ($s) = http_request($m, $uri, $m eq 'POST' ? '{}' : undef);
    is($s, 502, "$k: 502");
    sleep 0.2;
    is(main::invokes(), $want{$k}, "$k: $want{$k} invocation(s)");
}
--- no_error_log
[alert]



=== TEST 11: faas_status counts per function what the cache did, and the retries after a 429
--- config
location /hello {
    faas_cache fc;
    faas_cache_valid 200 1m;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location /retry11 {
    faas_next_upstream http_429;
    faas_invoke 22222222-2222-4222-8222-222222222222 credentials=demo;
}
location = /status { faas_status; }
--- request
GET /hello
--- repeat: 3
--- check_eval
standin_control({ gateway => { fail => 1, retry_after => 1 } });
my ($s) = http_request('GET', '/retry11');
is($s, 200, 'a retry after the 429');
sleep 0.3;
my (undef, undef, $body) = http_request('GET', '/status?format=json');
my $st = JSON::PP->new->decode($body);
my $fn = $st->{functions}{'11111111-1111-4111-8111-111111111111'};
is_deeply($fn->{cache}, { hit => 3 }, 'three hits (TEST 1 stored it)')
    or diag(explain($fn->{cache}));
is($st->{functions}{'22222222-2222-4222-8222-222222222222'}{retries}, 1,
   'one retry');
(undef, undef, $body) = http_request('GET', '/status?format=prometheus');
like($body, qr/^faas_function_cache_total\{lambda="11111111-1111-4111-8111-111111111111",status="hit"\} 3$/m,
     'Prometheus: the hits');
like($body, qr/^faas_function_retries_total\{lambda="22222222-2222-4222-8222-222222222222"\} 1$/m,
     'Prometheus: the retry');
