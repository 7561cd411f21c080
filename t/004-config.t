# Configuration errors fail "nginx -t" with a message naming the directive.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

# a TLS server name (SNI) has at most 255 bytes: host names at and over it
$ENV{TEST_NGINX_HOST_255} = 'h' x 255;
$ENV{TEST_NGINX_HOST_256} = 'h' x 256;

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: account is required
--- http_config
faas_credentials demo {
    client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"faas_credentials" "demo" has no "account"



=== TEST 2: client_id is required
--- http_config
faas_credentials demo {
    account 12345678; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"faas_credentials" "demo" has no "client_id"



=== TEST 3: client_secret is required
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"faas_credentials" "demo" has no "client_secret"



=== TEST 4: an unknown credentials name
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=nope; }
--- config_error
"faas_invoke" names unknown credentials "nope"



=== TEST 5: several sets and no credentials=
--- http_config
faas_credentials a {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials b {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"faas_invoke" needs "credentials=NAME" when 2 "faas_credentials" sets are defined



=== TEST 6: faas_invoke without any credentials set
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"faas_invoke" needs a "faas_credentials" block



=== TEST 7: a token_url that is not https
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url http://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"token_url" of "faas_credentials" "demo": invalid URL "http://127.0.0.1:



=== TEST 8: a gateway URL with a path
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT/api;
}
--- config_error
"gateway" of "faas_credentials" "demo": a path is not allowed



=== TEST 9: a gateway URL with a bad port
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:99999;
}
--- config_error
"gateway" of "faas_credentials" "demo": invalid port



=== TEST 10: an unreadable secret file
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client;
    client_secret file:/nonexistent/faas.secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"client_secret" of "faas_credentials" "demo": cannot open secret file "/nonexistent/faas.secret"



=== TEST 11: an unset environment variable
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client;
    client_secret env:FAAS_TEST_SURELY_UNSET;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
environment variable "FAAS_TEST_SURELY_UNSET" is not set or empty



=== TEST 12: an unknown region
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    region mars;
}
--- config_error
invalid value "mars" in "region" of "faas_credentials" "demo", it must be "us", "emea" or "apac"



=== TEST 13: an unknown directive inside faas_credentials
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    secret nope;
}
--- config_error
unknown directive "secret" in "faas_credentials"



=== TEST 14: a duplicate directive
--- http_config
faas_credentials demo {
    account 12345678; account 87654321;
}
--- config_error
"account" of "faas_credentials" "demo" is duplicate



=== TEST 15: an account that does not belong in a URL
--- http_config
faas_credentials demo {
    account 1234/../5678; client_id demo-client; client_secret demo-secret;
}
--- config_error
invalid value "1234/../5678" in "account" of "faas_credentials" "demo", it may hold only letters, digits, "-" and "_"



=== TEST 16: a missing trusted certificate file
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate /nonexistent/ca.crt;
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"faas_ssl_trusted_certificate": cannot load "/nonexistent/ca.crt"



=== TEST 17: faas_invoke with a bad parameter
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111 creds=demo; }
--- config_error
"faas_invoke": invalid parameter "creds=demo", expected "credentials=NAME"



=== TEST 18: a valid configuration passes nginx -t and serves
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    region emea;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_connect_timeout 2s;
faas_send_timeout 5s;
faas_read_timeout 10s;
faas_buffer_size 16k;
faas_user_id web;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- response_body_json
{"greeting":"Hello, world!"}
--- gateway_request_like
{"query":"v=1&externalSystem=nginx&userId=web"}



=== TEST 19: faas_payload: an invalid value names the directive and the values it takes
--- config
location /x { faas_payload xml; }
--- config_error
invalid value "xml" in "faas_payload" directive, it must be "body" or "request"



=== TEST 20: faas_response: an invalid value names the directive and the values it takes
--- config
location /x { faas_response html; }
--- config_error
invalid value "html" in "faas_response" directive, it must be "body" or "http"



=== TEST 21: faas_status_max_functions over its bound names the directive and the bound
--- http_config
faas_status_max_functions 1000001;
--- config_error
invalid value "1000001" in "faas_status_max_functions" directive, it must be a number from 0 to 1000000



=== TEST 22: faas_status_max_functions that is not a number
--- http_config
faas_status_max_functions -5;
--- config_error
invalid value "-5" in "faas_status_max_functions" directive, it must be a number from 0 to 1000000



=== TEST 23: client_auth: an invalid value names the key, the set and the values
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    client_auth oauth;
}
--- config_error
invalid value "oauth" in "client_auth" of "faas_credentials" "demo", it must be "body" or "basic"



=== TEST 24: platform: an invalid value names the key, the set and the values
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    platform v3;
}
--- config_error
invalid value "v3" in "platform" of "faas_credentials" "demo", it must be "auto", "v1" or "v2"



=== TEST 25: keepalive that is not a number
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    keepalive many;
}
--- config_error
invalid value "many" in "keepalive" of "faas_credentials" "demo", it must be a number



=== TEST 26: keepalive_requests that is not a number
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    keepalive_requests -1;
}
--- config_error
invalid value "-1" in "keepalive_requests" of "faas_credentials" "demo", it must be a number



=== TEST 27: faas_token_timeout of 0
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    faas_token_timeout 0;
}
--- config_error
invalid value "0" in "faas_token_timeout" of "faas_credentials" "demo", it must be a time over 0, e.g. "10s"



=== TEST 28: keepalive_timeout that is not a time
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    keepalive_timeout 5x;
}
--- config_error
invalid value "5x" in "keepalive_timeout" of "faas_credentials" "demo", it must be a time over 0, e.g. "10s"



=== TEST 29: domain_ttl of 0
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    domain_ttl 0;
}
--- config_error
invalid value "0" in "domain_ttl" of "faas_credentials" "demo", it must be a time of at least 1s, e.g. "10m"



=== TEST 30: refresh_before that is not a time
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    refresh_before soon;
}
--- config_error
invalid value "soon" in "refresh_before" of "faas_credentials" "demo", it must be a time in seconds, e.g. "60s"



=== TEST 31: a domain_api that is not https names the set
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    domain_api http://domain.faas.test;
}
--- config_error
"domain_api" of "faas_credentials" "demo": invalid URL "http://domain.faas.test"



=== TEST 32: region emea without a resolver: the failure names the region and its authorization server
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    region emea;
}
--- config_error
"region" "emea" of "faas_credentials" "demo" means the authorization server "lo.sentinel.liveperson.net", which cannot be resolved now (host not found): a "resolver" in the http block, or an address in "token_url", avoids resolving it when the configuration loads



=== TEST 33: the gateway the region implies, without a resolver
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    region apac;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
}
--- config_error
"region" "apac" of "faas_credentials" "demo" means the gateway "sy.faasgw.liveperson.net", which cannot be resolved now (host not found): a "resolver" in the http block, or an address in "gateway", avoids resolving it when the configuration loads



=== TEST 34: no region written: the default one is named as such
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"region" "us" (the default) of "faas_credentials" "demo" means the authorization server "va.sentinel.liveperson.net"



=== TEST 35: a gateway host over 255 characters is refused: no TLS server name could carry it
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://$TEST_NGINX_HOST_256;
}
--- config_error
"gateway" of "faas_credentials" "demo": the host of "https://hhhh
has 256 characters, more than a TLS server name can hold (255)



=== TEST 36: an upstream{} named by the gateway, of a name over 255 characters, is refused too
--- http_config
upstream $TEST_NGINX_HOST_256 { server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT; }
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://$TEST_NGINX_HOST_256;
}
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"gateway" of "faas_credentials" "demo": the host of "https://hhhh
has 256 characters, more than a TLS server name can hold (255)



=== TEST 37: an upstream{} name of 255 characters is a valid gateway
--- http_config
upstream $TEST_NGINX_HOST_255 { server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT; }
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://$TEST_NGINX_HOST_255;
}
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_ok



=== TEST 38: a token_url host over 255 characters
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://$TEST_NGINX_HOST_256/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config_error
"token_url" of "faas_credentials" "demo": the host of "https://hhhh
has 256 characters, more than a TLS server name can hold (255)



=== TEST 39: a domain_api host over 255 characters
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT;
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    domain_api https://$TEST_NGINX_HOST_256:8443;
}
--- config_error
"domain_api" of "faas_credentials" "demo": the host of "https://hhhh
has 256 characters, more than a TLS server name can hold (255)



=== TEST 40: token_timeout bounds the token request (10s by default)
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_timeout 1s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"misbehave":"stall"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 504
--- response_body_json
{"error":"auth_timeout","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- no_error_log
[warn]



=== TEST 41: token_timeout of 0
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_timeout 0;
}
--- config_error
invalid value "0" in "token_timeout" of "faas_credentials" "demo", it must be a time over 0, e.g. "10s"



=== TEST 42: faas_token_timeout, the old name, still works and warns
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    faas_token_timeout 3s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/t;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config
location /x { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_ok
[warn]
"faas_token_timeout" of "faas_credentials" "demo" is deprecated, use "token_timeout" instead



=== TEST 43: token_timeout and faas_token_timeout are one key
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_timeout 3s;
    faas_token_timeout 3s;
}
--- config_error
"faas_token_timeout" of "faas_credentials" "demo" is duplicate
