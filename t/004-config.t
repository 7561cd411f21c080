# Configuration errors fail "nginx -t" with a message naming the directive.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

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
"token_url": invalid URL "http://127.0.0.1:



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
"client_secret": cannot open secret file "/nonexistent/faas.secret"



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
"region" of "faas_credentials" "demo": unknown region "mars", expected us, emea or apac



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
"account" of "faas_credentials" "demo" may hold only letters, digits



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
