# faas_status: the status endpoint (JSON and Prometheus), the shared
# counters behind it, and the log variables.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use JSON::PP ();
use Time::HiRes qw(sleep);

default_http_config(demo_http_config());

my $HELLO = '11111111-1111-4111-8111-111111111111';
my $FAIL = '99999999-9999-4999-8999-999999999999';

# the status as JSON (dies unless 200 and JSON)
sub status_json {
    my ($s, $h, $b) = http_request('GET', '/status');
    die "status: $s $b\n" unless $s == 200;
    return JSON::PP->new->decode($b);
}

sub status_prom {
    my ($s, $h, $b) = http_request('GET', '/status?format=prometheus');
    die "status: $s $b\n" unless $s == 200;
    return $b;
}

sub cred { return status_json()->{credentials}{demo} }

sub fn {
    my ($uuid) = @_;
    return status_json()->{functions}{$uuid};
}

# A strict check of the Prometheus text format 0.0.4.  Returns the
# problems found and the samples as "name{l1="v1",l2="v2"}" => value,
# labels sorted by name.
sub prom_parse {
    my ($text) = @_;
    my (@bad, %series, %type, %help, %done, @order);
    my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
    my $label_re = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
    my $value_re = qr/(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?
                       |[+-]?Inf|NaN)/x;
    my $current = '';
    push @bad, 'no final newline' unless $text =~ /\n\z/;
    my $n = 0;
    for my $line (split /\n/, $text) {
        $n++;
        if ($line eq '') {
            push @bad, "line $n: empty line";
            next;
        }
        if ($line =~ /^#/) {
            if ($line =~ /^# (HELP|TYPE) (\S+)(?: (.*))?$/) {
                my ($kw, $fam, $rest) = ($1, $2, $3 // '');
                push @bad, "line $n: bad metric name '$fam'"
                    unless $fam =~ /^$name_re$/;
                if ($kw eq 'TYPE') {
                    push @bad, "line $n: bad type '$rest'" unless $rest
                        =~ /^(?:counter|gauge|histogram|summary|untyped)$/;
                    push @bad, "line $n: second TYPE for $fam"
                        if $type{$fam}++;
                    $type{"$fam:type"} = $rest;
                } else {
                    push @bad, "line $n: second HELP for $fam"
                        if $help{$fam}++;
                    push @bad, "line $n: bad escape in HELP"
                        if $rest =~ /\\(?![\\n])/;
                }
                push @bad, "line $n: family $fam comes back"
                    if $done{$fam} && $current ne $fam;
                if ($current ne $fam) {
                    $done{$current} = 1 if $current ne '';
                    $current = $fam;
                    push @order, $fam;
                }
            }
            next;
        }
        unless ($line =~ /^($name_re)(?:\{(.*)\})? ($value_re)(?: -?\d+)?$/) {
            push @bad, "line $n: not a sample: $line";
            next;
        }
        my ($name, $labels, $value) = ($1, $2, $3);
        my %l;
        if (defined $labels && length $labels) {
            my $rest = $labels;
            while (length $rest) {
                unless ($rest =~ s/^($label_re)="((?:[^"\\\n]|\\[\\"n])*)"//) {
                    push @bad, "line $n: bad labels: {$labels}";
                    last;
                }
                my ($k, $v) = ($1, $2);
                push @bad, "line $n: label $k twice" if exists $l{$k};
                $v =~ s/\\(["\\n])/$1 eq 'n' ? "\n" : $1/ge;
                $l{$k} = $v;
                last if $rest eq '';
                unless ($rest =~ s/^,//) {
                    push @bad, "line $n: bad labels: {$labels}";
                    last;
                }
            }
        }
        # the family: the name, or the histogram's base name
        my $fam = $name;
        if (!$type{"$name:type"}) {
            ($fam = $name) =~ s/_(?:bucket|sum|count)$//;
            push @bad, "line $n: $name is not of a histogram"
                unless ($type{"$fam:type"} // '') eq 'histogram';
        }
        push @bad, "line $n: sample $name without TYPE" unless $type{$fam};
        push @bad, "line $n: sample of $fam outside its family"
            if $fam ne $current;
        push @bad, "line $n: counter $name does not end in _total"
            if ($type{"$fam:type"} // '') eq 'counter' && $name !~ /_total$/;
        push @bad, "line $n: le outside a _bucket"
            if exists $l{le} && $name !~ /_bucket$/;
        my $key = $name . '{' . join(',', map { "$_=\"$l{$_}\"" }
            sort keys %l) . '}';
        push @bad, "line $n: duplicate series $key" if exists $series{$key};
        $series{$key} = $value;
    }
    # histograms: buckets cumulative, the last le="+Inf" equal to _count
    for my $fam (grep { ($type{"$_:type"} // '') eq 'histogram' }
                 keys %help) {
        my %sets;
        for my $key (keys %series) {
            next unless $key =~ /^\Q$fam\E_bucket\{(.*)\}$/;
            my $labels = $1;
            my ($le) = $labels =~ /le="([^"]*)"/;
            (my $set = $labels) =~ s/,?le="[^"]*"//;
            $set =~ s/^,//;
            push @{ $sets{$set} }, [$le, $series{$key}];
        }
        for my $set (keys %sets) {
            my @b = sort { num($a->[0]) <=> num($b->[0]) } @{ $sets{$set} };
            push @bad, "$fam\{$set}: last bucket is not +Inf"
                unless $b[-1][0] eq '+Inf';
            for my $i (1 .. $#b) {
                push @bad, "$fam\{$set}: bucket le=$b[$i][0] is below the"
                    . " one before" if $b[$i][1] < $b[$i - 1][1];
            }
            my $count = $series{"${fam}_count" . "{$set}"};
            push @bad, "$fam\{$set}: no _count" unless defined $count;
            push @bad, "$fam\{$set}: +Inf $b[-1][1] != _count $count"
                if defined $count && $b[-1][1] != $count;
            push @bad, "$fam\{$set}: no _sum"
                unless defined $series{"${fam}_sum" . "{$set}"};
        }
    }
    return (\@bad, \%series);
}

sub num { my ($v) = @_; $v eq '+Inf' ? 9e99 : $v }

sub lines_like {
    my ($re) = @_;
    return scalar grep { /$re/ } split /\n/, error_log_text();
}

sub access_lines {
    my ($name) = @_;
    my $f = FaasTest::servroot() . '/logs/' . ($name // 'faas.log');
    open my $fh, '<', $f or return ();
    my @l = <$fh>;
    chomp @l;
    return @l;
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: before any request: no token, no function; both formats parse
--- config
location = /status { faas_status; }
--- request
GET /status
--- response_headers
Content-Type: application/json
Cache-Control: no-store
--- check_eval
my $j = JSON::PP->new->decode($responses[0][1]);
my $c = $j->{credentials}{demo};
is($c->{token}{state}, 'none', 'state none');
is($c->{token}{fingerprint}, undef, 'no fingerprint');
is($c->{fetches}, 0, 'no fetch');
is($j->{functions_used}, 0, 'no function yet');
is($j->{functions_max}, 1000, 'default bound');
ok(exists $j->{functions}{other}, '"other" is always there');
my ($s, $h, $b) = http_request('GET', '/status?format=prometheus');
is($h->{'content-type'}, 'text/plain; version=0.0.4', 'Prometheus type');
my ($bad) = main::prom_parse($b);
is("@$bad", '', 'strict Prometheus format');
($s, $h, $b) = http_request('GET', '/status', undef,
                            { Accept => 'text/plain;version=0.0.4' });
like($h->{'content-type'}, qr{^text/plain}, 'Accept: text/plain');
($s, $h, $b) = http_request('GET', '/status', undef, { Accept => '*/*' });
is($h->{'content-type'}, 'application/json', 'Accept: */* gets JSON');
($s) = http_request('POST', '/status', '{}');
is($s, 405, 'read-only: POST is refused');
($s) = http_request('GET', '/status?format=xml');
is($s, 400, 'an unknown format is refused');
--- auth_requests: 0



=== TEST 2: a scripted sequence moves the figures as it should
--- log_level: debug
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
log_format faas '$faas_lambda|$faas_credentials|$faas_error|$faas_token_wait|$faas_gateway_status|$status';
--- config
access_log logs/faas.log faas;
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location /fail { faas_invoke 99999999-9999-4999-8999-999999999999; }
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
location ~ ^/fn/(?<fn>.+)$ { faas_invoke $fn; }
location /web {
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
location = /status { faas_status; }
--- standin
{"auth":{"fail":1}}
--- check_eval
my $H = '11111111-1111-4111-8111-111111111111';
my $F = '99999999-9999-4999-8999-999999999999';
my $E = '22222222-2222-4222-8222-222222222222';
my $W = '33333333-3333-4333-8333-333333333333';
my $U = '12345678-1234-4234-8234-123456789abc';

# 1. the authorization server fails (500): a failed fetch, a module error
my ($s, $h, $b) = http_request('POST', '/hello', '{}');
is($s, 502, 'first fetch fails');
my $c = main::cred();
is($c->{fetch_failures}{http_5xx}, 1, 'failure counted as http_5xx');
is($c->{fetches}, 0, 'no token fetched');
ok($c->{token}{last_failure} > 0, 'time of the failure');
is($c->{token}{state}, 'none', 'still no token');
ok($c->{backoff} > 0, "backing off: $c->{backoff} s");
is($c->{waits}, 1, 'the request waited for the fetch');
my $f = main::fn($H);
is($f->{invocations}{'5xx'}, 1, '5xx');
is($f->{errors}{auth_error}, 1, 'error code auth_error');

# 2. after the backoff: a token, fetched while the request waits
sleep 1.2;
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'token fetched');
$c = main::cred();
is($c->{fetches}, 1, 'one fetch');
is($c->{token}{state}, 'valid', 'valid');
ok($c->{token}{expires_in} > 3500, 'seconds to expiry');
like($c->{token}{fingerprint}, qr/^[0-9a-f]{8}$/, 'a fingerprint');
ok(main::lines_like(qr/new token $c->{token}{fingerprint}/),
   'the fingerprint is the one logged');
ok($c->{token}{last_fetch} > 0, 'time of the fetch');
is($c->{waits}, 2, 'two requests waited for a token');
is($c->{backoff}, 0, 'no backoff after a success');

# 3. a request with a valid token does not wait
($s) = http_request('POST', '/hello', '{}');
is(main::cred()->{waits}, 2, 'no wait with a valid token');

# 4. each status class and a module error
is((http_request('POST', '/fail', '{}'))[0], 502, '901 -> 502');
is((http_request('POST', "/fn/$U", '{}'))[0], 404, 'unknown function');
is((http_request('POST', '/hello', 'not json'))[0], 400, 'invalid JSON');
is((http_request('GET', '/web?status=302'))[0], 302, 'a redirect');
$f = main::fn($H);
is_deeply($f->{invocations},
          { '2xx' => 2, '3xx' => 0, '4xx' => 1, '5xx' => 1,
            function_error => 0 }, 'classes of the hello function');
is_deeply($f->{errors}, { auth_error => 1, invalid_json => 1 },
          'module errors by code');
is($f->{latency}{count}, 4, 'four latencies');
is($f->{latency}{buckets}{'+Inf'}, 4, '+Inf bucket is the count');
my $ff = main::fn($F);
is($ff->{invocations}{function_error}, 1, 'function_error class');
is($ff->{invocations}{'5xx'}, 0, 'a 901 is not counted as 5xx');
is($ff->{errors}{function_error}, 1, 'function_error code');
is(main::fn($U)->{invocations}{'4xx'}, 1, 'the gateway 404 is 4xx');
is_deeply(main::fn($U)->{errors}, {}, 'not a module error');
is(main::fn($W)->{invocations}{'3xx'}, 1, '3xx');

# 5. the gateway refuses token 1: dropped, a new one, a replay
standin_control({ gateway => { reject_jti => [1] } });
($s, $h, $b) = http_request('POST', '/echo', '{}');
is($s, 200, 'replayed');
$c = main::cred();
is($c->{replays}, 1, 'one replay');
is($c->{fetches}, 2, 'a second token');
is(main::fn($E)->{invocations}{'2xx'}, 1, 'the replayed request is 2xx');

# 6. the log variables
my @l = main::access_lines();
my @hello = grep { /^\Q$H\E\|/ } @l;
like($hello[0], qr/^\Q$H\E\|demo\|auth_error\|\d+\|-\|502$/,
     'a failed token: error, no gateway status');
like($hello[1], qr/^\Q$H\E\|demo\|\|\d+\|200\|200$/, 'a success');
my ($fail) = grep { /^\Q$F\E\|/ } @l;
like($fail, qr/\|demo\|function_error\|0\|901\|502$/,
     '901: the raw gateway status');
my ($echo) = grep { /^\Q$E\E\|/ } @l;
like($echo, qr/\|demo\|\|\d+\|200\|200$/, 'the replay');
my ($st) = grep { /^-\|-\|-\|-\|-\|200$/ } @l;
ok(defined $st, 'the status endpoint logs empty variables');

# 7. the same figures in both formats, nothing secret
my $j = main::status_json();
my $p = main::status_prom();
my ($bad, $series) = main::prom_parse($p);
is("@$bad", '', 'strict Prometheus format');
my @diff;
for my $u (keys %{ $j->{functions} }) {
    my $fj = $j->{functions}{$u};
    for my $cl (keys %{ $fj->{invocations} }) {
        my $k = "faas_function_invocations_total{class=\"$cl\",lambda=\"$u\"}";
        push @diff, $k if ($series->{$k} // -1) != $fj->{invocations}{$cl};
    }
    for my $code (keys %{ $fj->{errors} }) {
        my $k = "faas_function_errors_total{code=\"$code\",lambda=\"$u\"}";
        push @diff, $k if ($series->{$k} // -1) != $fj->{errors}{$code};
    }
    for my $le (keys %{ $fj->{latency}{buckets} }) {
        my $k = "faas_function_latency_seconds_bucket{lambda=\"$u\",le=\"$le\"}";
        push @diff, $k
            if ($series->{$k} // -1) != $fj->{latency}{buckets}{$le};
    }
    my $k = "faas_function_latency_seconds_count{lambda=\"$u\"}";
    push @diff, $k if ($series->{$k} // -1) != $fj->{latency}{count};
    $k = "faas_function_latency_seconds_sum{lambda=\"$u\"}";
    push @diff, $k if abs(($series->{$k} // -1) - $fj->{latency}{sum}) > 1e-9;
}
$c = $j->{credentials}{demo};
for my $r (keys %{ $c->{fetch_failures} }) {
    my $k = "faas_token_fetch_failures_total{credentials=\"demo\",reason=\"$r\"}";
    push @diff, $k if ($series->{$k} // -1) != $c->{fetch_failures}{$r};
}
for (['fetches', 'faas_token_fetches_total'],
     ['waits', 'faas_token_waits_total'],
     ['replays', 'faas_token_replays_total']) {
    my $k = "$_->[1]\{credentials=\"demo\"}";
    push @diff, $k if ($series->{$k} // -1) != $c->{$_->[0]};
}
my $k = "faas_token_info{credentials=\"demo\","
    . "fingerprint=\"$c->{token}{fingerprint}\"}";
push @diff, $k unless ($series->{$k} // 0) == 1;
$k = "faas_token_state{credentials=\"demo\",state=\"valid\"}";
push @diff, $k unless ($series->{$k} // 0) == 1;
is("@diff", '', 'JSON and Prometheus agree');
my @tokens = map { ($_->{headers}{authorization} // '') =~ /^Bearer (.+)/ }
    grep { $_->{server} eq 'gateway' } standin_requests();
ok(scalar @tokens, 'tokens were sent');
my $all = JSON::PP->new->encode($j) . $p;
ok(!grep({ index($all, $_) >= 0 } @tokens), 'no token in the status');
ok(index($all, 'demo-secret') < 0, 'no secret in the status');
--- no_error_log
demo-secret



=== TEST 3: failure reasons: the authorization server answers 401
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- standin
{"auth":{"status":401,"body":{"error":"invalid_client"}}}
--- request
POST /hello
{}
--- error_code: 502
--- check_eval
my $c = main::cred();
is($c->{fetch_failures}{http_4xx}, 1, 'http_4xx');
is($c->{fetch_failures}{http_5xx}, 0, 'nothing else');
is(main::fn('11111111-1111-4111-8111-111111111111')->{errors}{auth_rejected},
   1, 'auth_rejected');



=== TEST 4: failure reasons: an unusable answer
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- standin
{"auth":{"status":200,"body":""}}
--- request
POST /hello
{}
--- error_code: 502
--- check_eval
is(main::cred()->{fetch_failures}{bad_response}, 1, 'bad_response');



=== TEST 5: failure reasons: an untrusted certificate
--- standin_auth_cert: other
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- error_code: 502
--- check_eval
is(main::cred()->{fetch_failures}{tls}, 1, 'tls');
--- auth_requests: 0



=== TEST 6: failure reasons: a timeout and a refused connection
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    faas_token_timeout 1s;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials closed {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:1/token;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location /closed {
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=closed;
}
location = /status { faas_status; }
--- standin
{"auth":{"delay":3}}
--- check_eval
is((http_request('POST', '/hello', '{}'))[0], 504, 'timeout');
is((http_request('POST', '/closed', '{}'))[0], 502, 'refused');
my $j = main::status_json();
is($j->{credentials}{demo}{fetch_failures}{timeout}, 1, 'timeout');
is($j->{credentials}{closed}{fetch_failures}{connect}, 1, 'connect');
is($j->{credentials}{closed}{fetch_failures}{timeout}, 0, 'only connect');
my $f = $j->{functions}{'11111111-1111-4111-8111-111111111111'};
is_deeply($f->{errors}, { auth_timeout => 1, auth_unreachable => 1 },
          'both errors on the function');
--- no_valgrind: it counts on a 1 s token timeout



=== TEST 7: two workers: every request counted once, both answer the same
--- workers: 2
--- config
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111;
    add_header X-Pid $pid always;
}
location = /status {
    faas_status;
    add_header X-Pid $pid always;
}
--- request
POST /hello
{}
--- parallel: 200
--- concurrency: 20
--- check_eval
my %pids = map { ($_->[2]{'x-pid'} // '?') => 1 } @responses;
diag('workers that answered: ' . join(' ', sort keys %pids));
my %seen;
for (1 .. 10) {
    for my $r (parallel_requests(n => 20, concurrency => 20,
                                 method => 'GET', uri => '/status')) {
        my $j = JSON::PP->new->decode($r->[1]);
        $seen{ $r->[2]{'x-pid'} }{
            $j->{functions}{'11111111-1111-4111-8111-111111111111'}
              {invocations}{'2xx'} } = 1;
    }
    last if keys %seen >= 2;
}
is(scalar keys %seen, 2, 'both workers answered the status');
for my $pid (sort keys %seen) {
    is(join(' ', keys %{ $seen{$pid} }), '200',
       "worker $pid counts all 200 requests");
}
is(main::cred()->{fetches}, 1, 'one token for both workers');



=== TEST 8: a reload keeps the counters (and the token)
--- workers: 2
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- repeat: 5
--- check_eval
my $before = main::status_json();
ok(reload_nginx($FaasTest::LAST_HTTP), 'reloaded');
my $after = main::status_json();
my $u = '11111111-1111-4111-8111-111111111111';
is($after->{functions}{$u}{invocations}{'2xx'}, 5, 'counts kept');
is_deeply($after->{functions}{$u}{latency},
          $before->{functions}{$u}{latency}, 'latencies kept');
is($after->{credentials}{demo}{fetches}, 1, 'token kept, no new fetch');
is($after->{credentials}{demo}{token}{fingerprint},
   $before->{credentials}{demo}{token}{fingerprint}, 'the same token');
http_request('POST', '/hello', '{}');
is(main::fn($u)->{invocations}{'2xx'}, 6, 'and go on counting');
--- auth_requests: 1



=== TEST 9: a bound: new UUIDs beyond it go to "other", the zone stays
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_status_max_functions 5;
--- config
location ~ ^/fn/(?<fn>.+)$ { faas_invoke $fn; }
location ~ ^/ev/(?<ev>.+)$ { faas_invoke event=$ev; }
location = /status { faas_status; }
--- check_eval
my $first = 'abcdef00-0000-4000-8000-000000000000';
is((http_request('POST', "/fn/$first", '{}'))[0], 404, 'a first one');
my $j0 = main::status_json();
for my $i (1 .. 7) {
    my $u = sprintf('%08d-0000-4000-8000-000000000000', $i);
    http_request('POST', "/fn/$u", '{}');
}
# an existing UUID, in capitals: the same entry
http_request('POST', '/fn/' . uc($first), '{}');
http_request('POST', '/fn/not-a-uuid', '{}');
my $j = main::status_json();
is($j->{functions_max}, 5, 'the bound');
is($j->{functions_used}, 5, 'five entries');
is(scalar keys %{ $j->{functions} }, 6, 'five and "other"');
is($j->{functions}{other}{invocations}{'4xx'}, 4,
   'three beyond the bound and one invalid UUID in "other"');
is($j->{functions}{$first}{invocations}{'4xx'}, 2,
   'a UUID in capitals is the same function');
is($j->{functions}{other}{errors}{invalid_lambda}, 1, 'invalid_lambda');
is($j->{zone}{free}, $j0->{zone}{free}, 'the zone did not grow');
is((http_request('POST', '/ev/bad%20event', '{}'))[0], 400, 'a bad event id');
$j = main::status_json();
is($j->{functions}{other}{errors}{invalid_event}, 1,
   'counted as invalid_event');



=== TEST 10: 1,001 distinct UUIDs: 1,000 entries, one "other", no growth
--- no_valgrind: a thousand requests
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    # nothing listens there: each invoke fails fast with 502
    gateway https://127.0.0.1:1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- log_level: crit
--- workers: 2
--- config
location ~ ^/fn/(?<fn>.+)$ { faas_invoke $fn; }
location = /status { faas_status; }
--- check_eval
http_request('POST', '/fn/ffffffff-0000-4000-8000-000000000000', '{}');
my $j0 = main::status_json();
is($j0->{functions_used}, 1, 'one entry');
my $dir = FaasTest::servroot() . '/tmp';
my @kids;
for my $w (0 .. 3) {
    my $pid = fork // die;
    if ($pid == 0) {
        for (my $i = $w; $i < 1000; $i += 4) {
            http_request('POST',
                sprintf('/fn/%08x-0000-4000-8000-000000000000', $i), '{}');
        }
        POSIX::_exit(0);
    }
    push @kids, $pid;
}
waitpid $_, 0 for @kids;
my $j = main::status_json();
is($j->{functions_used}, 1000, '1,000 entries');
is(scalar keys %{ $j->{functions} }, 1001, '1,000 and "other"');
is($j->{functions}{other}{invocations}{'5xx'}, 1, 'the 1,001st: other');
is($j->{zone}{free}, $j0->{zone}{free}, 'the zone did not grow');
my $total = 0;
$total += $_->{latency}{count} for values %{ $j->{functions} };
is($total, 1001, 'every request counted once');
my ($bad) = main::prom_parse(main::status_prom());
is("@$bad", '', 'the Prometheus output of 1,001 functions parses');



=== TEST 11: hosts from the Domain API: current host, its age, lookups and failures
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
location = /status { faas_status; }
--- standin
{"domain":{"fail":1,
           "services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}}}
--- check_eval
my ($s) = http_request('POST', '/hello', '{}');
is($s, 503, 'the first lookup fails');
sleep 1.2;
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'then the hosts come');
my $sv = main::cred()->{services};
my $auth = FaasTest::auth_port();
my $gw = FaasTest::gateway_port();
is($sv->{sentinel}{host}, "sentinel.faas.test:$auth", 'sentinel host');
is($sv->{faasGW}{host}, "gw.faas.test:$gw", 'gateway host');
is($sv->{sentinel}{failures}, 1, 'one failed lookup');
is($sv->{sentinel}{lookups}, 2, 'two lookups');
is($sv->{faasGW}{failures}, 0, 'no failure for the gateway');
ok($sv->{faasGW}{age} >= 0 && $sv->{faasGW}{age} < 5, 'age');
my ($bad, $series) = main::prom_parse(main::status_prom());
is("@$bad", '', 'strict Prometheus format');
is($series->{'faas_domain_host_info{credentials="demo",'
              . "host=\"gw.faas.test:$gw\",service=\"faasGW\"}"}, 1,
   'the host in Prometheus');
is($series->{'faas_domain_lookup_failures_total{credentials="demo",'
              . 'service="sentinel"}'}, 1, 'the failure in Prometheus');



=== TEST 12: token states: refreshing while fetched, expired when refreshes fail
--- no_valgrind: it counts seconds against token lifetimes
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- standin
{"auth":{"delay":1,"ttl":6}}
--- check_eval
my $pid = fork // die;
if ($pid == 0) {
    http_request('POST', '/hello', '{}');
    POSIX::_exit(0);
}
my $state;
for (1 .. 40) {
    $state = main::cred()->{token}{state};
    last if $state eq 'refreshing';
    sleep 0.05;
}
is($state, 'refreshing', 'refreshing while the first fetch runs');
waitpid $pid, 0;
is(main::cred()->{token}{state}, 'valid', 'valid once fetched');
standin_control({ auth => { fail => 1000 } });
# it lives 5 s; refreshes from 2 s before expiry fail
for (1 .. 100) {
    $state = main::cred()->{token}{state};
    last if $state eq 'expired';
    sleep 0.1;
}
is($state, 'expired', 'expired after failed refreshes');
my $c = main::cred();
is($c->{token}{fingerprint}, undef, 'no fingerprint of an expired token');
ok($c->{fetch_failures}{http_5xx} >= 1, 'refreshes failed');



=== TEST 13: without faas_credentials the endpoint answers empty figures
--- http_config
log_format faas '$faas_lambda|$faas_error|$faas_token_wait';
--- config
access_log logs/faas13.log faas;
location = /status { faas_status; }
--- request
GET /status?format=prometheus
--- response_body_like
faas_functions 0
--- check_eval
my ($bad) = main::prom_parse($responses[0][1]);
is("@$bad", '', 'strict Prometheus format');
my $j = main::status_json();
is_deeply($j->{credentials}, {}, 'no credentials');
is_deeply([main::access_lines('faas13.log')], ['-|-|-', '-|-|-'],
          'variables unset');



=== TEST 14: a reload with another faas_status_max_functions: a new zone
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_status_max_functions 10;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- check_eval
(my $http = $FaasTest::LAST_HTTP) =~ s/max_functions 10;/max_functions 20;/;
ok(reload_nginx($http), 'reloaded');
my $j = main::status_json();
is($j->{functions_max}, 20, 'the new bound');
is($j->{functions_used}, 0, 'counters start again');
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'requests go on');
is(main::fn('11111111-1111-4111-8111-111111111111')->{invocations}{'2xx'}, 1,
   'and are counted');



=== TEST 15: faas_status and faas_invoke do not share a location
--- config
location /x {
    faas_invoke 11111111-1111-4111-8111-111111111111;
    faas_status;
}
--- config_error
"faas_status" and "faas_invoke" cannot be in the same location



=== TEST 16: faas_status_max_functions takes a number, at the http level
--- http_config
faas_status_max_functions many;
--- config
location = /status { faas_status; }
--- config_error
invalid value "many" in "faas_status_max_functions" directive, it must be a number from 0 to 1000000



=== TEST 17: faas_status_max_functions has an upper bound
--- http_config
faas_status_max_functions 1000001;
--- config
location = /status { faas_status; }
--- config_error
invalid value "1000001" in "faas_status_max_functions" directive, it must be a number from 0 to 1000000



=== TEST 18: after an error_page redirect, the variables and counters still name the function
--- http_config
faas_credentials down {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
log_format redirect '$uri|$faas_lambda|$faas_credentials|$status';
--- config
access_log logs/redirect.log redirect;
location /down {
    error_page 502 = /sorry;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
location = /sorry { return 200 "sorry page"; }
location = /plain { return 204; }
location = /status { access_log off; faas_status; }
--- request
POST /down
{}
--- response_body: sorry page
--- check_eval
http_request('GET', '/plain');
sleep 0.3;   # the log line follows the response
open my $fh, '<', servroot() . '/logs/redirect.log' or die;
my @log = <$fh>;
chomp @log;
is_deeply(\@log,
          ['/sorry|11111111-1111-4111-8111-111111111111|down|200',
           '/plain|-|-|204'],
          'the redirected request logs its function and credentials; a request without faas_invoke does not')
    or diag(join "\n", @log);
my $j = main::status_json();
is($j->{functions}{'11111111-1111-4111-8111-111111111111'}{invocations}{'2xx'}, 1,
   'counted for its function, as the client got it');
is($j->{functions}{other}{invocations}{'2xx'}, 0, 'nothing under other');



=== TEST 19: a 413 (Content-Length or chunked) logs its function and credentials and is counted for its function
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
log_format big '$uri|$faas_lambda|$faas_credentials|$status|$faas_error';
--- config
access_log logs/big.log big;
client_max_body_size 1k;
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location ~ ^/fn/(?<fn>[^/]+)$ { faas_invoke $fn; }
location = /status { access_log off; faas_status; }
--- request_eval
"POST /hello\n" . '{"big":"' . ('z' x 2000) . '"}'
--- error_code: 413
--- response_body_json
{"error":"body_too_large","message":"the request body is larger than client_max_body_size"}
--- check_eval
my $big = '{"big":"' . ('z' x 2000) . '"}';
my $two = '22222222-2222-4222-8222-222222222222';
my @r = (http_request('POST', '/hello', $big, undef, chunked => 1))[0];
push @r, (http_request('POST', "/fn/$two", $big))[0];
push @r, (http_request('POST', "/fn/$two", $big, undef, chunked => 1))[0];
push @r, (http_request('POST', '/fn/not-a-uuid', $big))[0];
is_deeply(\@r, [413, 413, 413, 413], 'all over client_max_body_size');
sleep 0.3;   # the log line follows the response
open my $fh, '<', servroot() . '/logs/big.log' or die;
my @log = <$fh>;
chomp @log;
is_deeply(\@log,
          ['/hello|11111111-1111-4111-8111-111111111111|demo|413|body_too_large',
           '/hello|11111111-1111-4111-8111-111111111111|demo|413|body_too_large',
           "/fn/$two|$two|demo|413|body_too_large",
           "/fn/$two|$two|demo|413|body_too_large",
           '/fn/not-a-uuid||demo|413|body_too_large'],
          'the lambda (literal or from a capture) and the credentials are logged')
    or diag(join "\n", @log);
my $j = main::status_json();
for my $uuid ('11111111-1111-4111-8111-111111111111', $two) {
    is($j->{functions}{$uuid}{invocations}{'4xx'}, 2, "$uuid: two 4xx");
    is($j->{functions}{$uuid}{errors}{body_too_large}, 2,
       "$uuid: two body_too_large");
}
is($j->{functions}{other}{invocations}{'4xx'}, 1, 'not a UUID: under other');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 0, 'nothing was sent to the gateway');



=== TEST 20: error_page into another faas location that nginx refuses: the request keeps its first function, counted once
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_credentials down {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:1;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
log_format guarded '$uri|$faas_lambda|$faas_credentials|$status';
--- config
access_log logs/guarded.log guarded;
location /down {
    error_page 502 = /guarded;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=down;
}
location = /guarded {
    deny all;
    faas_invoke 22222222-2222-4222-8222-222222222222 credentials=demo;
}
location = /status { access_log off; faas_status; }
--- request
POST /down
{}
--- error_code: 403
--- response_body_json
{"error":"client_error","message":"the request could not be answered"}
--- check_eval
sleep 0.3;   # the log line follows the response
open my $fh, '<', servroot() . '/logs/guarded.log' or die;
my @log = <$fh>;
chomp @log;
is_deeply(\@log, ['/guarded|11111111-1111-4111-8111-111111111111|down|403'],
          'logged with the function and credentials of its faas_invoke')
    or diag(join "\n", @log);
my $j = main::status_json();
is($j->{functions}{'11111111-1111-4111-8111-111111111111'}{invocations}{'4xx'},
   1, 'counted for its function, as the client got it');
ok(!exists $j->{functions}{'22222222-2222-4222-8222-222222222222'},
   'not counted for the location it was sent to');



=== TEST 21: README's table of metrics lists every family of the output, with its type and labels
--- http_config
resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off;
faas_credentials demo {
    account       12345678;
    client_id     demo-client;
    client_secret demo-secret;
    domain_api    https://127.0.0.1:$TEST_NGINX_DOMAIN_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_cache_path $TEST_NGINX_SERVROOT/cache keys_zone=st:1m;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location /cached {
    faas_cache st;
    faas_cache_valid 200 1m;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
location = /status { faas_status; }
--- standin
{"domain":{"services":{"sentinel":"sentinel.faas.test:$TEST_NGINX_AUTH_PORT",
                       "faasGW":"gw.faas.test:$TEST_NGINX_GATEWAY_PORT"}}}
--- check_eval
is((http_request('POST', '/hello', '{}'))[0], 200, 'a function answers');
is((http_request('POST', '/hello', 'not json'))[0], 400, 'an error');
is((http_request('GET', '/cached'))[0], 200, 'a cached function') for 1 .. 2;
my $p = main::status_prom();
my ($bad) = main::prom_parse($p);
is("@$bad", '', 'strict Prometheus format');
# the output: each family's type, and the labels its samples carry
my (%type, %labels);
for my $line (split /\n/, $p) {
    if ($line =~ /^# TYPE (\S+) (\S+)$/) {
        $type{$1} = $2;
        $labels{$1} //= {};
    } elsif ($line =~ /^(\w+?)(?:_bucket|_sum|_count)?(?:\{(.*)\})? /) {
        my ($fam, $l) = ($1, $2 // '');
        $fam = $1 if !exists $type{$fam} && $line =~ /^(\w+)[{ ]/;
        $labels{$fam}{$_} = 1 for $l =~ /(\w+)="/g;
    }
}
# README: | `name`[, `name`] | type (...) | `label`, ... (...) or — |
open my $fh, '<', repo_root() . '/README.md' or die;
my $readme = do { local $/; <$fh> };
my ($table) = $readme
    =~ /\n\| metric \| type \| labels \|\n\|---.*?\n((?:\|.*\n)+)/;
ok(defined $table, 'README has the table of metrics');
my (%rtype, %rlabels);
for my $row (split /\n/, $table // '') {
    my (undef, $names, $t, $l) = split /\s*\|\s*/, $row;
    (my $plain = $l) =~ s/\([^)]*\)//g;
    for my $n ($names =~ /`([^`]+)`/g) {
        ($rtype{$n}) = $t =~ /^(\w+)/;
        $rlabels{$n} = join ',', sort $plain =~ /`([^`]+)`/g;
    }
}
is_deeply([sort keys %rtype], [sort keys %type],
          'the same families in the README and the output');
is_deeply({ map { $_ => $rtype{$_} } keys %type }, \%type,
          'with the same types');
is_deeply({ map { $_ => $rlabels{$_} } keys %type },
          { map { $_ => join(',', sort keys %{ $labels{$_} }) } keys %type },
          'with the same labels');
