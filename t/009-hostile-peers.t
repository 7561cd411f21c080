# Hostile peers: the authorization server, the Domain API and the gateway
# misbehave ("misbehave" in standin.pl): they close early, send endless
# or lying answers, bad chunks, HTML, or nothing at all.
#
# The token and Domain API requests use the module's own client: every
# failure is a JSON error (502 auth_*, 504 auth_timeout, 503
# domain_lookup_failed) and one error line per failed attempt; the next
# attempt waits for the backoff (503 meanwhile).  The gateway goes through
# nginx's upstream: 502 gateway_error / 504 gateway_timeout while nothing
# went to the client yet; once the gateway's status and headers went out
# (faas_response body streams the body), a failure can only end the
# client's connection early, as with proxy_pass.  In every block nginx
# stays up and a request after the bad one is answered once the peer
# behaves again.
#
# Documented behaviour: with faas_response body (the default), a 200 of
# the gateway with an HTML page goes to the client as it is (labelled
# application/json, as every gateway answer); with faas_response http it
# is 502 bad_function_response.
#
# faas_response http holds the gateway's answer until it is whole, so a
# failure in its body still becomes a JSON error (TESTs 32 to 34), and an
# answer over faas_max_response_size is refused as soon as it is (TEST 35).
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

# "demo" names the authorization server and the gateway, "dom" asks the
# Domain API for them; a set that no location uses sends nothing.
default_http_config(<<'EOF');
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    faas_token_timeout 2s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials dom {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    faas_token_timeout 2s;
    domain_api    https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
EOF

# every peer behaves; the Domain API knows both services
sub behave {
    standin_control({ domain => { services => {
        sentinel => 'sentinel.faas.test:' . auth_port(),
        faasGW => 'gw.faas.test:' . gateway_port() } } });
}

sub error_lines {
    return grep { /\[(?:error|crit|alert|emerg)\]/ }
        split /\n/, error_log_text();
}

sub access_lines {
    open my $fh, '<', servroot() . '/logs/access.log' or return ();
    my @l = <$fh>;
    return @l;
}

# After the bad request(s): $want error lines (default: one for each
# request the $server stand-in misbehaved on); then every peer behaves
# and $uri is answered 200 within 6 s (after a failed token request or
# lookup, requests fail fast with 503 during the backoff), without a new
# error line.
sub recovers {
    my ($server, $uri, $want) = @_;
    my @err = error_lines();
    $want //= grep { $_->{server} eq $server && $_->{misbehave} }
        standin_requests();
    is(scalar @err, $want, "$want error line(s) for the bad $server")
        or diag(join "\n", @err);
    behave();
    my ($s, $b, @meanwhile);
    my $deadline = time + 6;
    while (1) {
        ($s, undef, $b) = http_request('POST', $uri, '{}', undef,
            timeout => 5);
        last if $s == 200 || time > $deadline;
        push @meanwhile, "$s $b";
        sleep 0.1;
    }
    is($s, 200, "$uri is answered again once the $server behaves")
        or diag(join '', @meanwhile, "last: $s $b");
    my $json503 = qr/^503[ ]\{"error":"(?:token_unavailable
        |domain_lookup_failed)","message":"(?:[^"\\]|\\.)*"\}\r?\n?$/x;
    my @odd = grep { !/$json503/ } @meanwhile;
    ok(!@odd, 'meanwhile 503 JSON errors (backing off): '
        . scalar @meanwhile) or diag(join '', @odd);
    my @now = error_lines();
    is(scalar @now, scalar @err, 'no error line more')
        or diag(join "\n", @now);
}

# POST {} to $uri and read for at most $secs s or until nginx closes:
# {status, headers, body (as it came), closed (by nginx), time, raw}
sub raw_post {
    my ($uri, $secs) = @_;
    my $t0 = time;
    my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => server_port(), Proto => 'tcp', Timeout => 5)
        or die "connect: $!";
    print $c "POST $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\nContent-Type: application/json\r\n"
        . "Content-Length: 2\r\n\r\n{}";
    my ($raw, $closed) = ('', 0);
    my $sel = IO::Select->new($c);
    while ((my $left = $t0 + $secs - time) > 0) {
        next unless $sel->can_read($left);
        my $n = sysread($c, my $buf, 65536);
        if (!$n) {
            $closed = 1;
            last;
        }
        $raw .= $buf;
    }
    my $t = time - $t0;
    close $c;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    my %h = map { /^([^:\s]+):\s*(.*?)\s*$/ ? (lc $1 => $2) : () }
        split /\r\n/, $head // '';
    return { status => $status // 0, headers => \%h, body => $body // '',
             closed => $closed, time => $t, raw => $raw };
}

# wait up to $secs s for an access log line after the first $n ones (a
# request is done); returns it
sub finished {
    my ($n, $secs) = @_;
    my $deadline = time + $secs;
    sleep 0.05 while access_lines() <= $n && time < $deadline;
    return (access_lines())[$n];
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: auth closes before answering: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"close_before_answer"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"auth_bad_response","message":"qr/^127\\.0\\.0\\.1:\\d+ closed the connection before the answer was complete$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"close_before_answer","status":null}
--- error_log
qr/\[error\] .*credentials "demo": token request failed: 127\.0\.0\.1:\d+ closed the connection before the answer was complete/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 2: auth closes in the middle of its headers: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"close_mid_headers"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"qr/^127\\.0\\.0\\.1:\\d+ closed the connection before the answer was complete$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"close_mid_headers"}
--- error_log
qr/\[error\] .*token request failed: 127\.0\.0\.1:\d+ closed the connection before the answer was complete/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 3: auth closes after 10 of 1000 body bytes: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"close_mid_body"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"qr/^127\\.0\\.0\\.1:\\d+ sent an invalid HTTP answer$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"close_mid_body"}
--- error_log
qr/\[error\] .*token request failed: 127\.0\.0\.1:\d+ sent an invalid HTTP answer/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 4: auth sends header lines forever: 504 auth_timeout after faas_token_timeout
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"endless_headers"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 504
--- response_body_json
{"error":"auth_timeout","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"endless_headers"}
--- error_log
qr/\[error\] .*token request failed: timed out reading from 127\.0\.0\.1:\d+/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 5: auth announces 1 GB and sends it slowly: 504 auth_timeout
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"endless_body"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 504
--- response_body_json
{"error":"auth_timeout","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"endless_body"}
--- error_log
qr/\[error\] .*token request failed: timed out reading from/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 6: auth says Content-Length 5 and sends 50 bytes: the 5 are not JSON, 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"lying_length_short"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"unusable token answer: not a JSON object"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"lying_length_short"}
--- error_log
qr/\[error\] .*token request failed: unusable token answer: not a JSON object/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 7: auth says Content-Length 500, sends 50 bytes and waits: 504 auth_timeout
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"lying_length_long"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 504
--- response_body_json
{"error":"auth_timeout","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"lying_length_long"}
--- error_log
qr/\[error\] .*token request failed: timed out reading from/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 8: auth answers chunked with a bad chunk size: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"bad_chunked"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"qr/^127\\.0\\.0\\.1:\\d+ sent an invalid HTTP answer$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"bad_chunked"}
--- error_log
qr/\[error\] .*token request failed: 127\.0\.0\.1:\d+ sent an invalid HTTP answer/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 9: auth answers 200 with an HTML page: 502 auth_bad_response
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"html_200"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"auth_bad_response","message":"unusable token answer: not a JSON object"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"html_200","status":200}
--- error_log
qr/\[error\] .*token request failed: unusable token answer: not a JSON object/
--- no_error_log
It works!
--- check_eval
main::recovers('auth', '/hello');



=== TEST 10: auth never answers: 504 auth_timeout after faas_token_timeout
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
--- standin
{"auth":{"misbehave":"stall"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 504
--- response_body_json
{"error":"auth_timeout","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- auth_requests: 2
--- gateway_requests: 1
--- auth_request_like
{"misbehave":"stall","status":null}
--- error_log
qr/\[error\] .*token request failed: timed out reading from/
--- check_eval
main::recovers('auth', '/hello');



=== TEST 11: the Domain API closes before answering: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"close_before_answer"}}
--- request
POST /dom
{}
--- error_code: 503
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^127\\.0\\.0\\.1:\\d+ closed the connection before the answer was complete$/"}
--- domain_requests: 3
--- auth_requests: 1
--- gateway_requests: 1
--- domain_request_like
{"service":"sentinel","misbehave":"close_before_answer","status":null}
--- error_log
qr/\[error\] .*credentials "dom": lookup of service "sentinel" failed: 127\.0\.0\.1:\d+ closed the connection before the answer was complete/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 12: the Domain API closes in the middle of its headers: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"close_mid_headers"}}
--- request
POST /dom
{}
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^127\\.0\\.0\\.1:\\d+ closed the connection before the answer was complete$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"close_mid_headers"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: 127\.0\.0\.1:\d+ closed the connection before the answer was complete/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 13: the Domain API closes after 10 of 1000 body bytes: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"close_mid_body"}}
--- request
POST /dom
{}
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^127\\.0\\.0\\.1:\\d+ sent an invalid HTTP answer$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"close_mid_body"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: 127\.0\.0\.1:\d+ sent an invalid HTTP answer/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 14: the Domain API sends header lines forever: 503 domain_lookup_failed after faas_token_timeout
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"endless_headers"}}
--- request
POST /dom
{}
--- timeout: 5
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"endless_headers"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: timed out reading from/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 15: the Domain API announces 1 GB and sends it slowly: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"endless_body"}}
--- request
POST /dom
{}
--- timeout: 5
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"endless_body"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: timed out reading from/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 16: the Domain API says Content-Length 5 and sends 50 bytes: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"lying_length_short"}}
--- request
POST /dom
{}
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"the answer is not a JSON object"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"lying_length_short"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: the answer is not a JSON object/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 17: the Domain API says Content-Length 500, sends 50 bytes and waits: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"lying_length_long"}}
--- request
POST /dom
{}
--- timeout: 5
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"lying_length_long"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: timed out reading from/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 18: the Domain API answers chunked with a bad chunk size: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"bad_chunked"}}
--- request
POST /dom
{}
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^127\\.0\\.0\\.1:\\d+ sent an invalid HTTP answer$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"bad_chunked"}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: 127\.0\.0\.1:\d+ sent an invalid HTTP answer/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 19: the Domain API answers 200 with an HTML page: 503 domain_lookup_failed
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"html_200"}}
--- request
POST /dom
{}
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"the answer is not a JSON object"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"html_200","status":200}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: the answer is not a JSON object/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 20: the Domain API never answers: 503 domain_lookup_failed after faas_token_timeout
--- config
location /dom { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=dom; }
--- standin
{"domain":{"misbehave":"stall"}}
--- request
POST /dom
{}
--- timeout: 5
--- error_code: 503
--- response_body_json
{"error":"domain_lookup_failed","message":"qr/^timed out reading from 127\\.0\\.0\\.1:\\d+$/"}
--- domain_requests: 3
--- domain_request_like
{"service":"sentinel","misbehave":"stall","status":null}
--- error_log
qr/\[error\] .*lookup of service "sentinel" failed: timed out reading from/
--- check_eval
main::recovers('domain', '/dom');



=== TEST 21: the gateway closes before answering: 502 gateway_error
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"close_before_answer"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"gateway_error","message":"the function gateway could not be reached or sent an invalid answer"}
--- gateway_requests: 2
--- gateway_request_like
{"misbehave":"close_before_answer","status":null}
--- error_log
qr/\[error\] .*upstream prematurely closed connection while reading response header from upstream.*faas credentials: "demo"/
--- check_eval
main::recovers('gateway', '/hello');



=== TEST 22: the gateway closes in the middle of its headers: 502 gateway_error
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"close_mid_headers"}}
--- request
POST /hello
{}
--- error_code: 502
--- response_body_json
{"error":"gateway_error","message":"the function gateway could not be reached or sent an invalid answer"}
--- gateway_requests: 2
--- gateway_request_like
{"misbehave":"close_mid_headers"}
--- error_log
upstream prematurely closed connection while reading response header from upstream
--- check_eval
main::recovers('gateway', '/hello');



=== TEST 23: the gateway closes after 10 of 1000 body bytes: the client gets the 200 head and a short body
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"close_mid_body"}}
--- request
POST /hello
{}
--- error_code: 200
--- response_headers
Content-Length: 1000
--- response_body: {"partial"
--- gateway_requests: 2
--- gateway_request_like
{"misbehave":"close_mid_body"}
--- error_log
qr/\[error\] .*upstream prematurely closed connection.*faas credentials: "demo"/
--- check_eval
main::recovers('gateway', '/hello');



=== TEST 24: the gateway sends header lines forever: 502 gateway_error once faas_buffer_size is full
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"endless_headers"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 502
--- response_body_json
{"error":"gateway_error","message":"the function gateway could not be reached or sent an invalid answer"}
--- gateway_requests: 2
--- gateway_request_like
{"misbehave":"endless_headers"}
--- error_log
upstream sent too big header while reading response header from upstream
--- check_eval
main::recovers('gateway', '/hello');



=== TEST 25: the gateway streams a body forever: the client gets the status and the data; its close ends the request
--- no_valgrind: it times the streaming of a slow endless body
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"endless_body"}}
--- check_eval
my $n = main::access_lines();
my $r = main::raw_post('/hello', 1);
is($r->{status}, 200, 'the gateway status reached the client');
is($r->{headers}{'content-length'}, '1000000000', 'with its length');
like($r->{body}, qr/^\{"data":"x{1000}/, 'the body streams as it comes');
ok(!$r->{closed}, 'still going after 1 s');
my $line = main::finished($n, 3);
like($line // '', qr/"POST \/hello HTTP\/1\.1" 200 \d+/,
     'the request ended soon after the client closed');
like(error_log_text(), qr/\[info\] .*client prematurely closed connection, so upstream connection is closed too/,
     'nginx saw the client go and closed the gateway connection');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 1, 'one gateway request');
is($g[0]{misbehave}, 'endless_body', 'the endless one');
main::recovers('gateway', '/hello', 0);



=== TEST 26: the gateway says Content-Length 5 and sends 50 bytes: the client gets those 5, nginx warns
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"lying_length_short"}}
--- request
POST /hello
{}
--- error_code: 200
--- response_headers
Content-Length: 5
--- response_body: {"lie
--- gateway_requests: 2
--- gateway_request_like
{"misbehave":"lying_length_short"}
--- error_log
qr/\[warn\] .*faas: the gateway sent more data than "Content-Length" said/
--- check_eval
main::recovers('gateway', '/hello', 0);



=== TEST 27: the gateway says Content-Length 500, sends 50 bytes and waits: faas_read_timeout ends the short response
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"lying_length_long"}}
--- check_eval
my $r = main::raw_post('/hello', 6);
is($r->{status}, 200, 'the gateway status reached the client');
is($r->{headers}{'content-length'}, '500', 'with the announced length');
is($r->{body}, '{"lie":"' . ('x' x 40) . '"}', 'and the 50 bytes there are');
ok($r->{closed}, 'then nginx closed the connection');
ok($r->{time} > 1.5 && $r->{time} < 4, "after faas_read_timeout: $r->{time} s");
like(error_log_text(), qr/\[error\] .*upstream timed out \(110: Connection timed out\) while reading upstream.*faas credentials: "demo"/,
     'the timeout is logged');
main::recovers('gateway', '/hello');



=== TEST 28: the gateway sends a bad chunk size right after its head: the connection ends without an answer, as with proxy_pass
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"bad_chunked"}}
--- check_eval
# the head is passed on before the body is parsed, so nginx can only
# close (proxy_pass behaves the same); it was not flushed yet
my $r = main::raw_post('/hello', 4);
ok($r->{closed} && $r->{time} < 2, 'nginx closed the connection at once');
is($r->{raw}, '', 'without an incomplete answer');
like(error_log_text(), qr/\[error\] .*faas: the gateway sent an invalid chunked answer/,
     'the bad chunk is logged');
main::recovers('gateway', '/hello');



=== TEST 29: faas_response body: a 200 with an HTML page passes through as it is
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"html_200"}}
--- request
POST /hello
{}
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like: ^<!DOCTYPE html>\n<html>.*<h1>It works!</h1>.*</html>\n$
--- gateway_request_like
{"misbehave":"html_200","status":200}
--- no_error_log
[error]
--- check_eval
main::recovers('gateway', '/hello', 0);



=== TEST 30: the gateway never answers: 504 gateway_timeout after faas_read_timeout
--- config
location /hello {
    faas_read_timeout 2s;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"stall"}}
--- request
POST /hello
{}
--- timeout: 5
--- error_code: 504
--- response_body_json
{"error":"gateway_timeout","message":"the function gateway did not answer in time"}
--- gateway_requests: 2
--- gateway_request_like
{"misbehave":"stall","status":null}
--- error_log
qr/\[error\] .*upstream timed out \(110: Connection timed out\) while reading response header from upstream.*faas credentials: "demo"/
--- check_eval
main::recovers('gateway', '/hello');



=== TEST 31: faas_response http: a 200 with an HTML page is 502 bad_function_response
--- config
location /web {
    faas_response http;
    faas_read_timeout 2s;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"html_200"}}
--- request
POST /web
{}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"bad_function_response","message":"the answer is not a JSON object"}
--- gateway_requests: 2
--- error_log
qr/\[error\] .*faas: the function's answer is not an HTTP response: the answer is not a JSON object/
--- check_eval
main::recovers('gateway', '/web');



=== TEST 32: faas_response http: the gateway closes mid-body before anything went out: 502 gateway_error
--- config
location /web {
    faas_response http;
    faas_read_timeout 2s;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"close_mid_body"}}
--- check_eval
# the answer is held until it is whole: nothing reached the client yet
my $r = main::raw_post('/web', 4);
ok($r->{closed} && $r->{time} < 2, 'answered at once');
{
    is($r->{status}, 502, 'status 502');
    like($r->{body}, qr/"error":"gateway_error"/, 'a JSON gateway_error');
}
like(error_log_text(), qr/\[error\] .*upstream prematurely closed connection/,
     'the close is logged');
main::recovers('gateway', '/web');



=== TEST 33: faas_response http: a bad chunk size before anything went out: 502 gateway_error
--- config
location /web {
    faas_response http;
    faas_read_timeout 2s;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"bad_chunked"}}
--- check_eval
my $r = main::raw_post('/web', 4);
ok($r->{closed} && $r->{time} < 2, 'answered at once');
{
    is($r->{status}, 502, 'status 502');
    like($r->{body}, qr/"error":"gateway_error"/, 'a JSON gateway_error');
}
like(error_log_text(), qr/\[error\] .*faas: the gateway sent an invalid chunked answer/,
     'the bad chunk is logged');
main::recovers('gateway', '/web');



=== TEST 34: faas_response http: a body that stops short times out: 504 gateway_timeout
--- config
location /web {
    faas_response http;
    faas_read_timeout 2s;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"lying_length_long"}}
--- check_eval
my $r = main::raw_post('/web', 6);
ok($r->{closed} && $r->{time} > 1.5 && $r->{time} < 4,
   "ended after faas_read_timeout: $r->{time} s");
{
    is($r->{status}, 504, 'status 504');
    like($r->{body}, qr/"error":"gateway_timeout"/, 'a JSON gateway_timeout');
}
# the answer is read whole as a part of the gateway's head
like(error_log_text(), qr/\[error\] .*upstream timed out \(110: Connection timed out\) while reading response header from upstream/,
     'the timeout is logged');
main::recovers('gateway', '/web');



=== TEST 35: faas_response http: an endless answer is refused once over faas_max_response_size
--- config
location /web {
    faas_response http;
    faas_max_response_size 4k;
    faas_read_timeout 2s;
    faas_invoke 33333333-3333-4333-8333-333333333333 credentials=demo;
}
--- standin
{"gateway":{"misbehave":"endless_body"}}
--- check_eval
# 256 bytes every 20 ms: 4 KB are there after about 0.3 s; the gateway
# announced 1 GB, so nginx could even tell at once
my $n = main::access_lines();
my $r = main::raw_post('/web', 1.5);
{
    is($r->{status}, 502, 'status 502');
    like($r->{body}, qr/"error":"bad_function_response"/,
         'a JSON bad_function_response');
    ok($r->{closed}, 'the connection is closed');
}
my $t0 = time;
my $line = main::finished($n, 10);
my $t = time - $t0;
like($line // '', qr/"POST \/web HTTP\/1\.1" /,
     'the request ended once the client closed');
ok($t < 2, "soon: $t s");
main::recovers('gateway', '/web', 1);
