# Functions as web endpoints: the request as payload, the function's answer
# as the HTTP response, request headers for functions.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: faas_payload request: a GET with a query string
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
GET /echo?a=1&b=x+y&b=%C3%A9&empty=&flag
--- more_headers
X-Custom: one
--- response_body_json
{"timestamp":"ANY","headers":[],
 "payload":{"method":"GET","path":"/echo","query":"a=1&b=x+y&b=%C3%A9&empty=&flag",
            "args":{"a":"1","b":["x y","\u00e9"],"empty":"","flag":""},
            "headers":{"host":"ANY","connection":"ANY","x-custom":"one"},
            "body":"","isBase64Encoded":false,"remoteAddr":"127.0.0.1"}}



=== TEST 2: an HTML form post is text
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
name=Ada+Lovelace&lang=en
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- response_body_like: "method":"POST".*"body":"name=Ada\+Lovelace&lang=en","isBase64Encoded":false,



=== TEST 3: a binary upload is base64, sent chunked too
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . join('', map { chr } 0 .. 255)
--- more_headers
Content-Type: application/octet-stream
--- request_body_chunked
--- check_eval
use MIME::Base64;
my ($b64) = $responses[0][1] =~ /"body":"([^"]*)","isBase64Encoded":true/;
is(decode_base64($b64 // ''), join('', map { chr } 0 .. 255),
   'the function got the bytes');



=== TEST 4: text that is not valid UTF-8 is base64 too; JSON is text
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\nabc\xff\xfe"
--- more_headers
Content-Type: text/plain
--- response_body_like: "body":"YWJj//4=","isBase64Encoded":true
--- check_eval
my ($s, $h, $body) = http_request('POST', '/echo', '{"a":"\u00e9"}',
    [['Content-Type', 'application/json; charset=utf-8']]);
like($body, qr/"body":"\{\\"a\\":\\"\\\\u00e9\\"\}","isBase64Encoded":false/,
     'a JSON body is a string of text');



=== TEST 5: credentials stay out of the payload unless listed
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
location /cookie {
    faas_payload request;
    faas_pass_request_header Cookie;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
GET /echo
--- more_headers
Authorization: Bearer client-secret-token
Cookie: session=s3cret
--- response_body_unlike: s3cret|client-secret-token
--- check_eval
my ($s, $h, $body) = http_request('GET', '/cookie', undef,
    [['Cookie', 'a=1'], ['Cookie', 'b=2'],
     ['Authorization', 'Bearer client-secret-token']]);
like($body, qr/"cookie":"a=1; b=2"/, 'a listed header passes, joined');
unlike($body, qr/client-secret-token/, 'the other one does not');



=== TEST 6: faas_pass_request_headers: the invoke body's headers list
--- config
location /echo {
    faas_pass_request_headers on;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{}
--- more_headers
X-Dup: 1
X-Other: x
X-Dup: 2
Authorization: Basic c2VjcmV0
Cookie: session=s3cret
--- check_eval
use JSON::PP;
my $j = JSON::PP->new->decode($responses[0][1]);
my @h = map { "$_->{key}=$_->{value}" } @{ $j->{headers} };
my @mine = grep { /^X-/ } @h;
is("@mine", 'X-Dup=1 X-Other=x X-Dup=2', 'repeated headers, in order');
ok(!grep({ /^(Authorization|Cookie)=/i } @h), 'no credentials by default');
is_deeply($j->{payload}, {}, 'payload as before');



=== TEST 7: faas_pass_request_header lets Authorization through
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_pass_request_headers on;
faas_pass_request_header Authorization;
--- config
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
POST /echo
{}
--- more_headers
Authorization: Basic c2VjcmV0
--- response_body_like: \{"key":"Authorization","value":"Basic c2VjcmV0"\}



=== TEST 8: faas_response http: status, headers (several Set-Cookie) and body
--- config
location /page {
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
--- request
GET /page?name=Ada&status=201
--- error_code: 201
--- response_headers
Content-Type: text/html; charset=utf-8
X-Method: GET
Content-Length: 20
--- response_body
<h1>Hello, Ada!</h1>
--- check_eval
# the harness joins repeated headers with ", "
is($responses[0][2]{'set-cookie'}, 'a=1; Path=/, b=2; Path=/',
   'one Set-Cookie for each value');



=== TEST 9: a base64 body is decoded; headers nginx owns are not taken
--- config
location /bin {
    faas_response http;
    faas_invoke 44444444-4444-4444-8444-444444444444;
}
--- standin
{"gateway":{"status":200,"body":{"statusCode":200,
  "headers":{"Content-Type":"image/png","Content-Length":"999",
             "Connection":"close","Transfer-Encoding":"chunked","X-N":42},
  "body":"iVBORw0KGgoAAAAASUVORK5CYII=","isBase64Encoded":true}}}
--- request
GET /bin
--- response_headers
Content-Type: image/png
Content-Length: 20
X-N: 42
!Transfer-Encoding
--- response_headers_like
Connection: keep-alive|close
--- check_eval
use MIME::Base64;
is($responses[0][1], decode_base64('iVBORw0KGgoAAAAASUVORK5CYII='),
   'the decoded bytes');



=== TEST 10: an answer that is not an HTTP response: 502 bad_function_response
--- config
location /page {
    faas_response http;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- request
POST /page
{"name":"Ada"}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"bad_function_response","message":"\"statusCode\" is not a number from 200 to 599"}
--- error_log
the function's answer is not an HTTP response



=== TEST 11: header splitting is refused
--- config
location /page {
    faas_response http;
    faas_invoke 44444444-4444-4444-8444-444444444444;
}
--- standin
{"gateway":{"status":200,"body":{"statusCode":200,
  "headers":{"X-Evil":"a\r\nSet-Cookie: owned=1"},"body":"x"}}}
--- request
GET /page
--- error_code: 502
--- response_body_json
{"error":"bad_function_response","message":"a header value holds a line break"}
--- response_headers
!Set-Cookie



=== TEST 12: an answer over faas_max_response_size: 502, also chunked
--- config
location /page {
    faas_response http;
    faas_max_response_size 1k;
    faas_invoke 44444444-4444-4444-8444-444444444444;
}
--- standin_eval
{ gateway => { status => 200, chunked => 1,
  body => { statusCode => 200, body => 'x' x 5000 } } }
--- request
GET /page
--- error_code: 502
--- response_body_json
{"error":"bad_function_response","message":"the answer is larger than faas_max_response_size"}



=== TEST 13: a chunked http answer; a gateway 404 or 901 is a JSON 502
--- config
location /page {
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
location /missing {
    faas_response http;
    faas_invoke 00000000-0000-4000-8000-000000000000;
}
location /fail {
    faas_response http;
    faas_invoke 99999999-9999-4999-8999-999999999999;
}
--- standin
{"gateway":{"chunked":1}}
--- request
GET /page?name=Chunk
--- response_body
<h1>Hello, Chunk!</h1>
--- check_eval
my ($s, $h, $body) = http_request('GET', '/missing');
is($s, 502, 'the gateway\'s 404 is no page');
is($body, '{"error":"gateway_error","message":"the gateway answered status 404",'
    . '"errorCode":"com.liveperson.faas.es.lambda.not-found",'
    . '"errorMsg":"lambda not found"}' . "\r\n", 'with its status and message');
like(error_log_text(), qr/the gateway answered status 404: "\{.*lambda not found/,
     'the raw gateway error is logged');
($s, $h, $body) = http_request('GET', '/fail');
is($s, 502, '901 is a 502');
like($body, qr/"error":"function_error"/, 'function_error');



=== TEST 14: the directives are inherited from server and http levels
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_response http;
--- config
faas_payload request;
location /page { faas_invoke 33333333-3333-4333-8333-333333333333; }
--- request
GET /page?name=Inherited
--- response_body
<h1>Hello, Inherited!</h1>



=== TEST 15: gateway 429 and 500 in both response modes
--- config
location /body { faas_invoke 11111111-1111-4111-8111-111111111111; }
location /http {
    faas_response http;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"gateway":{"status":429,"body":{"errorCode":"com.liveperson.faas.rate-limit","errorMsg":"too many requests"}}}
--- request
GET /body
--- error_code: 429
--- response_body_json
{"errorCode":"com.liveperson.faas.rate-limit","errorMsg":"too many requests"}
--- check_eval
my ($s, $h, $body) = http_request('GET', '/http');
is($s, 502, 'http mode: 429 is a 502');
like($body, qr/^\{"error":"gateway_error","message":"the gateway answered status 429","errorCode":"com.liveperson.faas.rate-limit","errorMsg":"too many requests"\}/,
     'http mode: the JSON error');
standin_control({ gateway => { status => 500, body => 'Internal Server Error' } });
($s, $h, $body) = http_request('GET', '/body');
is($s, 500, 'body mode: 500 as it is');
is($body, 'Internal Server Error', 'body mode: its body');
($s, $h, $body) = http_request('GET', '/http');
is($s, 502, 'http mode: 500 is a 502');
like($body, qr/"message":"the gateway answered status 500"/, 'with the status');



=== TEST 16: one location for many functions: the UUID from a regex capture
--- config
location ~ ^/fn/(?<fn>[^/]+)$ {
    faas_invoke $fn;
}
--- request
POST /fn/11111111-1111-4111-8111-111111111111
{"name":"Regex"}
--- response_body_json
{"greeting":"Hello, Regex!"}
--- check_eval
my ($s, $h, $body) = http_request('POST', '/fn/not-a-uuid', '{}');
is($s, 400, 'not a UUID: 400');
like($body, qr/"error":"invalid_lambda"/, 'invalid_lambda');
($s) = http_request('POST', '/fn/11111111-1111-4111-8111-11111111111g', '{}');
is($s, 400, 'a non-hex digit: 400');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 1, 'nothing was sent for the bad ones');



=== TEST 17: a function as auth_request target: 2xx allows, 401/403 denies
--- config
location = /auth {
    internal;
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
location /private {
    auth_request /auth;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- request
GET /private
--- more_headers
X-Status: 200
--- response_body_json
{"greeting":"Hello, world!"}
--- check_eval
# the function reads the X-Status header of the client's request
my ($s) = http_request('GET', '/private', undef, [['X-Status', '403']]);
is($s, 403, 'the function said 403: denied');
($s) = http_request('GET', '/private', undef, [['X-Status', '401']]);
is($s, 401, 'the function said 401: denied');
($s, my $h, my $body) = http_request('GET', '/private', undef,
    [['X-Status', '204']]);
is($s, 200, 'the function said 204: allowed');
like($body, qr/Hello, world/, 'the protected function');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 6, 'one auth and one content invoke for each allowed');



=== TEST 18: a 1 MB body in both payload modes
--- config
client_max_body_size 4m;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
location /req {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . '{"big":"' . ('z' x (1024 * 1024)) . '"}'
--- response_body_like: ^\{"timestamp":\d+,"headers":\[\],"payload":\{"big":"z{1000}
--- check_eval
my $bin = join('', map { chr($_ % 256) } 0 .. 1024 * 1024 - 1);
my ($s, $h, $body) = http_request('POST', '/req', $bin,
    [['Content-Type', 'application/octet-stream']]);
is($s, 200, 'a 1 MB binary upload');
use MIME::Base64;
my ($b64) = $body =~ /"body":"([^"]*)","isBase64Encoded":true/;
ok(defined $b64 && decode_base64($b64) eq $bin, 'every byte arrived');



=== TEST 19: error_page, limit_req and $upstream_* in log_format keep working
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials down {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
log_format faas '$uri $status $upstream_status $upstream_addr';
--- config
access_log $TEST_NGINX_SERVROOT/logs/faas.log faas;
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location /limited {
    limit_req zone=one nodelay;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location /down {
    error_page 502 = /sorry;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=down;
}
location = /sorry { return 200 "sorry page"; }
--- request
POST /down
{}
--- response_body: sorry page
--- check_eval
my ($s) = http_request('POST', '/limited', '{}');
is($s, 200, 'first request under limit_req');
($s) = http_request('POST', '/limited', '{}');
is($s, 503, 'second is limited');
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'hello');
select(undef, undef, undef, 0.3);   # the log line follows the response
open my $fh, '<', servroot() . '/logs/faas.log' or die;
my $log = do { local $/; <$fh> };
like($log, qr{^/hello 200 200 127\.0\.0\.1:\d+$}m, '$upstream_* in the access log');



=== TEST 20: faas_validate_json off: the body goes to the gateway unchecked, the gateway's answer to the client
--- config
location /hello {
    faas_validate_json off;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
location /checked { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name": broken
--- error_code: 400
--- response_body_like: "errorCode":"com.liveperson.faas.bad-request"
--- gateway_requests: 1
--- standin_violations: 1
--- check_eval
my ($s, undef, $b) = http_request('POST', '/checked', '{"name": broken');
is($s, 400, 'with the check (the default), the module refuses it');
like($b, qr/"error":"invalid_json"/, 'as invalid_json');
is(scalar(grep { $_->{server} eq 'gateway' } standin_requests()), 1,
   'without asking the gateway');



=== TEST 21: faas_validate_json threads: a large body is checked in a thread pool, reaches the function whole or gets 400; a small one is checked in the worker
--- log_level: debug
--- config
client_max_body_size 2m;
client_body_buffer_size 2m;
location /echo {
    faas_validate_json threads;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{"small":true}
--- response_body_like: "payload":\{"small":true\}
--- check_eval
my $body = '{"items":[' . join(',', map { qq({"id":$_,"s":"x $_"}) } 1 .. 10000) . ']}';
my ($s, undef, $b) = http_request('POST', '/echo', $body, {}, chunked => 1);
is($s, 200, 'a large valid body, chunked: 200');
my ($payload) = $b =~ /"payload":(.*)\}\s*\z/s;
ok(defined $payload && $payload eq $body, 'it reached the function whole');
(my $bad = $body) =~ s/"id":9999,/"id":09999,/;
($s, undef, $b) = http_request('POST', '/echo', $bad, {}, chunked => 1);
is($s, 400, 'a large invalid body: 400');
my $at = index($bad, '"id":09999') + 6;
like($b, qr/"error":"invalid_json".*"message":"the request body is not valid JSON at byte $at: expected ',' or '\}'"/,
     'invalid_json, with where and why');
(my $latin1 = $body) =~ s/"x 9999"/"x \xe9"/;
($s, undef, $b) = http_request('POST', '/echo', $latin1);
is($s, 400, 'a large body with invalid UTF-8: 400');
$at = index($latin1, "\xe9") + 1;
like($b, qr/"message":"the request body is not valid JSON at byte $at: invalid UTF-8"/,
     'the reason found in the thread reaches the client');
is(scalar(grep { $_->{server} eq 'gateway' } standin_requests()), 2,
   'the gateway got the small and the large valid body only');
my @threads = error_log_text() =~ /faas: JSON check of (\d+) bytes in a thread/g;
is_deeply(\@threads, [map { length } $body, $bad, $latin1],
          'the three large bodies, not the small one, were checked in a thread');



=== TEST 22: faas_validate_json threads=POOL: the check runs in the thread pool of that name
--- log_level: debug
--- main_config
thread_pool faas threads=1;
--- config
client_max_body_size 2m;
client_body_buffer_size 2m;
location /echo {
    faas_validate_json threads=faas;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . '{"items":[' . join(',', map { qq({"id":$_}) } 1 .. 10000) . ']}'
--- response_body_like: "payload":\{"items":\[\{"id":1\},.*\{"id":10000\}\]\}\}$
--- error_log
faas: JSON check of 118905 bytes in a thread
qr/run task #\d+ in thread pool "faas"/
--- check_eval
my $bad = '{"items":[' . join(',', map { qq({"id":$_}) } 1 .. 10000) . ']';
my ($s, undef, $b) = http_request('POST', '/echo', $bad);
is($s, 400, 'a large invalid body: 400');
like($b, qr/"error":"invalid_json"/, 'invalid_json');



=== TEST 23: faas_validate_json threads: clients that leave while their body is checked
--- config
client_max_body_size 4m;
client_body_buffer_size 4m;
location /echo {
    faas_validate_json threads;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{}
--- check_eval
my $body = '[' . join(',', ('{"a":[1,2.5,"x",true,null]}') x 100000) . ']';
for (1 .. 20) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => server_port(), Proto => 'tcp') or die "connect: $!";
    print $s "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
        . length($body) . "\r\n\r\n$body";
    close $s;
}
my ($s, undef, $b) = http_request('POST', '/echo', $body);
is($s, 200, 'after 20 clients left early, a request is answered');
like($b, qr/"payload":\[\{"a":\[1,2\.5,"x",true,null\]\},/, 'with its payload');



=== TEST 24: faas_validate_json takes on, off or threads[=POOL]
--- config
location /echo {
    faas_validate_json maybe;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- config_error
invalid value "maybe" in "faas_validate_json" directive, it must be "on", "off" or "threads[=POOL]"



=== TEST 25: faas_validate_json threads=POOL needs a thread_pool of that name
--- config
location /echo {
    faas_validate_json threads=nosuch;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- config_error
unknown thread pool "nosuch"



=== TEST 26: faas_validate_json threads: a body the pool's full queue refuses is checked in the worker, with the same answer
--- log_level: debug
--- no_valgrind: it needs the thread busy while three bodies arrive; under valgrind's one-thread-at-a-time scheduling the check was over before (no overflow in a run of 2026-12-02)
--- main_config
thread_pool faas threads=1 max_queue=1;
--- config
client_max_body_size 64m;
client_body_buffer_size 64m;
location /echo {
    faas_validate_json threads=faas;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{"small":true}
--- response_body_like: "payload":\{"small":true\}
--- timeout: 60
--- check_eval
# Bodies whose one fault is at the very end, so that each check reads all
# of it.  While the one thread checks 56 MB (14 ms and more), three bodies
# of 100 KB come: the first waits in the queue of one task, the others find
# it full.  Up to three rounds, until a round saw the queue full.
my $item = '{"a":[1,2.5,"x",true,null]}';
my $big = '[' . join(',', ($item) x 2_000_000) . ',';
my $small = '[' . join(',', ($item) x 3600) . ',';
my $send = sub {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => server_port(), Proto => 'tcp') or die "connect: $!";
    print $s "POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Length: " . length($_[0]) . "\r\n\r\n", $_[0];
    return $s;
};
my $posted = qr/faas: JSON check of @{[ length $big ]} bytes in a thread/;
my ($rounds, $overflows, @answers, @lengths) = (0, 0);
while ($rounds < 3 && $overflows == 0) {
    $rounds++;
    my $before = () = error_log_text() =~ /$posted/g;
    my @socks = ($send->($big));
    for (1 .. 10000) {
        my $now = () = error_log_text() =~ /$posted/g;
        last if $now > $before;
        select(undef, undef, undef, 0.001);
    }
    push @socks, $send->($small) for 1 .. 3;
    push @answers,
        map { local $/; my $a = readline($_) // ''; close $_; $a } @socks;
    push @lengths, length($big), (length($small)) x 3;
    $overflows = () = error_log_text() =~ /thread pool "faas" queue overflow/g;
}
my @wrong = grep {
    $answers[$_] !~ m{^HTTP/1\.1 400 .*"error":"invalid_json".*"message":"the request body is not valid JSON at byte $lengths[$_]: the body ended inside an array"}s
} 0 .. $#answers;
is(scalar @wrong, 0, 'every body got 400 invalid_json where it ended, from the thread or from the worker')
    or diag(substr($answers[$wrong[0]], 0, 300));
cmp_ok($overflows, '>=', 1, "the queue of one task was full (round $rounds)");
my $in_threads = () = error_log_text() =~ /faas: JSON check of \d+ bytes in a thread/g;
is($in_threads + $overflows, 4 * $rounds,
   'the bodies not checked in a thread were those the queue refused');
is(scalar(grep { $_->{server} eq 'gateway' } standin_requests()), 1,
   'the gateway got the small valid body only');



=== TEST 27: auth_request to a function, as the README shows it: the function is told the client's method and URI
--- config
location = /_auth {
    internal;
    faas_payload  request;
    faas_response http;
    faas_pass_request_header Authorization;
    faas_invoke   33333333-3333-4333-8333-333333333333;
}
location /private/ {
    auth_request /_auth;
    root $TEST_NGINX_SERVROOT/html;
}
--- request
POST /private/doc.txt?lang=en&x=%41
--- more_headers
Authorization: Bearer abc
X-Status: 403
--- error_code: 403
--- gateway_request_like
{"json":{"payload":{"method":"GET","path":"/_auth",
                    "original":{"method":"POST","uri":"/private/doc.txt?lang=en&x=%41"},
                    "headers":{"authorization":"Bearer abc"}}}}
--- check_eval
use File::Path qw(make_path);
make_path(servroot() . '/html/private');
open my $fh, '>', servroot() . '/html/private/doc.txt' or die;
print $fh "private\n";
close $fh;
my ($s, $h, $body) = http_request('GET', '/private/doc.txt',
    undef, [['X-Status', '204']]);
is($s, 200, 'the function said 204: the file is served');
is($body, "private\n", 'the protected file');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 2, 'one invoke for each request');
is_deeply($g[-1]{json}{payload}{original},
          {method => 'GET', uri => '/private/doc.txt'},
          'the original method and URI of the allowed request');
