# Retries are bounded: every misbehaviour of the gateway that the
# stand-in knows, crossed with GET, HEAD, POST, PUT and DELETE, each on a
# fresh gateway connection and on one kept open from an earlier request.
#
# The rule (nginx's, for proxy_pass with keepalive): a failure on a kept
# connection may be tried once more on a new connection, when nothing of
# the gateway's answer has gone to the client, and for a method nginx
# treats as idempotent (not POST, LOCK or PATCH: an invoke that was sent
# may have run).  So every cell costs 1 gateway request, or 2 for an
# idempotent method on a kept connection that failed before its answer's
# head (close_before_answer, close_mid_headers).  The client's status and
# error code are those of t/009 (faas_response body, the default).
#
# Each row: the misbehaviour, the client's status (0: the connection ends
# without an answer), the error code of the JSON body (undef: the
# gateway's own body), and whether a kept connection's failure is tried
# again.  HEAD gets the head only: a 200 head is complete before the body
# goes wrong, so its status is 200 where GET's connection just ends.
#
# The last blocks: an upstream{} block named by "gateway" allows at most
# one try per server plus one for a kept connection, however many
# connections it kept (nginx alone tries each kept one of a lone server);
# by default a try that reached the gateway is not tried elsewhere.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use Time::HiRes qw(sleep time);

my @MODES = (
    # misbehave            status  error             kept retried
    ['close_before_answer', 502,   'gateway_error',   1],
    ['close_mid_headers',   502,   'gateway_error',   1],
    ['close_mid_body',      200,   undef,             0],
    ['endless_headers',     502,   'gateway_error',   0],
    ['endless_body',        200,   undef,             0],
    ['lying_length_short',  200,   undef,             0],
    ['lying_length_long',   200,   undef,             0],
    ['bad_chunked',         0,     undef,             0],
    ['html_200',            200,   undef,             0],
    ['stall',               504,   'gateway_timeout', 0],
);

my @METHODS = qw(GET HEAD POST PUT DELETE);
my %IDEMPOTENT = (GET => 1, HEAD => 1, PUT => 1, DELETE => 1);

my $UUID = '11111111-1111-4111-8111-111111111111';

# "fresh" keeps no connection, "kept" keeps them; both name the stand-in
my $HTTP = <<'EOF';
log_format tries '$request_method $uri $status "$upstream_status"';
faas_credentials fresh {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 0;
}
faas_credentials kept {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
upstream gw.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT max_fails=0;
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT max_fails=0;
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT max_fails=0;
    keepalive 16;
}
faas_credentials block {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://gw.faas.test;
}
upstream one.faas.test {
    server 127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
    keepalive 16;
}
faas_credentials one {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://one.faas.test;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_read_timeout 1s;
faas_buffer_size 1k;
server {
    listen 127.0.0.1:$TEST_NGINX_SERVER_PORT;
    access_log logs/access.log tries;
    location /fresh { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=fresh; }
    location /kept { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=kept; }
    location /block { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=block; }
    location /block-nginx {
        faas_next_upstream error timeout;
        faas_invoke 11111111-1111-4111-8111-111111111111 credentials=block;
    }
    location /one { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=one; }
}
EOF

sub last_access_line {
    open my $fh, '<', servroot() . '/logs/access.log' or return '';
    my @l = <$fh>;
    return $l[-1] // '';
}

sub gateway_invokes {
    return grep { $_->{path} =~ m{/invoke$} } standin_requests('gateway');
}

# a gateway connection kept open by /$loc, then the gateway misbehaves
sub keep_connections {
    my ($loc, $n) = @_;
    standin_control(undef);
    my @r = parallel_requests(n => $n, concurrency => $n, method => 'POST',
        uri => "/$loc", body => '{"name":"Ada"}');
    my @bad = grep { $_->[0] != 200 } @r;
    die "warm-up of /$loc failed: " . join(', ', map { $_->[0] } @bad)
        if @bad;
}

start_standins();
start_nginx($HTTP);

my $crashes = 0;

for my $row (@MODES) {
    my ($mode, $status, $code, $retried) = @$row;

    subtest $mode => sub {
        for my $kind (qw(fresh kept)) {
            for my $method (@METHODS) {
                keep_connections('kept', 1) if $kind eq 'kept';
                standin_control({ gateway => { misbehave => $mode } });
                clear_standin_requests();

                my $body = $method =~ /^(POST|PUT)$/ ? '{"name":"Ada"}'
                    : undef;
                my ($st, $h, $b) = http_request($method, "/$kind", $body,
                    undef, timeout => 2);

                my $want = $status;
                $want = 200 if $method eq 'HEAD' && $want == 0;
                my $tries = $kind eq 'kept' && $retried
                    && $IDEMPOTENT{$method} ? 2 : 1;
                my $cell = "$method $kind";

                is($st, $want, "$cell: status $want");
                if (defined $code && $method ne 'HEAD') {
                    like($b, qr/"error":"$code"/, "$cell: error $code");
                }

                # the stand-in logs a request before it misbehaves
                my $deadline = time + 3;
                sleep 0.05 while gateway_invokes() < $tries
                    && time < $deadline;
                sleep 0.2;
                my @inv = gateway_invokes();

                is(scalar @inv, $tries, "$cell: $tries gateway request(s)");
                ok($kind eq "kept" ? $inv[0]{conn_seq} > 1
                   : $inv[0]{conn_seq} == 1,
                   "$cell: the first try is on a "
                   . ($kind eq 'kept' ? 'kept' : 'new') . " connection")
                    if @inv;
                is($inv[1]{conn_seq}, 1, "$cell: the second on a new one")
                    if @inv > 1;

                my $line = last_access_line();
                my ($ups) = $line =~ /"([^"]*)"\s*$/;
                my @ups = grep { length } split /\s*[,:]\s*/, $ups // '';
                is(scalar @ups, $tries, "$cell: $tries \$upstream_status")
                    or diag($line);
            }
        }
    };
}

# upstream{} blocks: one of three servers, one of one server, each with
# six connections kept.  By default (faas_next_upstream unset) a try that
# reached the gateway is not tried again elsewhere, but for the one free
# try of a kept connection; "faas_next_upstream error timeout" is
# nginx's rule, each server once.
for my $block (['block', 3, 2, 2], ['one', 1, 2, 2],
               ['block-nginx', 3, 3, 4])
{
    my ($loc, $servers, $least, $most) = @$block;

    subtest "/$loc, an upstream block of $servers server(s): $least to "
          . "$most tries, one on a kept connection" => sub {
        for my $method (@METHODS) {
            keep_connections($loc, 6);
            standin_control({ gateway => {
                misbehave => 'close_before_answer' } });
            clear_standin_requests();

            my $body = $method =~ /^(POST|PUT)$/ ? '{"name":"Ada"}' : undef;
            my ($st, $h, $b) = http_request($method, "/$loc", $body, undef,
                timeout => 3);

            is($st, 502, "$method: 502");
            sleep 0.3;
            my @inv = gateway_invokes();
            my $kept = grep { $_->{conn_seq} > 1 } @inv;

            if (!$IDEMPOTENT{$method}) {
                is(scalar @inv, 1, "$method: 1 gateway request");
                next;
            }

            ok(@inv >= $least && @inv <= $most,
               "$method: $least to $most gateway requests")
                or diag(scalar(@inv) . " requests");
            is($kept, 1, "$method: one of them on a kept connection");
        }
    };
}

my @crash = grep { /exited on signal|\[alert\]/ }
    split /\n/, error_log_text();
ok(!@crash, 'no worker crashed, no alert') or diag(join "\n", @crash);
ok(stop_nginx(), 'nginx stops on QUIT');
stop_standins();

done_testing();
