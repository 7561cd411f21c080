# Functions V1 and V2 gateways, the event source, the skill id, and
# invocation by event.  The stand-in gateway is V2 on a host whose name
# holds "functions" (functions.faas.test) and V1 on any other, and checks
# each request for its generation's shape.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use Time::HiRes qw(sleep);

# "v1": a gateway by address (V1); "v2": functions.faas.test (V2), an
# upstream block of that name so that no resolver is needed
default_http_config(<<'EOF');
upstream functions.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials v1 {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials v2 {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://functions.faas.test;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
EOF

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: V1 (auto, a host without "functions"): v=1, externalSystem, userId
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v1;
}
--- request
POST /hello
{"name":"One"}
--- response_body_json
{"greeting":"Hello, One!"}
--- gateway_requests: 1
--- gateway_request_like
{"platform":"v1",
 "path":"/api/account/12345678/lambdas/11111111-1111-4111-8111-111111111111/invoke",
 "query":"v=1&externalSystem=nginx&userId=nginx",
 "headers":{"host":"127.0.0.1:$TEST_NGINX_GATEWAY_PORT"}}
--- check_eval
my ($g) = standin_requests('gateway');
ok(!exists $g->{headers}{'lp-eventsource'}, 'V1: no LP-EventSource');
--- no_error_log
[error]



=== TEST 2: V2 (auto, functions.faas.test): no query, LP-EventSource
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v2;
}
--- request
POST /hello
{"name":"Two"}
--- response_body_json
{"greeting":"Hello, Two!"}
--- gateway_requests: 1
--- gateway_request_like
{"platform":"v2",
 "path":"/api/account/12345678/lambdas/11111111-1111-4111-8111-111111111111/invoke",
 "query":"",
 "headers":{"host":"functions.faas.test","lp-eventsource":"nginx",
            "authorization":"qr/^Bearer /","x-request-id":"qr/^[0-9a-f]{32}$/"},
 "json":{"timestamp":"ANY","headers":[],"payload":{"name":"Two"}}}
--- no_error_log
[error]



=== TEST 3: faas_event_source and faas_skill_id from variables, V1: escaped
--- config
location /fn {
    faas_event_source "src $arg_src&y";
    faas_skill_id     $arg_skill;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v1;
}
--- request
POST /fn?src=web&skill=s-42
{}
--- gateway_request_like
{"platform":"v1","query":"v=1&externalSystem=src%20web%26y&userId=nginx&skillId=s-42"}
--- no_error_log
[error]



=== TEST 4: faas_event_source and faas_skill_id from variables, V2
--- http_config
upstream functions.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials v2 {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://functions.faas.test;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_event_source "src $arg_src&y";
faas_skill_id     $arg_skill;
--- config
location /fn {
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- request
POST /fn?src=web&skill=s-42
{}
--- gateway_request_like
{"platform":"v2","query":"skillId=s-42","headers":{"lp-eventsource":"src web&y"}}
--- no_error_log
[error]



=== TEST 5: an empty skill id is left out
--- config
location /fn {
    faas_skill_id $arg_skill;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v2;
}
location /fn1 {
    faas_skill_id $arg_skill;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v1;
}
--- request
POST /fn
{}
--- check_eval
my ($s) = http_request('POST', '/fn1', '{}');
is($s, 200, 'V1 answered');
my @g = standin_requests('gateway');
is($g[0]{query}, '', 'V2: no query');
is($g[1]{query}, 'v=1&externalSystem=nginx&userId=nginx', 'V1: no skillId');



=== TEST 6: no header injection through LP-EventSource; V1 escapes it
--- config
location ~ ^/inj/(?<src>[^/]+)$ {
    faas_event_source $src;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v2;
}
location ~ ^/inj1/(?<src>[^/]+)$ {
    faas_event_source $src;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=v1;
}
--- request
POST /inj/a%0D%0AX-Injected:%20yes%0Ab%09c
{}
--- check_eval
my ($s) = http_request('POST', '/inj1/a%0D%0AX-Injected:%20yes', '{}');
is($s, 200, 'V1 answered');
my @g = standin_requests('gateway');
is($g[0]{headers}{'lp-eventsource'}, "aX-Injected: yesb\tc",
   'V2: line breaks dropped from the header');
ok(!exists $g[0]{headers}{'x-injected'}, 'V2: no injected header');
is($g[1]{query}, 'v=1&externalSystem=a%0D%0AX-Injected:%20yes&userId=nginx',
   'V1: escaped in the query');
ok(!exists $g[1]{headers}{'x-injected'}, 'V1: no injected header');
--- no_error_log
[error]



=== TEST 7: auto follows the Domain API: a move to a V2 host, no reload
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    domain_api    https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
    domain_ttl    1s;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}}}
--- request
POST /hello
{"name":"Mover"}
--- response_body_json
{"greeting":"Hello, Mover!"}
--- check_eval
my $gw = FaasTest::gateway_port();
my $auth = FaasTest::auth_port();
standin_control({ domain => { services => {
    sentinel => "sentinel.faas.test:$auth",
    faasGW => "functions.faas.test:$gw" } } });
my $moved;
for (1 .. 40) {
    my ($s) = http_request('POST', '/hello', '{}');
    is($s, 200, 'answered') if $s != 200;
    my @g = standin_requests('gateway');
    if ($g[-1]{headers}{host} eq "functions.faas.test:$gw") {
        $moved = $g[-1];
        last;
    }
    sleep 0.25;
}
ok($moved, 'the new host is used');
my @g = standin_requests('gateway');
is($g[0]{platform}, 'v1', 'first V1');
is($g[0]{query}, 'v=1&externalSystem=nginx&userId=nginx', 'V1 query');
is($moved->{platform}, 'v2', 'then V2');
is($moved->{query}, '', 'V2: no query');
is($moved->{headers}{'lp-eventsource'}, 'nginx', 'V2: LP-EventSource');
--- no_error_log
[error]



=== TEST 8: platform v1 overrides the host name
--- http_config
upstream functions.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://functions.faas.test;
    platform v1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 400
--- standin_violations: 1
--- gateway_request_like
{"platform":"v2","query":"v=1&externalSystem=nginx&userId=nginx"}



=== TEST 9: platform v2 overrides the host name
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    platform v2;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 400
--- standin_violations: 1
--- gateway_request_like
{"platform":"v1","query":"","headers":{"lp-eventsource":"nginx"}}



=== TEST 10: platform takes auto, v1 or v2 only
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    platform v3;
}
--- config_error
invalid value "v3" in "platform" of "faas_credentials" "demo", it must be "auto", "v1" or "v2"



=== TEST 11: invocation by event, V1, faas_response body: the list as is
--- config
location /ev {
    faas_invoke event=test.both credentials=v1;
}
--- request
POST /ev
{"name":"Ev"}
--- response_headers
Content-Type: application/json
--- response_body_json
[{"uuid":"11111111-1111-4111-8111-111111111111","timestamp":"ANY",
  "result":{"greeting":"Hello, Ev!"}},
 {"uuid":"33333333-3333-4333-8333-333333333333","timestamp":"ANY",
  "result":"ANY"}]
--- gateway_requests: 1
--- gateway_request_like
{"platform":"v1","path":"/api/account/12345678/events/test.both/invoke",
 "query":"v=1&externalSystem=nginx&userId=nginx","event":"test.both",
 "json":{"payload":{"name":"Ev"}}}
--- no_error_log
[error]



=== TEST 12: invocation by event, V2, event id and skill id from variables
--- config
location ~ ^/ev/(?<ev>[^/]+)$ {
    faas_skill_id $arg_skill;
    faas_event_source shop;
    faas_invoke event=$ev credentials=v2;
}
--- request
POST /ev/test.hello?skill=7
{"name":"Vee"}
--- response_body_json
[{"uuid":"11111111-1111-4111-8111-111111111111","timestamp":"ANY",
  "result":{"greeting":"Hello, Vee!"}}]
--- gateway_request_like
{"platform":"v2","path":"/api/account/12345678/events/test.hello/invoke",
 "query":"skillId=7","headers":{"lp-eventsource":"shop"}}
--- no_error_log
[error]



=== TEST 13: an event id outside [A-Za-z0-9_.:-] gets 400 invalid_event
--- config
location /ev {
    faas_invoke event=$arg_e credentials=v1;
}
--- request_eval
"POST /ev?e=a%2Fb\n{}"
--- error_code: 400
--- response_body_json
{"error":"invalid_event","message":"qr/event id/"}
--- check_eval
my @st = map { (http_request('POST', $_, '{}'))[0] }
    '/ev', '/ev?e=' . ('x' x 129), '/ev?e=a/b', '/ev?e=a..b%20';
is("@st", '400 400 400 400', 'empty, too long, slash, escape: 400');
my ($s) = http_request('POST', '/ev?e=' . ('x' x 128), '{}');
is($s, 200, '128 characters are fine (an unknown event: [])');
--- gateway_requests: 1



=== TEST 14: faas_response http and an event of one HTTP-shaped result
--- config
location /ev {
    faas_payload  request;
    faas_response http;
    faas_invoke   event=test.web credentials=v2;
}
--- request
GET /ev?name=Evie
--- response_headers
Content-Type: text/html; charset=utf-8
X-Method: GET
--- response_body
<h1>Hello, Evie!</h1>
--- gateway_request_like
{"platform":"v2","path":"/api/account/12345678/events/test.web/invoke"}
--- no_error_log
[error]



=== TEST 15: faas_response http: two results, or one not HTTP-shaped: 502
--- config
location /both {
    faas_response http;
    faas_invoke   event=test.both credentials=v1;
}
location /hello {
    faas_response http;
    faas_invoke   event=test.hello credentials=v1;
}
location /none {
    faas_response http;
    faas_invoke   event=nobody credentials=v1;
}
--- request
POST /both
{}
--- error_code: 502
--- response_body_json
{"error":"bad_function_response",
 "message":"the event's answer does not hold exactly one result"}
--- check_eval
my ($s, undef, $b) = http_request('POST', '/hello', '{}');
is($s, 502, 'a result that is no HTTP response: 502');
like($b, qr/"bad_function_response".*statusCode/, 'hello: why');
($s, undef, $b) = http_request('POST', '/none', '{}');
is($s, 502, 'no result: 502');
like($b, qr/exactly one result/, 'none: why');
--- error_log
the function's answer is not an HTTP response



=== TEST 16: a function error (901) from V1 and from V2, under the same names
--- config
location /v1 {
    faas_invoke 99999999-9999-4999-8999-999999999999 credentials=v1;
}
location /v2 {
    faas_invoke 99999999-9999-4999-8999-999999999999 credentials=v2;
}
--- request
POST /v2
{}
--- error_code: 502
--- response_body_json
{"error":"function_error","message":"the function failed",
 "errorCode":"com.liveperson.faas.handler.custom-failure",
 "errorMsg":"Function raised: boom"}
--- check_eval
my ($s, undef, $b) = http_request('POST', '/v1', '{}');
is($s, 502, 'V1: 502');
is($b, '{"error":"function_error","message":"the function failed",'
    . '"errorCode":"com.liveperson.faas.handler.custom-failure",'
    . '"errorMsg":"Function raised: boom"}' . "\r\n", 'V1: the same body');
my @g = standin_requests('gateway');
is_deeply([sort map { $_->{platform} } @g], ['v1', 'v2'], 'both platforms');
--- error_log
qr/the function failed, gateway status 901: "com\.liveperson\.faas\.handler\.custom-failure" "Function raised: boom"/



=== TEST 17: a V2 gateway error with faas_response http carries its code
--- config
location /gone {
    faas_response http;
    faas_invoke 00000000-0000-4000-8000-000000000000 credentials=v2;
}
--- request
POST /gone
{}
--- error_code: 502
--- response_body_json
{"error":"gateway_error","message":"the gateway answered status 404",
 "errorCode":"com.liveperson.faas.es.lambda.not-found",
 "errorMsg":"lambda not found"}
--- error_log
qr/gateway answered status 404: "\{"code":/



=== TEST 18: an event whose function fails: function_error, the event logged
--- config
location /ev {
    faas_invoke event=test.fail credentials=v2;
}
--- request
POST /ev
{}
--- error_code: 502
--- response_body_json
{"error":"function_error","message":"the function failed",
 "errorCode":"com.liveperson.faas.handler.custom-failure",
 "errorMsg":"Function raised: boom"}
--- error_log
qr/the function failed.*faas credentials: "v2", event: "test\.fail"/



=== TEST 19: faas_invoke event= needs an id
--- config
location /ev { faas_invoke event=; }
--- config_error
"faas_invoke" needs a lambda UUID or "event=ID"
