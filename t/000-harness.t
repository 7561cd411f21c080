# Self-test of the harness: certificates, stand-ins and data-driven blocks
# run against plain nginx (no module needed).
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(decode_base64url);

my $json = JSON::PP->new->utf8->canonical;
my $ACCT = '12345678';
my $HELLO = '11111111-1111-4111-8111-111111111111';
my $ECHO = '22222222-2222-4222-8222-222222222222';
my $FAIL = '99999999-9999-4999-8999-999999999999';
my $SLOW = '55555555-5555-4555-8555-555555555555';
my $GOOD_FORM = 'grant_type=client_credentials&client_id=demo-client'
    . '&client_secret=demo-secret';

no_module(1);

# ---- certificates

my $dir = cert_dir();
for my $f (qw(ca.crt ca.key server.crt server.key other-ca.crt other.crt
              other.key)) {
    ok(-f "$dir/$f", "cert file $f exists");
}
is(sprintf('%04o', (stat "$dir/server.key")[2] & 07777), '0644',
    'server.key is 0644');
like(`openssl verify -CAfile $dir/ca.crt $dir/server.crt 2>&1`, qr/: OK/,
    'server.crt verifies with ca.crt');
unlike(`openssl verify -CAfile $dir/ca.crt $dir/other.crt 2>&1`, qr/: OK/,
    'other.crt does not verify with ca.crt');
my $san = `openssl x509 -in $dir/server.crt -noout -ext subjectAltName`;
like($san, qr/IP Address:127\.0\.0\.1/, 'server.crt has IP:127.0.0.1');
like($san, qr/DNS:\*\.faas\.test\b/, 'server.crt has DNS:*.faas.test');
like($san, qr/DNS:faas\.test\b/, 'server.crt has DNS:faas.test');

# ---- stand-ins

my ($ap, $gp) = start_standins();
ok($ap && $gp, "stand-ins listen on $ap and $gp");
my $TOKEN_URL = "https://localhost:$ap/sentinel/api/account/$ACCT"
    . "/app/token?v=2.0";

# curl(ARGS) -> (status, body); trusts the test CA.  Status 0: no answer.
sub curl {
    open my $fh, '-|', 'curl', '-s', '--no-progress-meter',
        '--cacert', ca_file(),
        '-w', '\n%{http_code}', @_ or die "curl: $!";
    my $out = do { local $/; <$fh> };
    close $fh;
    my ($body, $code) = $out =~ /^(.*)\n(\d+)$/s or return (0, $out);
    return ($code + 0, $body);
}

sub invoke_url {
    my ($uuid, $query) = @_;
    return "https://localhost:$gp/api/account/$ACCT/lambdas/$uuid/invoke"
        . ($query // '?v=1&externalSystem=tester&userId=tester');
}

sub invoke_args {
    my ($token, $body) = @_;
    return ('-H', "Authorization: Bearer $token",
        '-H', 'Content-Type: application/json',
        '-H', 'X-Request-ID: ' . ('ab' x 16), '--data-binary', $body);
}

sub invoke_body {
    my ($payload) = @_;
    return $json->encode({ timestamp => int(time * 1000), headers => [],
        payload => $payload });
}

clear_standin_requests();
my ($st, $body) = curl($TOKEN_URL, '-d', $GOOD_FORM);
is($st, 200, 'token request: 200');
my $tok = eval { $json->decode($body) } || {};
is($tok->{token_type}, 'Bearer', 'token_type Bearer');
is($tok->{expires_in}, 3600, 'expires_in 3600');
my $jwt = $tok->{access_token} // '';
my @parts = split /\./, $jwt;
is(scalar @parts, 3, 'access_token is a JWT');
my $claims = eval { $json->decode(decode_base64url($parts[1])) } || {};
cmp_ok($claims->{exp} // 0, '>', time, 'token exp is in the future');
is($claims->{sub}, 'demo-client', 'token sub is the client id');
my @req = standin_requests('auth');
is(scalar @req, 1, 'token request recorded');
is_deeply($req[0]{violations}, [], 'token request has no violations');
is($req[0]{form}{client_id}, 'demo-client', 'form recorded');
is($req[0]{jti}, $claims->{jti}, 'jti recorded');

($st, $body) = curl($TOKEN_URL, '-d',
    'grant_type=client_credentials&client_id=demo-client&client_secret=x');
is($st, 401, 'bad credentials: 401');
is($body, '{"error":"invalid_client"}', 'bad credentials: invalid_client');

($st, $body) = curl($TOKEN_URL, '-d', "$GOOD_FORM&scope=x");
is($st, 400, 'unexpected scope: 400');
like($body, qr/invalid_request.*scope/, 'unexpected scope described');

($st, $body) = curl($TOKEN_URL, '--http1.0', '-d', $GOOD_FORM);
is($st, 200, 'token request over HTTP/1.0: 200');
my $jti2 = (standin_requests('auth'))[-1]{jti};
cmp_ok($jti2, '>', $claims->{jti}, 'jti grows');

# ---- gateway

clear_standin_requests();
my $sent = invoke_body({ name => 'Ada', n => [1, 2] });
($st, $body) = curl(invoke_url($ECHO), invoke_args($jwt, $sent));
is($st, 200, 'echo: 200');
is($body, $sent, 'echo returns the body sent');

($st, $body) = curl(invoke_url($HELLO), invoke_args($jwt,
    invoke_body({ name => 'Ada' })));
is($body, '{"greeting":"Hello, Ada!"}', 'hello greets Ada');

($st, $body) = curl(invoke_url($FAIL), invoke_args($jwt, invoke_body({})));
is($st, 901, 'fail: status 901');
like($body, qr/custom-failure/, 'fail: errorCode');

($st, $body) = curl(invoke_url('00000000-0000-4000-8000-000000000000'),
    invoke_args($jwt, invoke_body({})));
is($st, 404, 'unknown function: 404');

my @g = standin_requests('gateway');
is(scalar @g, 4, 'four gateway requests recorded');
is(scalar(grep { @{ $_->{violations} } } @g), 0, 'all valid');
is($g[0]{jti}, $claims->{jti}, 'gateway request records the token jti');
is_deeply($g[0]{json}{payload}, { name => 'Ada', n => [1, 2] },
    'gateway request records the parsed body');

clear_standin_requests();
($st, $body) = curl(invoke_url($HELLO), '-H',
    'Content-Type: application/json', '-H', 'X-Request-ID: ' . ('0' x 32),
    '--data-binary', invoke_body({}));
is($st, 401, 'no token: 401');
like($body, qr/com\.liveperson\.faas\.unauthorized/, 'no token: errorCode');
@g = standin_requests('gateway');
is($g[0]{status}, 401, 'no token: recorded as 401');
ok(grep({ /authorization/ } @{ $g[0]{violations} }),
    'no token: recorded as a violation');

($st, $body) = curl(invoke_url($HELLO, '?v=1'), invoke_args($jwt,
    '{"timestamp":"1","headers":{},"x":1}'));
is($st, 400, 'bad invoke request: 400');
like($body, qr/userId.*timestamp must be a number/, 'bad request listed');

# V2: a gateway host whose name holds "functions"
sub v2_url {
    my ($path, $query) = @_;
    return ('--resolve', "functions.faas.test:$gp:127.0.0.1",
        "https://functions.faas.test:$gp/api/account/$ACCT/$path/invoke"
        . ($query // ''));
}

clear_standin_requests();
($st, $body) = curl(v2_url("lambdas/$HELLO"), '-H', 'LP-EventSource: t',
    invoke_args($jwt, invoke_body({ name => 'Vee' })));
is("$st $body", '200 {"greeting":"Hello, Vee!"}', 'V2: hello');
($st, $body) = curl(v2_url("lambdas/$FAIL", '?skillId=s1'), '-H',
    'LP-EventSource: t', invoke_args($jwt, invoke_body({})));
is($st, 901, 'V2 fail: status 901');
is($body, '{"code":"com.liveperson.faas.handler.custom-failure",'
    . '"message":"Function raised: boom"}', 'V2 fail: code and message');
($st, $body) = curl(v2_url("lambdas/$HELLO", '?v=1&userId=u'),
    invoke_args($jwt, invoke_body({})));
is($st, 400, 'V2 with a V1 query: 400');
like($body, qr/^\{"code":.*argument 'userId'.*argument 'v'.*LP-EventSource/,
    'V2 with a V1 query: listed, V2 shape');
($st, $body) = curl(invoke_url($HELLO), '-H', 'LP-EventSource: t',
    invoke_args($jwt, invoke_body({})));
like($body, qr/^\{"errorCode":.*no LP-EventSource header expected/,
    'V1 with the V2 header: listed, V1 shape');
@g = standin_requests('gateway');
is_deeply([map { $_->{platform} } @g], [qw(v2 v2 v2 v1)],
    'platform recorded');
is(scalar(grep { @{ $_->{violations} } } @g), 2, 'two violations');

# invocation by event
($st, $body) = curl(invoke_url('x') =~ s{lambdas/x}{events/test.both}r,
    invoke_args($jwt, invoke_body({ name => 'Ev' })));
my $ev = eval { $json->decode($body) } || [];
is($st, 200, 'event: 200');
is_deeply([map { $_->{uuid} } @$ev],
    [$HELLO, '33333333-3333-4333-8333-333333333333'],
    'event: one result per function');
is_deeply($ev->[0]{result}, { greeting => 'Hello, Ev!' }, 'event: result');
($st, $body) = curl(v2_url('events/nobody'), '-H', 'LP-EventSource: t',
    invoke_args($jwt, invoke_body({})));
is("$st $body", '200 []', 'V2 event without functions: []');
is((standin_requests('gateway'))[-1]{event}, 'nobody', 'event recorded');

# keep-alive: two requests on one connection
clear_standin_requests();
($st, $body) = curl(invoke_url($HELLO), invoke_args($jwt, invoke_body({})),
    '--next', '-s', '--cacert', ca_file(), invoke_url($HELLO),
    invoke_args($jwt, invoke_body({ name => 'Bo' })));
@g = standin_requests('gateway');
is_deeply([map { $_->{conn_seq} } @g], [1, 2], 'keep-alive connection');
is($g[0]{conn}, $g[1]{conn}, 'same connection');

# chunked request body
clear_standin_requests();
($st, $body) = curl(invoke_url($ECHO), '-H', 'Transfer-Encoding: chunked',
    invoke_args($jwt, $sent));
is($body, $sent, 'chunked request body');
is((standin_requests('gateway'))[0]{chunked}, 1, 'recorded as chunked');

# ---- control file

standin_control({ auth => { fail => 2 } });
my @codes = map { (curl($TOKEN_URL, '-d', $GOOD_FORM))[0] } 1 .. 3;
is_deeply(\@codes, [500, 500, 200], 'fail: 2 -> two failures, success');

standin_control({ auth => { expires_in => 'string', ttl => 60 } });
($st, $body) = curl($TOKEN_URL, '-d', $GOOD_FORM);
like($body, qr/"expires_in":"60"/, 'expires_in as a string');
standin_control({ auth => { expires_in => 'none' } });
($st, $body) = curl($TOKEN_URL, '-d', $GOOD_FORM);
unlike($body, qr/expires_in/, 'expires_in left out');

standin_control({ scope => 'faas' });
($st) = curl($TOKEN_URL, '-d', "$GOOD_FORM&scope=faas");
is($st, 200, 'scope required and given');
($st) = curl($TOKEN_URL, '-d', $GOOD_FORM);
is($st, 400, 'scope required but missing');

standin_control({ auth => { status => 503, body => 'down' } });
($st, $body) = curl($TOKEN_URL, '-d', $GOOD_FORM);
is("$st $body", '503 down', 'auth status/body override');

standin_control({ gateway => { status => 429, body => { e => 1 } } });
($st, $body) = curl(invoke_url($HELLO), invoke_args($jwt, invoke_body({})));
is("$st $body", '429 {"e":1}', 'gateway status/body override');

standin_control({ gateway => { chunked => 1 } });
open my $raw, '-|', 'curl', '-sS', '--raw', '-i', '--cacert', ca_file(),
    invoke_url($HELLO), invoke_args($jwt, invoke_body({}));
my $resp = do { local $/; <$raw> };
close $raw;
like($resp, qr/Transfer-Encoding: chunked/i, 'gateway chunked mode');
unlike($resp, qr/Content-Length/i, 'no Content-Length when chunked');

standin_control(undef);
my $t0 = time;
($st, $body) = curl(invoke_url($SLOW), invoke_args($jwt,
    invoke_body({ sleep => 1 })));
is($body, '{"slept":1}', 'slow function answers');
cmp_ok(time - $t0, '>=', 1, 'slow function sleeps');

# concurrency counter of the auth stand-in
standin_control({ auth => { delay => 1 } });
clear_standin_requests();
curl('--parallel', '--parallel-immediate', $TOKEN_URL, '-d', $GOOD_FORM,
    '--next', '-s', '--cacert', ca_file(), $TOKEN_URL, '-d', $GOOD_FORM);
my @conc = sort map { $_->{concurrent} } standin_requests('auth');
is($conc[-1], 2, 'concurrent auth requests are counted');
standin_control(undef);

# untrusted certificate on the auth stand-in
start_standins(auth_cert => 'other');
($st) = curl($TOKEN_URL, '-d', $GOOD_FORM);
is($st, 0, 'auth stand-in with the untrusted cert fails verification');
open my $ok_other, '-|', 'curl', '-s', '--cacert', other_ca_file(),
    $TOKEN_URL, '-d', $GOOD_FORM;
like(do { local $/; <$ok_other> }, qr/access_token/,
    'and verifies with the other CA');
close $ok_other;
my @ports = start_standins();
($st) = curl($TOKEN_URL, '-d', $GOOD_FORM);
is($st, 200, 'stand-ins restarted with the trusted cert');
is_deeply(\@ports, [auth_port(), gateway_port(), domain_port(), dns_port()],
    'start_standins returns the four ports');

# ---- Domain API

my $dp = domain_port();
# through the name domain.faas.test: checks the *.faas.test certificate
my @RESOLVE = ('--resolve', "domain.faas.test:$dp:127.0.0.1");

sub domain_url {
    my ($service, $query, $acct) = @_;
    return "https://domain.faas.test:$dp/api/account/" . ($acct // $ACCT)
        . "/service/$service/baseURI.json" . ($query // '?version=1.0');
}

my %SERVICES = (faasGW => "gw.faas.test:$gp",
                sentinel => "sentinel.faas.test:$ap");
standin_control({ domain => { services => \%SERVICES } });
clear_standin_requests();
($st, $body) = curl(@RESOLVE, domain_url('faasGW'));
is($st, 200, 'domain lookup faasGW: 200');
is($body, qq({"service":"faasGW","account":"$ACCT",)
    . qq("baseURI":"gw.faas.test:$gp"}), 'domain lookup: baseURI JSON');
($st, $body) = curl(@RESOLVE, domain_url('sentinel'));
is_deeply(eval { $json->decode($body) }, { service => 'sentinel',
    account => $ACCT, baseURI => "sentinel.faas.test:$ap" },
    'domain lookup sentinel');
($st, $body) = curl(@RESOLVE, domain_url('FAASGW'));
is("$st $body", '404 {"error":"unknown service"}',
    'service names are case sensitive: 404');
my @d = standin_requests('domain');
is_deeply([map { "$_->{method} $_->{service} $_->{status}" } @d],
    ['GET faasGW 200', 'GET sentinel 200', 'GET FAASGW 404'],
    'domain lookups logged');
is(scalar(grep { @{ $_->{violations} } } @d), 0, 'without violations');
is($d[0]{headers}{host}, "domain.faas.test:$dp", 'Host logged');

clear_standin_requests();
($st, $body) = curl(@RESOLVE, domain_url('faasGW', '?version=2.0'));
is($st, 400, 'wrong version: 400');
($st, $body) = curl(@RESOLVE, domain_url('faasGW', undef, '87654321'));
is($st, 400, 'wrong account: 400');
($st, $body) = curl(@RESOLVE, '-d', 'x', domain_url('faasGW'));
is($st, 400, 'POST: 400');
@d = standin_requests('domain');
like(join('|', map { @{ $_->{violations} } } @d),
    qr/version=1\.0.*account must be $ACCT.*must be GET.*no body/,
    'violations listed');

standin_control({ domain => { services => \%SERVICES, fail => 1 } });
@codes = map { (curl(@RESOLVE, domain_url('faasGW')))[0] } 1 .. 2;
is_deeply(\@codes, [500, 200], 'domain fail: 1 -> one failure');
standin_control({ domain => { services => \%SERVICES, fail => 1,
    fail_status => 503 } });
($st) = curl(@RESOLVE, domain_url('faasGW'));
is($st, 503, 'domain fail count restarts with a new control file');
standin_control({ domain => { status => 200, body => 'not json' } });
($st, $body) = curl(@RESOLVE, domain_url('sentinel'));
is("$st $body", '200 not json', 'domain status/body override');
standin_control(undef);
($st) = curl(@RESOLVE, domain_url('faasGW'));
is($st, 404, 'no services by default');

# ---- DNS

# dns_query(NAME, TYPE[, FLAGS[, RAW]]) -> {id_ok, flags, rcode,
# question (copied), answers => [{ptr, type, class, ttl, addr}]}, or
# undef when no answer came within 1 s.
sub dns_query {
    my ($name, $type, $flags, $raw) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => dns_port(), Proto => 'udp') or die "udp: $@";
    my $id = int rand 65536;
    my $q = join('', map { chr(length) . $_ } split /\./, $name)
        . "\0" . pack('n2', $type, 1);
    $s->send($raw // pack('n6', $id, $flags // 0x0100, 1, 0, 0, 0) . $q);
    IO::Select->new($s)->can_read(1) or return undef;
    $s->recv(my $pkt, 65535);
    my ($rid, $fl, $qd, $an) = unpack 'n4', $pkt;
    my %r = (id_ok => $rid == $id, flags => $fl, rcode => $fl & 0xf,
             question => $qd == 1 && substr($pkt, 12, length $q) eq $q,
             answers => []);
    my $pos = 12 + length $q;
    for (1 .. $an) {
        my ($ptr, $t, $c, $ttl, $len) = unpack 'n3Nn',
            substr($pkt, $pos, 12);
        push @{ $r{answers} }, { ptr => $ptr, type => $t, class => $c,
            ttl => $ttl,
            addr => join('.', unpack 'C*', substr($pkt, $pos + 12, $len)) };
        $pos += 12 + $len;
    }
    return \%r;
}

clear_standin_requests();
my $r = dns_query('sentinel.faas.test', 1) || {};
is_deeply($r, { id_ok => 1, flags => 0x8180, rcode => 0, question => 1,
    answers => [{ ptr => 0xc00c, type => 1, class => 1, ttl => 1,
                  addr => '127.0.0.1' }] },
    'DNS A of a default name: 127.0.0.1, QR RD RA, ID and question');
$r = dns_query('nope.faas.test', 1) || {};
is("$r->{rcode} @{ $r->{answers} }", '3 ', 'DNS unlisted name: NXDOMAIN');
ok($r->{id_ok} && $r->{question}, 'NXDOMAIN copies ID and question');
$r = dns_query('gw.faas.test', 28) || {};
is("$r->{rcode} @{ $r->{answers} }", '0 ', 'DNS AAAA: NOERROR, no answer');
$r = dns_query('GW.Faas.Test', 1, 0) || {};
is($r->{flags}, 0x8080, 'DNS RD as asked (not set)');
is($r->{answers}[0]{addr}, '127.0.0.1', 'DNS names ignore case');
my @q = standin_requests('dns');
is_deeply([map { [@$_{qw(name qtype answer rcode)}] } @q],
    [['sentinel.faas.test', 'A', '127.0.0.1', 'NOERROR'],
     ['nope.faas.test', 'A', undef, 'NXDOMAIN'],
     ['gw.faas.test', 'AAAA', undef, 'NOERROR'],
     ['gw.faas.test', 'A', '127.0.0.1', 'NOERROR']], 'DNS queries logged');
is(scalar(grep { @{ $_->{violations} } } @q), 0, 'without violations');

standin_control({ dns => { names => { 'x.faas.test' => '10.1.2.3',
    'two.faas.test.' => ['10.0.0.1', '10.0.0.2'] }, ttl => 30 } });
$r = dns_query('x.faas.test', 1) || {};
is("$r->{answers}[0]{addr} $r->{answers}[0]{ttl}", '10.1.2.3 30',
    'DNS names and ttl from the control file');
$r = dns_query('two.faas.test', 1) || {};
is(join(' ', map { $_->{addr} } @{ $r->{answers} }), '10.0.0.1 10.0.0.2',
    'DNS several addresses');
$r = dns_query('sentinel.faas.test', 1) || {};
is($r->{rcode}, 3, 'DNS names given replace the defaults');
$r = dns_query('x.faas.test', 15) || {};
is("$r->{rcode} @{ $r->{answers} }", '0 ', 'DNS other type: no answer');
is((standin_requests('dns'))[-1]{qtype}, 15, 'other qtype logged as number');

clear_standin_requests();
ok(!defined dns_query('x', 1, 0, 'short'), 'DNS: no answer to garbage');
$r = dns_query('x.faas.test', 1, 0x1000) || {};
is($r->{rcode}, 4, 'DNS: opcode 2 -> NOTIMP');
is_deeply([map { scalar @{ $_->{violations} } } standin_requests('dns')],
    [1, 1], 'DNS: bad queries are violations');
standin_control({ dns => { drop => 1 } });
ok(!defined dns_query('gw.faas.test', 1), 'DNS drop: no answer');
standin_control(undef);

# ---- json_match

is(json_match({ a => 1, b => 'x' }, { a => 1, b => 'ANY' }), '',
    'json_match ANY');
isnt(json_match({ a => 1 }, { a => '1' }), '', 'number is not string');
isnt(json_match({ a => 1, b => 2 }, { a => 1 }), '', 'extra key fails');
is(json_match({ a => 1, b => 2 }, { a => 1 }, 1), '', 'subset mode');
is(json_match({ id => 'ab12' }, { id => 'qr/^[a-f0-9]+$/' }), '',
    'qr/ / strings');

# ---- Perl API against plain nginx

my $port = server_port();
start_nginx(<<"HTTP", workers => 2);
server {
    listen 127.0.0.1:$port;
    location /api { return 200 "api \$request_method"; }
}
HTTP
my @w = worker_pids();
is(scalar @w, 2, 'two workers');
my ($code, $hdr, $text) = http_request('PUT', '/api', 'data',
    { 'X-Test' => 1 });
is("$code $text", '200 api PUT', 'http_request');
is($hdr->{'content-type'}, 'text/plain', 'response headers');
my @par = parallel_requests(n => 6, concurrency => 3, method => 'GET',
    uri => '/api');
is(scalar(grep { $_->[0] == 200 && $_->[1] eq 'api GET' } @par), 6,
    'parallel_requests');

ok(reload_nginx(<<"HTTP"), 'reload_nginx with a new configuration');
server {
    listen 127.0.0.1:$port;
    location /api { return 201 "reloaded"; }
}
HTTP
($code, $hdr, $text) = http_request('GET', '/api');
is("$code $text", '201 reloaded', 'new configuration is live');
my @w2 = worker_pids();
ok(!grep({ my $o = $_; grep { $_ == $o } @w2 } @w), 'new workers');

kill 'SEGV', $w2[0];
my @crash;
# under valgrind, the worker's end (its core file) takes seconds
for (1 .. ($ENV{FAAS_VALGRIND} ? 300 : 50)) {
    last if @crash = FaasTest::crash_lines(error_log_text());
    select undef, undef, undef, 0.1;
}
like("@crash", qr/exited on signal 11/, 'a worker crash is detected');
is(scalar FaasTest::crash_lines("signal 3 (SIGQUIT) received from 1\n"
    . "signal 17 (SIGCHLD) received from 2\n"), 0,
    'routine signal notices are not crashes');
ok(stop_nginx(), 'stop_nginx: graceful');
ok(!FaasTest::nginx_pid(), 'nginx is gone');
clear_error_log();

# ---- data-driven blocks (plain nginx, no module)

$ENV{TEST_NGINX_GREETING} = 'hi there';
$ENV{TEST_NGINX_TOKEN} = $jwt;
run_tests();

__DATA__

=== TEST 1: plain nginx block
--- no_module
--- config
location /x { return 200 "ok"; }
--- request
GET /x
--- error_code: 200
--- response_headers
Content-Type: text/plain
!X-Nothing
--- response_body
ok
--- error_log
start worker process
--- no_error_log
[error]
qr/\[(alert|crit|emerg)\]/
--- auth_requests: 0
--- gateway_requests: 0

=== TEST 2: config_error with an invalid directive
--- no_module
--- config
location /x { no_such_directive on; }
--- config_error
unknown directive "no_such_directive"
test failed

=== TEST 3: placeholders, JSON body, repeat
--- no_module
--- http_config
map $request_method $m { default $request_method; }
--- config
location /j {
    default_type application/json;
    return 200 '{"port":$TEST_NGINX_SERVER_PORT,
                 "g":"$TEST_NGINX_GREETING","m":"$m"}';
}
--- request
POST /j
{"x":1}
--- more_headers
Content-Type: application/json
--- repeat: 3
--- response_headers_like
Content-Type: ^application/json
--- response_body_json
{"port":$TEST_NGINX_SERVER_PORT,"g":"hi there","m":"ANY"}

=== TEST 4: chunked request body, parallel requests, two workers
--- no_module
--- workers: 2
--- config
location /c { return 200 "$request_method $http_transfer_encoding"; }
--- request
POST /c
some body text
--- request_body_chunked
--- parallel: 12
--- concurrency: 4
--- response_body
POST chunked

=== TEST 5: request_eval, response_body_like, stand-in control file
--- no_module
--- standin
{"auth": {"fail": 1}}
--- config
location /e { return 404 "nope: $uri"; }
--- request_eval
"GET /e" . "/" . ("a" x 3)
--- error_code: 404
--- response_body_like
^nope: /e/a{3}$

=== TEST 6: nginx proxies a token request to the auth stand-in (HTTP/1.0)
--- no_module
--- http_config
upstream sentinel { server 127.0.0.1:$TEST_NGINX_AUTH_PORT; }
--- config
location /token {
    proxy_pass https://sentinel/sentinel/api/account/12345678/app/token?v=2.0;
    proxy_http_version 1.0;     # the default before nginx 1.29.7 (1.1 since)
    proxy_ssl_verify on;
    proxy_ssl_name localhost;
    proxy_ssl_trusted_certificate $TEST_NGINX_CA;
}
--- request
POST /token
grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- response_body_json
{"access_token":"ANY","token_type":"Bearer","expires_in":3600}
--- auth_requests: 1
--- auth_request_like
{"version":"1.0","form":{"client_id":"demo-client"},"status":200}
{"headers":{"host":"ANY","content-length":"77"},"jti":"ANY"}
--- gateway_requests: 0

=== TEST 7: untrusted stand-in certificate
--- no_module
--- standin_auth_cert: other
--- http_config
upstream sentinel { server 127.0.0.1:$TEST_NGINX_AUTH_PORT; }
--- config
location /token {
    proxy_pass https://sentinel/sentinel/api/account/12345678/app/token?v=2.0;
    proxy_ssl_verify on;
    proxy_ssl_name localhost;
    proxy_ssl_trusted_certificate $TEST_NGINX_CA;
}
--- request
POST /token
grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret
--- error_code: 502
--- auth_requests: 0
--- error_log
upstream SSL certificate verify error

=== TEST 8: nginx resolves gw.faas.test with the DNS stand-in
--- no_module
--- config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
location /gw {
    set $gw gw.faas.test;
    set $fn /api/account/12345678/lambdas/11111111-1111-4111-8111-111111111111;
    proxy_pass https://$gw:$TEST_NGINX_GATEWAY_PORT$fn/invoke?v=1&externalSystem=t&userId=t;
    proxy_ssl_verify on;
    proxy_ssl_trusted_certificate $TEST_NGINX_CA;
}
--- request_eval
"POST /gw\n" . '{"timestamp":' . time * 1000
    . ',"headers":[],"payload":{"name":"Ada"}}'
--- more_headers
Content-Type: application/json
Authorization: Bearer $TEST_NGINX_TOKEN
X-Request-ID: abababababababababababababababab
--- response_body_json
{"greeting":"Hello, Ada!"}
--- gateway_requests: 1
--- gateway_request_like
{"headers":{"host":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"},"status":200}
--- dns_request_like
{"name":"gw.faas.test","qtype":"A","answer":"127.0.0.1","rcode":"NOERROR"}
--- no_error_log
[error]

=== TEST 9: a name the DNS stand-in does not know
--- no_module
--- standin
{"dns": {"names": {"sentinel.faas.test": "127.0.0.1"}}}
--- config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
location /gw {
    set $gw gw.faas.test;
    proxy_pass https://$gw:$TEST_NGINX_GATEWAY_PORT/x;
}
--- request
GET /gw
--- error_code: 502
--- gateway_requests: 0
--- dns_requests: 1
--- dns_request_like
{"name":"gw.faas.test","answer":null,"rcode":"NXDOMAIN"}
--- error_log
gw.faas.test could not be resolved (3: Host not found)
