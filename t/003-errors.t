# When something fails: the client gets a JSON error with the right status,
# the error log one line that says why.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: the authorization server is unreachable: 502 auth_unreachable
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:1/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"auth_unreachable","message":"cannot connect to 127.0.0.1:1"}
--- gateway_requests: 0
--- error_log
qr/\[error\] .*connect\(\) to 127\.0\.0\.1:1 failed .*token request of credentials "demo"/
--- check_eval
my @err = grep { /\[error\]/ } split /\n/, error_log_text();
is(scalar @err, 1, 'one error line') or diag(join "\n", @err);



=== TEST 2: right after a failed fetch, requests fail fast with 503 and Retry-After
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:1/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 502
--- check_eval
my ($s, $h, $b) = http_request('POST', '/hello', '{}');
is($s, 503, 'fail fast while backing off');
like($h->{'retry-after'} // '', qr/^\d+$/, 'Retry-After');
like($b, qr/^\{"error":"token_unavailable","message":"no valid token, .*last error: cannot connect to 127\.0\.0\.1:1"\}/,
    'JSON error body');
my @err = grep { /\[error\]/ } split /\n/, error_log_text();
is(scalar @err, 1, 'still one error line for one failed fetch');



=== TEST 3: wrong credentials: 502 auth_rejected
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret wrong-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_rejected","message":"the authorization server answered status 401"}
--- auth_requests: 1
--- gateway_requests: 0
--- error_log
qr/\[error\] .*credentials "demo": token request failed: the authorization server answered status 401/
--- no_error_log
wrong-secret



=== TEST 4: the authorization server answers 500: 502 auth_error
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"fail":1}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_error","message":"the authorization server answered status 500"}



=== TEST 5: a 200 that is not JSON: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"status":200,"body":"<html>hello</html>"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"unusable token answer: not a JSON object"}
--- error_log
token request failed: unusable token answer: not a JSON object



=== TEST 6: a 200 without access_token: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"status":200,"body":"{\"token_type\":\"Bearer\",\"expires_in\":3600}"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"unusable token answer: no \"access_token\""}



=== TEST 7: the authorization server is too slow: 504 auth_timeout
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    faas_token_timeout 1s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"delay":3}}
--- request
POST /hello
{}
--- error_code: 504
--- response_body_json
{"error":"auth_timeout","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- error_log
token request failed: timed out reading



=== TEST 8: an untrusted certificate of the authorization server: 502 auth_tls
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin_auth_cert: other
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_tls","message":"qr/^certificate of 127\\.0\\.0\\.1:\\d+ not trusted/"}
--- auth_requests: 0
--- gateway_requests: 0



=== TEST 9: a trusted certificate that does not name the host: 502 auth_tls
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- standin_auth_cert: wrongname
--- error_code: 502
--- response_body_json
{"error":"auth_tls","message":"qr/^certificate of 127\\.0\\.0\\.1:\\d+ does not match \"127\\.0\\.0\\.1\"$/"}
--- auth_requests: 0



=== TEST 10: an untrusted certificate of the gateway: 502 gateway_error
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin_gw_cert: other
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"gateway_error","message":"the function gateway could not be reached or sent an invalid answer"}
--- gateway_requests: 0
--- error_log
upstream SSL certificate verify error



=== TEST 11: faas_ssl_verify off accepts it
--- config
location /hello {
    faas_ssl_verify off;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin_gw_cert: other
--- request
POST /hello
{}
--- response_body_json
{"greeting":"Hello, world!"}



=== TEST 12: the gateway is unreachable: 502 gateway_error, one error line
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"gateway_error","message":"the function gateway could not be reached or sent an invalid answer"}
--- error_log
qr/\[error\] .*connect\(\) failed .*faas credentials: "demo", lambda: "11111111-1111-4111-8111-111111111111"/
--- check_eval
my @err = grep { /\[error\]/ } split /\n/, error_log_text();
is(scalar @err, 1, 'one error line') or diag(join "\n", @err);



=== TEST 13: the gateway is too slow: 504 gateway_timeout
--- config
location /slow {
    faas_read_timeout 1s;
    faas_invoke 55555555-5555-4555-8555-555555555555;
}
--- request
POST /slow
{"sleep":3}
--- error_code: 504
--- response_body_json
{"error":"gateway_timeout","message":"the function gateway did not answer in time"}
--- error_log
upstream timed out



=== TEST 14: the function fails (901): 502 function_error with its code and message
--- config
location /fail {
    faas_invoke 99999999-9999-4999-8999-999999999999;
    add_header X-Upstream-Status $upstream_status always;
}
--- request
POST /fail
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
X-Upstream-Status: 901
--- response_body_json
{"error":"function_error","message":"the function failed",
 "errorCode":"com.liveperson.faas.handler.custom-failure","errorMsg":"Function raised: boom"}
--- error_log
qr/\[error\] .*the function failed, gateway status 901: "com\.liveperson\.faas\.handler\.custom-failure" "Function raised: boom".*faas credentials: "demo"/



=== TEST 15: 901 with a chunked body, and with no body at all
--- config
location /fail { faas_invoke 99999999-9999-4999-8999-999999999999; }
--- standin
{"gateway":{"chunked":1}}
--- request
POST /fail
{}
--- error_code: 502
--- response_body_json
{"error":"function_error","message":"the function failed",
 "errorCode":"com.liveperson.faas.handler.custom-failure","errorMsg":"Function raised: boom"}
--- check_eval
standin_control({ gateway => { status => 901, body => '' } });
my ($s, $h, $b) = http_request('POST', '/fail', '{}');
is($s, 502, 'empty 901: 502');
is($b, qq({"error":"function_error","message":"the function failed"}\r\n),
    'empty 901: JSON error');



=== TEST 16: a 901 body over 16 KB: its errorCode and errorMsg come first and are kept
--- config
location /fail { faas_invoke 99999999-9999-4999-8999-999999999999; }
--- standin_eval
{ gateway => { status => 901, body => { errorCode => 'com.example.first',
      errorMsg => 'what went wrong', stack => 'x' x 20000 } } }
--- request
POST /fail
{}
--- error_code: 502
--- response_body_json
{"error":"function_error","message":"the function failed",
 "errorCode":"com.example.first","errorMsg":"what went wrong"}
--- error_log
the function failed, gateway status 901: "com.example.first" "what went wrong"
--- check_eval
# chunked, with no length known before
standin_control({ gateway => { status => 901, chunked => 1,
    body => { errorCode => 'com.example.chunked', errorMsg => 'cut later',
              stack => 'x' x 20000 } } });
my ($s, $h, $b) = http_request('POST', '/fail', '{}');
is($s, 502, 'chunked: 502');
like($b, qr/"errorCode":"com\.example\.chunked","errorMsg":"cut later"/,
     'chunked: the code and message');
# the message itself is what is too long: its start, as far as it came
standin_control({ gateway => { status => 901,
    body => { errorCode => 'c', errorMsg => 'm' . ('y' x 20000) } } });
($s, $h, $b) = http_request('POST', '/fail', '{}');
like($b, qr/"errorCode":"c","errorMsg":"my{255}"\}/,
     'a long errorMsg: its first 256 bytes');
# nothing fits: the client is told so
standin_control({ gateway => { status => 901,
    body => { aaa => 'x' x 20000, errorCode => 'late', errorMsg => 'late' } } });
($s, $h, $b) = http_request('POST', '/fail', '{}');
is($s, 502, 'nothing fits: 502');
is($b, qq({"error":"function_error","message":"the function failed",)
       . qq("errorMsg":"no errorCode or errorMsg in the first 16384 bytes )
       . qq(of a longer error"}\r\n), 'nothing fits: said so');



=== TEST 17: errorMsg is cut at 256 bytes between characters: valid UTF-8
--- config
location /fail { faas_invoke 99999999-9999-4999-8999-999999999999; }
--- standin_eval
{ gateway => { status => 901, body => { errorCode => 'com.example.utf8',
      errorMsg => ('a' x 255) . "\x{e9}t\x{e9}" } } }
--- request
POST /fail
{}
--- error_code: 502
--- check_eval
my ($s, $h, $b) = http_request('POST', '/fail', '{}');
is($s, 502, 'status 502');
my $copy = $b;
ok(utf8::decode($copy), 'the body is valid UTF-8');
my $j = eval { JSON::PP->new->utf8->decode($b) } // {};
is($j->{errorMsg}, 'a' x 255, 'errorMsg: the 255 bytes before the cut character');
# a long message of 2-byte characters from an odd start, cut by the 16 KB too
standin_control({ gateway => { status => 901,
    body => { errorCode => 'c', errorMsg => 'a' . ("\x{e9}" x 10000) } } });
($s, $h, $b) = http_request('POST', '/fail', '{}');
$copy = $b;
ok(utf8::decode($copy), 'long: the body is valid UTF-8');
$j = eval { JSON::PP->new->utf8->decode($b) } // {};
is($j->{errorMsg}, 'a' . ("\x{e9}" x 127), 'long: 255 bytes, whole characters');
