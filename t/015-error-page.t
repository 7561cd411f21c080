# error_page takes precedence over every error a faas_invoke location
# answers, the module's own (a function error, a gateway error or a bad
# answer with faas_response http) as well as nginx's (an unreachable
# gateway) and those of the token and the request; the JSON error is the
# answer only where no error_page matches.  faas_intercept_errors sends
# the gateway's (faas_response body) or the function's (faas_response
# http) statuses of 300 and more to error_page too.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

default_http_config(<<'EOF');
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    faas_token_timeout 1s;
}
faas_credentials down {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
log_format faas '$uri $status "$faas_error" "$upstream_status"';
EOF

sub access_log {
    my $f = servroot() . '/logs/faas.log';
    for (1 .. 50) {
        last if -s $f;
        select(undef, undef, undef, 0.1);
    }
    open my $fh, '<', $f or return '';
    return do { local $/; <$fh> };
}

run_tests();

__DATA__

=== TEST 1: a function error (901) serves the location's error_page, not the JSON error
--- config
access_log $TEST_NGINX_SERVROOT/logs/faas.log faas;
location /fail {
    error_page 502 = @legacy;
    faas_invoke 99999999-9999-4999-8999-999999999999 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /fail
{}
--- response_body: the legacy page
--- gateway_requests: 1
--- error_log
faas: the function failed, gateway status 901
--- check_eval
like(main::access_log(), qr{^/fail 200 "function_error" "901"$}m,
     '$faas_error and $upstream_status say what happened');



=== TEST 2: without an error_page, a function error is the JSON error with the gateway's code and message
--- config
location /fail {
    error_page 504 = @legacy;
    faas_invoke 99999999-9999-4999-8999-999999999999 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /fail
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"function_error","message":"the function failed",
 "errorCode":"com.liveperson.faas.handler.custom-failure",
 "errorMsg":"Function raised: boom"}



=== TEST 3: faas_response http: a gateway error (404, unknown function) serves error_page 502
--- config
location /web {
    faas_response http;
    error_page 502 = @legacy;
    faas_invoke 44444444-4444-4444-8444-444444444444 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /web
{}
--- response_body: the legacy page
--- error_log
faas: the gateway answered status 404



=== TEST 4: faas_response http: an answer that is no HTTP response serves error_page 502
--- config
location /web {
    faas_response http;
    error_page 502 = @legacy;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /web
{}
--- response_body: the legacy page
--- error_log
faas: the function's answer is not an HTTP response: "statusCode" is not a number from 200 to 599



=== TEST 5: faas_response http: an answer over faas_max_response_size serves error_page 502
--- config
location /web {
    faas_response http;
    faas_payload request;
    faas_max_response_size 64;
    error_page 502 = @legacy;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
GET /web
--- response_body: the legacy page
--- error_log
the answer is larger than faas_max_response_size



=== TEST 6: an unreachable gateway serves error_page 502 (a static page, not a named location)
--- config
location /down {
    error_page 502 /sorry.html;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=down;
}
location = /sorry.html { return 200 "sorry"; }
--- request
POST /down
{}
--- error_code: 502
--- response_body: sorry



=== TEST 7: every other error of the module honours its error_page: invalid_json, invalid_lambda, auth_rejected, auth_timeout, token_unavailable
--- config
location ~ ^/fn/(?<fn>[^/]+)$ {
    error_page 400 = @l400;
    error_page 502 = @l502;
    error_page 503 = @l503;
    error_page 504 = @l504;
    faas_invoke $fn credentials=demo;
}
location @l400 { return 200 "legacy for 400"; }
location @l502 { return 200 "legacy for 502"; }
location @l503 { return 200 "legacy for 503"; }
location @l504 { return 200 "legacy for 504"; }
--- request
POST /fn/11111111-1111-4111-8111-111111111111
{"not json
--- response_body: legacy for 400
--- check_eval
my ($s, $h, $b) = http_request('POST', '/fn/not-a-uuid', '{}');
is($b, "legacy for 400", 'invalid_lambda');
standin_control({ client_secret => 'other' });
($s, $h, $b) = http_request('POST', '/fn/11111111-1111-4111-8111-111111111111', '{}');
is($b, "legacy for 502", 'auth_rejected');
($s, $h, $b) = http_request('POST', '/fn/11111111-1111-4111-8111-111111111111', '{}');
is($b, "legacy for 503", 'token_unavailable during the backoff');
standin_control({ auth => { delay => 3 } });
select(undef, undef, undef, 2.5);
($s, $h, $b) = http_request('POST', '/fn/11111111-1111-4111-8111-111111111111', '{}');
is($b, "legacy for 504", 'auth_timeout');
--- no_error_log
[alert]



=== TEST 8: faas_intercept_errors off (the default): the gateway's own 404 reaches the client, past error_page 404
--- config
location /fn {
    error_page 404 = @legacy;
    faas_invoke 44444444-4444-4444-8444-444444444444 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /fn
{}
--- error_code: 404
--- response_body_like: com\.liveperson\.faas\.es\.lambda\.not-found



=== TEST 9: faas_intercept_errors on: the gateway's 404 serves error_page 404
--- config
location /fn {
    faas_intercept_errors on;
    error_page 404 = @legacy;
    faas_invoke 44444444-4444-4444-8444-444444444444 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /fn
{}
--- response_body: the legacy page



=== TEST 10: faas_intercept_errors on, faas_response http: the function's own 404 page serves error_page 404; its 200 does not
--- config
location /web {
    faas_intercept_errors on;
    faas_payload request;
    faas_response http;
    error_page 404 = @legacy;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
GET /web?status=404
--- response_body: the legacy page
--- check_eval
my ($s, $h, $b) = http_request('GET', '/web?name=Ada');
is($s, 200, 'a 200 of the function');
is($b, '<h1>Hello, Ada!</h1>', 'its page');



=== TEST 11: a gateway connection stays open after a function error that error_page took over
--- config
location /fail {
    error_page 502 = @legacy;
    faas_invoke 99999999-9999-4999-8999-999999999999 credentials=demo;
}
location @legacy { return 200 "the legacy page"; }
--- request
POST /fail
{}
--- repeat: 3
--- response_body: the legacy page
--- check_eval
my @seq = map { $_->{conn_seq} } standin_requests('gateway');
is("@seq", '1 2 3', 'the three invocations on one connection');



=== TEST 12: faas_response http: the function's headers are the upstream's: $upstream_http_*, Set-Cookie twice, no X-Accel-Redirect obeyed
--- config
location /web {
    faas_payload request;
    faas_response http;
    add_header X-Seen-Method $upstream_http_x_method;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
location /secret { internal; return 200 "a page no client may see"; }
--- request
GET /web?name=Ada&accel=/secret
--- response_headers
Content-Type: text/html; charset=utf-8
X-Method: GET
X-Seen-Method: GET
Set-Cookie: a=1; Path=/, b=2; Path=/
!X-Accel-Redirect
--- response_body: <h1>Hello, Ada!</h1>



=== TEST 13: faas_response http: a HEAD gets the status and headers the function decides, without a body
--- config
location /web {
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
--- request
HEAD /web?status=201
--- error_code: 201
--- response_headers
Content-Type: text/html; charset=utf-8
Content-Length: 22
--- response_body:
