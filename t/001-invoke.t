# The invoke path: what nginx sends to the gateway and what the client gets.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use Time::HiRes qw(sleep);

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: a JSON body reaches the function, its answer the client
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name":"Ada"}
--- more_headers
Content-Type: application/json
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_json
{"greeting":"Hello, Ada!"}
--- auth_requests: 1
--- gateway_requests: 1
--- auth_request_like
{"method":"POST","path":"/sentinel/api/account/12345678/app/token","query":"v=2.0",
 "headers":{"content-type":"application/x-www-form-urlencoded"},
 "form":{"grant_type":"client_credentials","client_id":"demo-client","client_secret":"demo-secret"}}
--- gateway_request_like
{"method":"POST","path":"/api/account/12345678/lambdas/11111111-1111-4111-8111-111111111111/invoke",
 "query":"v=1&externalSystem=nginx&userId=nginx",
 "headers":{"content-type":"application/json","authorization":"qr/^Bearer [\\w-]+\\.[\\w-]+\\.[\\w-]+$/"}}
--- no_error_log
[error]
[warn]



=== TEST 2: the invoke body: timestamp in ms, empty headers, payload as sent
--- config
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
POST /echo
{"list": [1, 2.5, "x", null, true], "nested": {"a": {"b": []}}, "u": "\u00e9\u4e2d"}
--- response_body_json
{"timestamp":"ANY","headers":[],
 "payload":{"list":[1,2.5,"x",null,true],"nested":{"a":{"b":[]}},"u":"\u00e9\u4e2d"}}
--- response_body_like: ^\{"timestamp":1\d{12},"headers":\[\],"payload":
--- gateway_requests: 1
--- no_error_log
[error]



=== TEST 3: an empty body is the payload {}
--- config
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
GET /echo
--- response_body_json
{"timestamp":"ANY","headers":[],"payload":{}}



=== TEST 4: X-Request-ID is the $request_id nginx logs, another one for each request in each worker; one nginx made first is kept
--- workers: 2
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Seen-Request-ID $request_id always;
    add_header X-Pid $pid always;
}
location /early {
    set $early $request_id;
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Early-Request-ID $early always;
}
--- request
POST /hello
{}
--- parallel: 200
--- concurrency: 20
--- response_headers_like
X-Seen-Request-ID: ^[0-9a-f]{32}$
--- check_eval
my %pids = map { $_->[2]{'x-pid'} => 1 } @responses;
is(scalar keys %pids, 2, 'both workers answered');
my %seen = map { $_->[2]{'x-seen-request-id'} => 1 } @responses;
is(scalar keys %seen, 200, '200 requests, 200 different ids');
my @sent = sort map { $_->{headers}{'x-request-id'} // '' }
    grep { $_->{server} eq 'gateway' } standin_requests();
is_deeply(\@sent, [sort keys %seen], 'the gateway got the ids nginx logs');
my ($s, $h) = http_request('POST', '/early', '{}');
my ($g) = grep { $_->{server} eq 'gateway' } (standin_requests())[-1];
like($h->{'x-early-request-id'} // '', qr/^[0-9a-f]{32}$/, 'an id made by nginx before the module');
is($g->{headers}{'x-request-id'}, $h->{'x-early-request-id'}, 'is the one sent');



=== TEST 5: faas_user_id and the lambda UUID from variables
--- config
location /fn {
    faas_invoke $arg_fn;
    faas_user_id "user $arg_user&x";
}
--- request
POST /fn?fn=11111111-1111-4111-8111-111111111111&user=ada
{"name":"Bo"}
--- response_body_json
{"greeting":"Hello, Bo!"}
--- gateway_request_like
{"path":"/api/account/12345678/lambdas/11111111-1111-4111-8111-111111111111/invoke",
 "query":"v=1&externalSystem=nginx&userId=user%20ada%26x"}



=== TEST 6: a lambda UUID that is empty gets 400 invalid_lambda
--- config
location /fn { faas_invoke $arg_fn; }
--- request
POST /fn?fn=../../other
{}
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"invalid_lambda","message":"the lambda UUID is not a UUID"}
--- auth_requests: 0
--- gateway_requests: 0



=== TEST 7: a body that is not JSON gets 400 invalid_json, nothing is sent
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name": "Ada"
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"invalid_json","message":"the request body is not valid JSON at byte 14: the body ended inside an object"}
--- gateway_requests: 0
--- auth_requests: 0
--- no_error_log
[error]



=== TEST 8: data after the JSON value gets 400, also when sent chunked
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name": "Ada"} {"again": 1}
--- request_body_chunked
--- error_code: 400
--- response_body_json
{"error":"invalid_json","message":"the request body is not valid JSON at byte 16: data after the JSON value"}
--- gateway_requests: 0



=== TEST 9: client_max_body_size is honoured, with a JSON error (Content-Length)
--- config
location /echo {
    client_max_body_size 100;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . '{"pad":"' . ("x" x 200) . '"}'
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"body_too_large","message":"the request body is larger than client_max_body_size"}
--- gateway_requests: 0



=== TEST 10: client_max_body_size with a chunked body
--- config
location /echo {
    client_max_body_size 100;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . '{"pad":"' . ("x" x 200) . '"}'
--- request_body_chunked
--- error_code: 413
--- response_body_json
{"error":"body_too_large","message":"the request body is larger than client_max_body_size"}
--- gateway_requests: 0



=== TEST 11: a body larger than client_body_buffer_size (kept in a file)
--- config
location /echo {
    client_body_buffer_size 1k;
    client_max_body_size 1m;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . '{"pad":"' . ("y" x 300000) . '"}'
--- request_body_chunked
--- gateway_requests: 1
--- check_eval
my ($pad) = $responses[0][1] =~ /"payload":\{"pad":"(y+)"\}\}$/;
is(length($pad // ''), 300000, 'the whole body reached the function');



=== TEST 12: the gateway's status and body pass unchanged (404 unknown function)
--- config
location /nope { faas_invoke 00000000-0000-4000-8000-000000000000; }
--- request
POST /nope
{}
--- error_code: 404
--- response_body_json
{"errorCode":"com.liveperson.faas.es.lambda.not-found","errorMsg":"lambda not found"}



=== TEST 13: a chunked answer of the gateway is passed on
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"gateway":{"chunked":1}}
--- request
POST /hello
{"name":"Chunk"}
--- repeat: 3
--- response_body_json
{"greeting":"Hello, Chunk!"}
--- no_error_log
[error]
[warn]



=== TEST 14: $upstream_* variables work as with proxy_pass
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Up "$upstream_status $upstream_addr" always;
    add_header X-Up-Time $upstream_header_time always;
}
--- request
POST /hello
{}
--- response_headers
X-Up: 200 127.0.0.1:$TEST_NGINX_GATEWAY_PORT
--- response_headers_like
X-Up-Time: ^\d+\.\d{3}$



=== TEST 15: an upstream block as gateway: keepalive connections are reused
--- http_config
upstream faasgw {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 4;
}
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://faasgw;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_ssl_verify off;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name":"Keep"}
--- repeat: 3
--- response_body_json
{"greeting":"Hello, Keep!"}
--- gateway_requests: 3
--- gateway_request_like
{"conn_seq":3,"headers":{"host":"faasgw"}}



=== TEST 16: no upstream block: the module keeps gateway connections open
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name":"Keep"}
--- repeat: 5
--- response_body_json
{"greeting":"Hello, Keep!"}
--- gateway_requests: 5
--- check_eval
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
my %conns = map { $_->{conn} => 1 } @gw;
is(scalar keys %conns, 1, 'five requests, one connection');
is_deeply([map { $_->{conn_seq} } @gw], [1 .. 5], 'in order on it');



=== TEST 17: keepalive 0 closes each connection; a new one resumes TLS
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
--- request
POST /hello
{"name":"Again"}
--- repeat: 3
--- response_body_json
{"greeting":"Hello, Again!"}
--- gateway_requests: 3
--- check_eval
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
my %conns = map { $_->{conn} => 1 } @gw;
is(scalar keys %conns, 3, 'a connection per request');
is_deeply([map { $_->{resumed} } @gw], [0, 1, 1],
          'the first handshake is full, the next ones resume its session');



=== TEST 18: an idle kept connection is closed after keepalive_timeout
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive_timeout 1s;
    keepalive_requests 2;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name":"Idle"}
--- repeat: 3
--- response_body_json
{"greeting":"Hello, Idle!"}
--- check_eval
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
is_deeply([map { $_->{conn_seq} } @gw], [1, 2, 1],
          'keepalive_requests 2: the third request opens a new connection');
my $before = scalar keys %{{ map { $_->{conn} => 1 } @gw }};
sleep 2.5;
my ($s) = http_request('POST', '/hello', '{"name":"Idle"}');
is($s, 200, 'answered after the idle connection was closed');
@gw = grep { $_->{server} eq 'gateway' } standin_requests();
is($gw[-1]{conn_seq}, 1, 'on a new connection');
is(scalar keys %{{ map { $_->{conn} => 1 } @gw }}, $before + 1,
   'one more connection');
