# The token: one fetch for all workers, kept in shared memory, renewed.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use File::Temp qw(tempdir);

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
open my $fh, '>', "$dir/secret" or die;
print $fh "\n  demo-secret  \n";
close $fh;
chmod 0644, "$dir/secret";
$ENV{TEST_NGINX_SECRET_FILE} = "$dir/secret";
$ENV{FAAS_TEST_SECRET} = 'demo-secret';

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: 200 concurrent requests over 2 workers make one token request
--- workers: 2
--- config
# a burst of 100 TLS handshakes makes the stand-in start new processes,
# which can take longer than the default 5 s on a loaded machine
location /hello {
    faas_connect_timeout 30s;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"auth":{"delay":0.5}}
--- request
POST /hello
{"name":"Many"}
--- parallel: 200
--- concurrency: 100
--- timeout: 40
--- response_body_json
{"greeting":"Hello, Many!"}
--- auth_requests: 1
--- gateway_requests: 200
--- check_eval
my %jti = map { $_->{jti} => 1 }
    grep { $_->{server} eq 'gateway' } standin_requests();
is(join(',', keys %jti), '1', 'every invoke carried the one token');
my %waited = map { /(\d+)#\d+: \*\d+ faas: waiting for a token/ ? ($1 => 1) : () }
    split /\n/, error_log_text();
cmp_ok(scalar keys %waited, '>=', 1, 'requests waited for the token');
--- log_level: debug
--- no_error_log
[error]



=== TEST 2: the token is used until it nears expiry, then renewed
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"ttl":3}}
--- request
POST /hello
{}
--- check_eval
# the default refresh_before is half of a 3 s lifetime: renewal after 1.5 s
my @st;
for my $i (1 .. 8) {
    my ($s) = http_request('POST', '/hello', '{}');
    push @st, $s;
    select(undef, undef, undef, 0.5);
}
is("@st", join(' ', (200) x 8), 'all requests answered across expiries');
my @jti = map { $_->{jti} }
    grep { $_->{server} eq 'gateway' } standin_requests();
my @auth = grep { $_->{server} eq 'auth' } standin_requests();
cmp_ok(scalar @auth, '>=', 2, 'a new token was fetched');
cmp_ok(scalar @auth, '<=', 4, 'about one token per 1.5 s, no more');
my $prev = 0;
my $ordered = 1;
for (@jti) { $ordered = 0 if $_ < $prev; $prev = $_ }
ok($ordered && $jti[-1] > $jti[0], "newer tokens replace older ones: @jti");
--- auth_request_like
{"form":{"client_secret":"demo-secret"}}



=== TEST 3: expires_in as a string, the JWT's exp when earlier
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"ttl":3600,"expires_in":"string"}}
--- request
POST /hello
{}
--- error_log
valid for 3600 s
--- auth_requests: 1



=== TEST 4: no expires_in at all: the JWT's exp is used
--- no_valgrind: it counts seconds and concurrent arrivals
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"auth":{"ttl":1200,"expires_in":"none"}}
--- request
POST /hello
{}
--- error_log
qr/valid for 1(199|200) s/



=== TEST 5: the secret from file: (trimmed) and from env:
--- main_config
env FAAS_TEST_SECRET;
--- http_config
faas_credentials a {
    account 12345678; client_id demo-client;
    client_secret file:$TEST_NGINX_SECRET_FILE;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials b {
    account 12345678; client_id demo-client;
    client_secret env:FAAS_TEST_SECRET;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /a { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=a; }
location /b { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=b; }
--- request
POST /a
{}
--- check_eval
my ($s) = http_request('POST', '/b', '{}');
is($s, 200, 'env: secret works');
--- response_body_json
{"greeting":"Hello, world!"}
--- auth_request_like
{"form":{"client_secret":"demo-secret"}}



=== TEST 6: the secret and the whole token never reach the log, even at debug
--- log_level: debug
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- no_error_log
demo-secret
client_secret
eyJ
--- error_log
qr/new token [0-9a-f]{8}, valid for/



=== TEST 7: scope is sent when set
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    scope faas.lambda.invoke;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"scope":"faas.lambda.invoke"}
--- request
POST /hello
{}
--- auth_request_like
{"form":{"scope":"faas.lambda.invoke"}}



=== TEST 8: a reload keeps the token; a changed secret gets a new one
--- workers: 2
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- check_eval
my $auth = sub { scalar grep { $_->{server} eq 'auth' } standin_requests() };
is($auth->(), 1, 'one token before the reload');
my $http = $FaasTest::LAST_HTTP;
reload_nginx($http);
my @st = map { (http_request('POST', '/hello', '{}'))[0] } 1 .. 10;
is("@st", join(' ', (200) x 10), 'answers after the reload');
is($auth->(), 1, 'no token request after the reload');
my $changed = $http;
$changed =~ s/client_secret demo-secret/client_secret other-secret/;
standin_control({ client_secret => 'other-secret' });
reload_nginx($changed);
@st = map { (http_request('POST', '/hello', '{}'))[0] } 1 .. 10;
is("@st", join(' ', (200) x 10), 'answers after the secret changed');
is($auth->(), 2, 'the changed secret got its own token');
my $scoped = $changed;
$scoped =~ s/client_secret other-secret;/client_secret other-secret; scope s1;/;
standin_control({ client_secret => 'other-secret', scope => 's1' });
reload_nginx($scoped);
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'answers after the scope changed');
is($auth->(), 3, 'the changed scope got its own token');



=== TEST 9: rotating a file: secret is writing the file and reloading
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client;
    client_secret file:$TEST_NGINX_SECRET_FILE;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- check_eval
my $file = $ENV{TEST_NGINX_SECRET_FILE};
open my $fh, '>', $file or die;
print $fh "rotated-secret\n";
close $fh;
standin_control({ client_secret => 'rotated-secret' });
reload_nginx($FaasTest::LAST_HTTP);
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'answers with the rotated secret');
my @auth = grep { $_->{server} eq 'auth' } standin_requests();
is(scalar @auth, 2, 'a new token for the new secret');
is($auth[-1]{form}{client_secret}, 'rotated-secret', 'sent the new secret');
open $fh, '>', $file or die;
print $fh "demo-secret\n";
close $fh;
