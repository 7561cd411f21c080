# Hosts from the LivePerson Domain API, resolved on the event loop.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use Time::HiRes qw(sleep);

default_http_config(<<'EOF');
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    domain_api    https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
EOF

sub count {
    my ($server) = @_;
    return scalar grep { $_->{server} eq $server } standin_requests();
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: account, client, secret and domain_api are all it takes
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}}}
--- request
POST /hello
{"name":"Dynamic"}
--- response_body_json
{"greeting":"Hello, Dynamic!"}
--- domain_requests: 2
--- auth_requests: 1
--- gateway_requests: 1
--- domain_request_like
{"path":"/api/account/12345678/service/sentinel/baseURI.json","query":"version=1.0"}
{"path":"/api/account/12345678/service/faasGW/baseURI.json","query":"version=1.0"}
--- auth_request_like
{"headers":{"host":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT"}}
--- gateway_request_like
{"headers":{"host":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}}
--- no_error_log
[error]



=== TEST 2: one lookup per service for all workers, kept across a reload
--- workers: 2
--- config
# a burst of 100 handshakes: new stand-in processes, as in t/002 #1
location /hello {
    faas_connect_timeout 30s;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"domain":{"delay":0.5,
           "services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}}}
--- request
POST /hello
{}
--- parallel: 100
--- concurrency: 100
--- timeout: 40
--- response_body_json
{"greeting":"Hello, world!"}
--- check_eval
is(main::count('domain'), 2, 'one lookup per service for 100 requests');
is(main::count('auth'), 1, 'one token');
reload_nginx($FaasTest::LAST_HTTP);
my @st = map { (http_request('POST', '/hello', '{}'))[0] } 1 .. 10;
is("@st", join(' ', (200) x 10), 'answers after the reload');
is(main::count('domain'), 2, 'no lookup after the reload');
is(main::count('auth'), 1, 'no token request after the reload');



=== TEST 3: after domain_ttl, a new lookup; a service that moves is followed
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
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}},
 "dns":{"names":{"sentinel.faas.test":"127.0.0.1","gw.faas.test":"127.0.0.1",
                 "gw2.faas.test":"127.0.0.1"}}}
--- request
POST /hello
{}
--- check_eval
my $gw = $ENV{TEST_NGINX_GATEWAY_PORT} // FaasTest::gateway_port();
my $auth = FaasTest::auth_port();
standin_control({
    domain => { services => {
        sentinel => "sentinel.faas.test:$auth",
        faasGW => "gw2.faas.test:$gw" } },
    dns => { names => { 'sentinel.faas.test' => '127.0.0.1',
                        'gw.faas.test' => '127.0.0.1',
                        'gw2.faas.test' => '127.0.0.1' } } });
sleep 1.2;
my @hosts;
for (1 .. 5) {
    my ($s) = http_request('POST', '/hello', '{}');
    is($s, 200, 'answered');
    sleep 0.2;
}
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is($g[0]{headers}{host}, "gw.faas.test:$gw", 'first the old host');
is($g[-1]{headers}{host}, "gw2.faas.test:$gw", 'then the new host');
my $n = main::count('domain');
ok($n >= 3 && $n <= 6, "lookups again after the TTL: $n");



=== TEST 4: a failed lookup keeps the last good answer
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
{}
--- check_eval
my $gw = FaasTest::gateway_port();
my $auth = FaasTest::auth_port();
standin_control({ domain => { fail => 1000, services => {
    sentinel => "sentinel.faas.test:$auth",
    faasGW => "gw.faas.test:$gw" } } });
sleep 1.2;
my @st;
for (1 .. 10) {
    push @st, (http_request('POST', '/hello', '{}'))[0];
    sleep 0.1;
}
is("@st", join(' ', (200) x 10), 'still answered with the old hosts');
like(error_log_text(), qr/\[error\].*lookup of service "faasGW" failed: the Domain API answered status 500/,
     'the failure is logged');
my $fails = grep { $_->{server} eq 'domain' && $_->{status} == 500 }
    standin_requests();
ok($fails >= 1 && $fails <= 3, "failed lookups back off: $fails");



=== TEST 5: no answer ever: 503 domain_lookup_failed, Retry-After from the lookup's backoff
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT"}}}
--- request
POST /hello
{}
--- error_code: 503
--- response_headers_like
Retry-After: ^[1-9][0-9]*$
--- response_body_json
{"error":"domain_lookup_failed","message":"no host for the service \"faasGW\": the Domain API answered status 404"}
--- error_log
lookup of service "faasGW" failed: the Domain API answered status 404
--- gateway_requests: 0



=== TEST 6: no sentinel ever: the token cannot be had, 503 with Retry-After
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"status":500,"body":"oops"}}
--- request
POST /hello
{}
--- error_code: 503
--- response_headers_like
Retry-After: ^[1-9][0-9]*$
--- response_body_json
{"error":"domain_lookup_failed","message":"the Domain API answered status 500"}
--- auth_requests: 0



=== TEST 7: a baseURI with a scheme, a path or credentials is refused
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"user:pw@evil.example/x"}}}
--- request
POST /hello
{}
--- error_code: 503
--- response_body_like: "error":"domain_lookup_failed".*is not a host\[:port\]
--- error_log
"baseURI" is not a host[:port]: "user:pw@evil.example/x"
--- gateway_requests: 0



=== TEST 8: names are resolved at run time, honouring valid=
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    domain_api    https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}},
 "dns":{"names":{"sentinel.faas.test":"127.0.0.1","gw.faas.test":"127.0.0.2"}}}
--- request
POST /hello
{}
--- error_code: 502
--- check_eval
my $gw = FaasTest::gateway_port();
my $auth = FaasTest::auth_port();
# the gateway "moves" to where the stand-in listens
standin_control({
    domain => { services => { sentinel => "sentinel.faas.test:$auth",
                              faasGW => "gw.faas.test:$gw" } },
    dns => { names => { 'sentinel.faas.test' => '127.0.0.1',
                        'gw.faas.test' => '127.0.0.1' } } });
# valid=1s counts in whole seconds
sleep 2.5;
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'followed without a reload');
my @q = grep { $_->{server} eq 'dns' && $_->{name} =~ /^gw/ } standin_requests();
cmp_ok(scalar @q, '>=', 2, 'asked the DNS again after valid=');



=== TEST 9: domain_api without a resolver fails nginx -t
--- http_config
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    domain_api    https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
}
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"domain_api" of "faas_credentials" "demo" needs a "resolver" in the http block



=== TEST 10: with a resolver, token_url and gateway names are resolved at run time
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    token_url     https://sentinel.faas.test:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway       https://gw.faas.test:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"dns":{"names":{"sentinel.faas.test":"127.0.0.1","gw.faas.test":"127.0.0.2"}}}
--- request
POST /hello
{}
--- error_code: 502
--- auth_requests: 1
--- auth_request_like
{"headers":{"host":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT"}}
--- dns_request_like
{"name":"sentinel.faas.test","qtype":"A"}
{"name":"gw.faas.test","qtype":"A"}
--- error_log
qr/connect\(\) failed .* while connecting to upstream.*upstream: "https:\/\/127\.0\.0\.2:\d+/
--- check_eval
# the names are unknown to the system's resolver: nginx -t passed and
# the first request found them in the test DNS; now the gateway moves
standin_control({ dns => { names => { 'sentinel.faas.test' => '127.0.0.1',
                                      'gw.faas.test' => '127.0.0.1' } } });
sleep 2.5;
my ($s, undef, $b) = http_request("POST", "/hello", q({"name":"Moved"}));
is($s, 200, 'followed the moved gateway without a reload');
like($b, qr/Hello, Moved!/, 'the function answered');
my @gw = grep { $_->{server} eq 'gateway' } standin_requests();
is($gw[-1]{headers}{host}, 'gw.faas.test:' . FaasTest::gateway_port(),
   'Host is the configured name');



=== TEST 11: without a resolver, a name is resolved when the configuration loads
--- http_config
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    token_url     https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway       https://gw.faas.test:$TEST_NGINX_GATEWAY_PORT;
}
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"gateway" of "faas_credentials" "demo": host not found in "gw.faas.test"



=== TEST 12: the same for token_url
--- http_config
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    token_url     https://sentinel.faas.test:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway       https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- config_error
"token_url" of "faas_credentials" "demo": host not found in "https://sentinel.faas.test:



=== TEST 13: domain_api given by a name, resolved at run time too
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    domain_api    https://domain.faas.test:$TEST_NGINX_DOMAIN_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}},
 "dns":{"names":{"sentinel.faas.test":"127.0.0.1","gw.faas.test":"127.0.0.1",
                 "domain.faas.test":"127.0.0.1"}}}
--- request
POST /hello
{"name":"Named"}
--- response_body_json
{"greeting":"Hello, Named!"}
--- domain_requests: 2
--- domain_request_like
{"headers":{"host":"domain.faas.test:$TEST_NGINX_DOMAIN_PORT"}}
--- dns_request_like
{"name":"domain.faas.test","qtype":"A"}



=== TEST 14: after a failed lookup of the authorization server, the token comes with the next lookup, not a backoff later
--- no_valgrind: measures time to recover
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- check_eval
# the first lookup fails and backs off 0.5 to 1 s, at random.  The token
# fetch used to back off on its own as well, at random too; when it came
# first, it failed again and waited 1 to 2 s more.  Four fresh starts: that
# showed in all but 1 run of 16.
use Time::HiRes qw(time);
my $auth = FaasTest::auth_port();
my $gw = FaasTest::gateway_port();
for my $run (1 .. 4) {
    standin_control({ domain => { fail => 1, services => {
        sentinel => "sentinel.faas.test:$auth",
        faasGW => "gw.faas.test:$gw" } } });
    restart_nginx() if $run > 1;
    my ($s) = http_request('POST', '/hello', '{}');
    is($s, 503, "start $run: the first lookup fails");
    my $failed = time;
    my $recovered;
    while (!$recovered && time < $failed + 5) {
        sleep 0.05;
        ($s) = http_request('POST', '/hello', '{}');
        $recovered = time if $s == 200;
    }
    my $took = ($recovered // time) - $failed;
    ok($recovered && $took < 1.5,
       sprintf("start $run: answered within the lookup's backoff (%.2f s)", $took));
}
