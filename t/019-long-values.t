# Long values where the module formats text: a 4,000-byte credentials name, the
# longest event id, long variable values.  Every line is cut where nginx
# or the module cuts it, and nothing writes past a buffer (run this file
# with FAAS_VALGRIND=1 too).
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

# NGX_MAX_ERROR_STR: an error log line is at most this long, newline too
my $MAX_LINE = 2048;

# nginx's parameters are at most about 4 KB (NGX_CONF_BUFFER)
$ENV{TEST_NGINX_LONG_NAME} = 'c' x 4000;
$ENV{TEST_NGINX_CLOSED_PORT} = free_port();
$ENV{TEST_NGINX_EVENT_128} = 'e' x 128;
$ENV{TEST_NGINX_EVENT_129} = 'e' x 129;
$ENV{TEST_NGINX_LONG_ARGS} = join '&', map { "$_=" . ($_ x 2000) }
    qw(u s k);

default_http_config(<<'EOF');
faas_credentials $TEST_NGINX_LONG_NAME {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
EOF

# every line of the error log fits nginx's bound, none is empty
sub lines_bounded {
    my @long = grep { length($_) + 1 > $MAX_LINE }
        split /\n/, error_log_text();
    is(scalar @long, 0, "no error log line over $MAX_LINE bytes");
}

# the lines that match RE
sub lines {
    my ($re) = @_;
    return grep { /$re/ } split /\n/, error_log_text();
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: a 4,000-byte credentials name: the token is fetched and the function answers
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name":"Long"}
--- response_body_json
{"greeting":"Hello, Long!"}
--- auth_requests: 1
--- error_log
qr/faas: credentials "c{1000,}/
--- check_eval
main::lines_bounded();
--- no_error_log
[alert]
[error]



=== TEST 2: a 4,000-byte credentials name, an authorization server that refuses connections: the line names the request, cut
--- http_config
faas_credentials $TEST_NGINX_LONG_NAME {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_CLOSED_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 502
--- response_body_like
"error":"auth_unreachable"
--- check_eval
main::lines_bounded();
my @conn = main::lines(qr/connect\(\) to 127\.0\.0\.1:\d+ failed/);
ok(@conn >= 1, 'the refused connection is logged');
like($conn[0], qr/ while connecting, faas: token request of credentials "c+\.\.\., url: "https:\/\/127\.0\.0\.1:\d+\/sentinel\//,
     'it names the token request, cut to the client\'s 128 bytes, and the URL');
my ($what) = $conn[0] =~ /, faas: (.*), url: /;
is(length $what, 128, 'the description fills its buffer and no more');



=== TEST 3: a 4,000-byte credentials name, a Domain API that refuses connections: the lookup's line is cut too
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials $TEST_NGINX_LONG_NAME {
    account 12345678; client_id demo-client; client_secret demo-secret;
    domain_api https://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- error_code: 503
--- response_body_like
"error":"domain_lookup_failed"
--- check_eval
main::lines_bounded();
my @conn = main::lines(qr/connect\(\) to 127\.0\.0\.1:\d+ failed/);
ok(@conn >= 1, 'the refused connection is logged');
like($conn[0], qr/, faas: lookup of "(sentinel|faasGW)" of credentials "c+\.\.\., url: "https:\/\/127\.0\.0\.1:\d+"/,
     'it names the lookup, cut, and the URL');
my ($what) = $conn[0] =~ /, faas: (.*), url: /;
is(length $what, 128, 'the description fills its buffer and no more');



=== TEST 4: the longest event id (128 characters) is invoked and logged
--- config
location /ev { faas_invoke event=$arg_ev; }
--- request
POST /ev?ev=$TEST_NGINX_EVENT_128
{}
--- response_body: []
--- gateway_request_like
{"path":"/api/account/12345678/events/$TEST_NGINX_EVENT_128/invoke","event":"$TEST_NGINX_EVENT_128"}
--- check_eval
main::lines_bounded();



=== TEST 5: an event id of 129 characters is answered 400 before anything is sent
--- config
location /ev { faas_invoke event=$arg_ev; }
--- request
POST /ev?ev=$TEST_NGINX_EVENT_129
{}
--- error_code: 400
--- response_body_like
"error":"invalid_event"
--- gateway_requests: 0
--- error_log
faas: the event id is not valid
--- check_eval
main::lines_bounded();



=== TEST 6: 2,000-byte user id, event source and skill id from $arg_*, with a failing function and the 4,000-byte name: the query carries them whole, the lines are cut
--- config
location /fail {
    faas_user_id $arg_u;
    faas_event_source $arg_s;
    faas_skill_id $arg_k;
    faas_invoke 99999999-9999-4999-8999-999999999999;
}
location /hello {
    faas_user_id $arg_u;
    faas_event_source $arg_s;
    faas_skill_id $arg_k;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- request
POST /fail?$TEST_NGINX_LONG_ARGS
{}
--- error_code: 502
--- response_body_like
"error":"function_error"
--- error_log
faas: the function failed, gateway status 901
--- check_eval
my ($s) = http_request('POST', "/hello?$ENV{TEST_NGINX_LONG_ARGS}", '{}');
is($s, 200, 'the same values with a working function: 200');
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @gw, 2, 'both went to the gateway');
my %q = map { split /=/, $_, 2 } split /&/, $gw[-1]{query};
is($q{userId}, 'u' x 2000, 'userId whole');
is($q{externalSystem}, 's' x 2000, 'externalSystem whole');
is($q{skillId}, 'k' x 2000, 'skillId whole');
main::lines_bounded();
my ($line) = main::lines(qr/faas: the function failed/);
like($line, qr/request: "POST \/fail\?u=u+/, 'the request line is in it');
