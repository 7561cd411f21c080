# Large bodies: a worker's memory does not grow with the body's size.
# The body goes into the invoke request as nginx holds it (a large one in
# its temporary file, sent from there in pieces), checked as it is read;
# with faas_payload request it is encoded into the payload a piece at a
# time, into a temporary file of its own.  The worker's peak RSS (VmHWM,
# reset before the requests through /proc/PID/clear_refs) is the figure.
#
# The gateway here is a server{} of the same nginx over TLS that reads
# every body whole (proxy_pass to a server{} that drops it; the Perl
# stand-in would take minutes to read them) and logs its length; the
# token comes from the stand-in.  So the worker measured also
# serves the gateway's side, whose memory nginx bounds by its buffers.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

$ENV{TEST_NGINX_SINK_PORT} = free_port();
$ENV{TEST_NGINX_NULL_PORT} = free_port();
$ENV{TEST_NGINX_H2_PORT} = free_port();
$ENV{TEST_NGINX_BIG_PORT} = free_port();

default_http_config(<<'EOF');
faas_credentials big {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_SINK_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
log_format sizes '$uri $status $request_length $upstream_status';
server {
    listen 127.0.0.1:$TEST_NGINX_SINK_PORT ssl;
    ssl_certificate $TEST_NGINX_CERT_DIR/server.crt;
    ssl_certificate_key $TEST_NGINX_CERT_DIR/server.key;
    client_max_body_size 0;
    access_log $TEST_NGINX_SERVROOT/logs/sink.log sizes;
    # proxy_pass reads each body whole before it answers
    location / { proxy_pass http://127.0.0.1:$TEST_NGINX_NULL_PORT; }
}
server {
    listen 127.0.0.1:$TEST_NGINX_NULL_PORT;
    client_max_body_size 0;
    access_log off;
    location / { return 200 '{"ok":true}'; }
    # a large answer in chunks (SSI drops its Content-Length)
    location = /big.json {
        root $TEST_NGINX_SERVROOT/srv;
        ssi on;
        ssi_types *;
    }
}
faas_credentials bigout {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_BIG_PORT;
}
server {
    listen 127.0.0.1:$TEST_NGINX_BIG_PORT ssl;
    ssl_certificate $TEST_NGINX_CERT_DIR/server.crt;
    ssl_certificate_key $TEST_NGINX_CERT_DIR/server.key;
    client_max_body_size 0;
    location / {
        rewrite ^ /big.json break;
        proxy_pass http://127.0.0.1:$TEST_NGINX_NULL_PORT;
        proxy_method GET;
        proxy_pass_request_body off;
    }
}
EOF

# the worker's peak RSS in kB, and a reset of it
sub peak_kb {
    my ($pid) = FaasTest::worker_pids();
    open my $fh, '<', "/proc/$pid/status" or die "status of $pid: $!";
    my ($kb) = map { /^VmHWM:\s+(\d+)/ ? $1 : () } <$fh>;
    return $kb;
}

sub reset_peak {
    my ($pid) = FaasTest::worker_pids();
    open my $fh, '>', "/proc/$pid/clear_refs" or die "clear_refs: $!";
    print $fh "5\n";
    close $fh;
}

# N concurrent uploads of a SIZE MB body; the statuses
sub uploads {
    my (%o) = @_;
    my $body = $o{body};
    return map { $_->[0] } parallel_requests(n => $o{n}, method => 'POST',
        uri => $o{uri}, body => $body, chunked => $o{chunked},
        headers => $o{headers}, timeout => 120);
}

# a JSON body of about $mb MB that the check must read to its end
sub json_body {
    my ($mb) = @_;
    my $item = '{"id":123456,"name":"ngx_http_faas_module","ok":true},';
    my $n = int($mb * 1048576 / length $item);
    return '[' . ($item x $n) . '{}]';
}

sub sink_lines {
    my $want = shift;
    my $f = servroot() . '/logs/sink.log';
    for (1 .. 50) {
        my $text = FaasTest::read_file($f) // '';
        my @l = split /\n/, $text;
        return @l if @l >= $want;
        select(undef, undef, undef, 0.1);
    }
    return split /\n/, FaasTest::read_file($f) // '';
}

run_tests();

__DATA__

=== TEST 1: 8 concurrent 16 MB bodies, chunked and with Content-Length: the worker's peak RSS rises by less than 32 MB
--- config
client_max_body_size 64m;
location /up { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=big; }
--- timeout: 120
--- check_eval
my $body = main::json_body(16);
main::uploads(n => 1, uri => '/up', body => '{}');     # the token, warm-up
main::reset_peak();
my $before = main::peak_kb();
my @st = main::uploads(n => 8, uri => '/up', body => $body, chunked => 1);
push @st, main::uploads(n => 8, uri => '/up', body => $body);
is(scalar(grep { $_ == 200 } @st), 16, "every upload: 200") or diag("@st\n" . join("\n", grep { /\[(error|crit|alert)\]/ } split /\n/, error_log_text()));
my $rise = main::peak_kb() - $before;
cmp_ok($rise, '<', 32 * 1024, "peak RSS rose by $rise kB");
my @sent = grep { m{^/api/} } main::sink_lines(17);
my $whole = grep { (split / /)[2] > length $body } @sent;
is($whole, 16, 'the gateway got each body whole, in its envelope');



=== TEST 2: faas_payload request: 4 concurrent 16 MB bodies, as text and as base64, are encoded in pieces: the peak RSS rises by less than 32 MB
--- config
client_max_body_size 64m;
location /req {
    faas_payload request;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=big;
}
--- timeout: 120
--- check_eval
my $text = 'Grüße, ' x (16 * 1048576 / 9);
my $bin = join '', map { chr($_ % 256) } 0 .. 65535;
$bin x= 256;
main::uploads(n => 1, uri => '/req', body => 'x');
main::reset_peak();
my $before = main::peak_kb();
my @st = main::uploads(n => 4, uri => '/req', body => $text,
    headers => [['Content-Type', 'text/plain; charset=utf-8']]);
push @st, main::uploads(n => 4, uri => '/req', body => $bin, chunked => 1,
    headers => [['Content-Type', 'application/octet-stream']]);
is(scalar(grep { $_ == 200 } @st), 8, 'every upload: 200') or diag("@st");
my $rise = main::peak_kb() - $before;
cmp_ok($rise, '<', 32 * 1024, "peak RSS rose by $rise kB");
my @sent = grep { m{^/api/} } main::sink_lines(9);
my @len = map { (split / /)[2] } @sent[-8 .. -1];
is(scalar(grep { $_ > length $text } @len[0 .. 3]), 4,
   'the text bodies went out whole, escaped');
is(scalar(grep { $_ > length($bin) * 4 / 3 } @len[4 .. 7]), 4,
   'the binary bodies went out whole, in base64');



=== TEST 3: a 401 of the gateway: a body in nginx's temporary file is sent again, whole, with the new token
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
client_max_body_size 4m;
client_body_buffer_size 16k;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- standin
{"gateway":{"reject_jti":[1]}}
--- request_eval
"POST /echo\n" . main::json_body(0.3)
--- response_body_like: ^\{"timestamp":\d+,"headers":\[\],"payload":\[\{"id":123456,.*\{\}\]\}$
--- gateway_requests: 2
--- auth_requests: 2
--- check_eval
my @g = standin_requests('gateway');
is($g[0]{status}, 401, 'the first try was refused');
is(length($g[0]{body}), length($g[1]{body}), 'the second try sent the same body');
like($g[1]{body}, qr/\{\}\]\}$/, 'to its end');
--- error_log
a client request body is buffered to a temporary file



=== TEST 4: client_body_in_file_only: the body is read from its file, in both payload modes
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
client_body_in_file_only clean;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
location /req {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{"name":"Ada"}
--- response_body_like: "payload":\{"name":"Ada"\}\}$
--- check_eval
my ($s, $h, $b) = http_request('POST', '/req', "caf\xc3\xa9 au lait",
    [['Content-Type', 'text/plain']]);
is($s, 200, 'faas_payload request: 200');
like($b, qr/"body":"caf\xc3\xa9 au lait","isBase64Encoded":false/, 'the body as text');
($s, $h, $b) = http_request('POST', '/echo', '{"name":');
is($s, 400, 'a broken body in its file: 400');



=== TEST 5: HTTP/2: a large body is checked as its frames come, and sent whole
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
listen 127.0.0.1:$TEST_NGINX_H2_PORT http2;
client_max_body_size 4m;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- check_eval
my $body = main::json_body(0.3);
my $f = servroot() . '/tmp/h2-body.json';
FaasTest::write_file($f, $body);
my $curl = sub {
    my $out = `curl -s --http2-prior-knowledge -o - -w '\\n%{http_code} %{http_version}' --data-binary \@$f http://127.0.0.1:$ENV{TEST_NGINX_H2_PORT}/echo`;
    my ($b, $st) = $out =~ /^(.*)\n(\d+ \S+)$/s;
    return ($st // '', $b // '');
};
my ($st, $b) = $curl->();
is($st, '200 2', 'a valid body over HTTP/2: 200');
ok(index($b, $body) > 0, 'it reached the function whole');
(my $bad = $body) =~ s/\{\}\]$/{}/;
FaasTest::write_file($f, $bad);
($st, $b) = $curl->();
is($st, '400 2', 'a body that ends too early: 400');
like($b, qr/"message":"the request body is not valid JSON at byte @{[ length $bad ]}: /,
     'where it ended');



=== TEST 6: faas_response http: 16 concurrent answers of 50 MB against faas_max_response_size 1m are refused, and the worker's memory stays within the bound
--- config
location /web {
    faas_response http;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=bigout;
}
--- timeout: 120
--- check_eval
FaasTest::make_path(servroot() . '/srv');
FaasTest::write_file(servroot() . '/srv/big.json', '{"body":"' . ('x' x (50 * 1048576)) . '"}');
main::uploads(n => 1, uri => '/web', body => '{}');     # the token, warm-up
main::reset_peak();
my $before = main::peak_kb();
my @st = main::uploads(n => 16, uri => '/web', body => '{}');
is(scalar(grep { $_ == 502 } @st), 16, 'every answer: 502') or diag("@st");
my $rise = main::peak_kb() - $before;
SKIP: {
    # valgrind's own memory grows with what the process touches
    skip 'the peak RSS of valgrind, not of nginx', 1 if $ENV{FAAS_VALGRIND};
    cmp_ok($rise, '<', 24 * 1024, "peak RSS rose by $rise kB (16 x 1 MB kept at most)");
}
like(error_log_text(), qr/the answer is larger than faas_max_response_size/,
     'bad_function_response: larger than faas_max_response_size');
