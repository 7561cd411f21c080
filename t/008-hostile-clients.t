# Hostile clients: huge headers, many headers, deep JSON, odd bodies, and
# clients that go away or crawl. nginx stays up, others are unaffected.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

default_http_config(demo_http_config());

sub raw_conn {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => server_port(), Proto => 'tcp', Timeout => 5);
    die "connect: $!" unless $s;
    return $s;
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: an 8 KB header reaches a function; 1,000 headers do no harm
--- config
large_client_header_buffers 4 16k;
location /echo {
    faas_payload request;
    faas_pass_request_headers on;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
GET /echo
--- check_eval
my ($s, $hd, $body) = http_request('GET', '/echo', undef,
    [['X-Big', 'b' x 8192]]);
is($s, 200, 'an 8 KB header');
like($body, qr/"x-big":"b{8192}"/, 'arrived whole, in the payload');
like($body, qr/\{"key":"X-Big","value":"b{8192}"\}/, 'and in the list');
my @h = map { ["X-H$_", "v$_"] } 1 .. 1000;
($s) = http_request('GET', '/echo', undef, \@h, timeout => 30);
ok($s == 200 || ($s >= 400 && $s < 500), "1,000 headers: $s");
($s) = http_request('GET', '/echo');
is($s, 200, 'the next request is served');



=== TEST 2: JSON nested 10,000 levels deep is refused with 400, nothing crashes
--- config
client_max_body_size 1m;
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request_eval
"POST /hello\n" . ('[' x 10000) . (']' x 10000)
--- error_code: 400
--- response_body_json
{"error":"invalid_json","message":"the request body is not valid JSON at byte 1000: nested deeper than 1000"}
--- gateway_requests: 1
--- check_eval
my ($s) = http_request('POST', '/hello', ('[' x 500) . (']' x 500));
is($s, 200, '500 levels are fine');



=== TEST 3: numbers and strings at their limits pass through unchanged
--- config
client_max_body_size 2m;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request_eval
"POST /echo\n" . '{"big":1e308,"neg":-1.7976931348623157e308,"int":9007199254740993,'
    . '"tiny":5e-324,"s":"' . ('\\u0000\\uffff\\ud83d\\ude00' x 1000)
    . ('x' x 500000) . '"}'
--- check_eval
like($responses[0][1], qr/"payload":\{"big":1e308,"neg":-1\.7976931348623157e308,"int":9007199254740993,"tiny":5e-324,/,
     'the payload is sent as written, digit for digit');
--- error_code: 200



=== TEST 4: clients that close mid-request and mid-response do not hurt others
--- config
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{}
--- check_eval
# half a body, then gone
for (1 .. 5) {
    my $c = main::raw_conn();
    print $c "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":";
    close $c;
}
# waiting for a slow function, then gone
for (1 .. 5) {
    my $c = main::raw_conn();
    print $c "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"sleep\":1}";
    sleep 0.1;
    close $c;
}
sleep 1.5;
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'others are answered');
like(error_log_text(), qr/client prematurely closed|client closed/,
     'nginx noticed the clients leaving');



=== TEST 5: a slow client sending its body byte by byte is served
--- config
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
POST /echo
{}
--- check_eval
my $body = '{"slow":true}';
my $c = main::raw_conn();
print $c "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    . "Content-Length: " . length($body) . "\r\n\r\n";
for my $ch (split //, $body) {
    print $c $ch;
    $c->flush;
    sleep 0.05;
}
my $out = do { local $/; <$c> };
like($out, qr{^HTTP/1\.1 200 .*"payload":\{"slow":true\}}s, 'answered');
# meanwhile nobody else waited
my $t0 = time;
my ($s) = http_request('POST', '/echo', '{}');
ok($s == 200 && time - $t0 < 2, 'a fast client is not held up');



=== TEST 6: a client that reads the answer slowly still gets all of it
--- config
client_max_body_size 2m;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
POST /echo
{}
--- check_eval
my $body = '{"pad":"' . ('p' x 300000) . '"}';
my $c = main::raw_conn();
print $c "POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    . "Content-Type: application/json\r\n"
    . "Content-Length: " . length($body) . "\r\n\r\n" . $body;
my $got = '';
while (1) {
    my $n = sysread($c, my $buf, 8192);
    last unless $n;
    $got .= $buf;
    sleep 0.002;
}
my ($pad) = $got =~ /"pad":"(p+)"\}\}$/;
is(length($pad // ''), 300000, 'the whole answer arrived');



=== TEST 7: a JSON body that is not UTF-8 is refused; one that is passes
--- config
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request_eval
"POST /echo\n{\"s\":\"caf\xe9\"}"
--- error_code: 400
--- response_body_json
{"error":"invalid_json","message":"the request body is not valid JSON at byte 10: invalid UTF-8"}
--- check_eval
my ($s, $h, $b) = http_request('POST', '/echo', "{\"s\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}");
is($s, 200, 'valid UTF-8 passes');
like($b, qr/"payload":\{"s":"caf\xc3\xa9 \xf0\x9f\x98\x80"\}/, 'byte for byte');



=== TEST 8: a body read in many pieces, apart from the header, reaches the function byte for byte
--- config
client_max_body_size 2m;
client_body_buffer_size 2m;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
POST /echo
{"warm":"up"}
--- check_eval
my $body = '{"items":[' . join(',', map { qq({"id":$_,"s":"\x{e9}t\x{e9} $_"}) } 1 .. 20000) . ']}';
utf8::encode($body);
for my $head_part (0, 37, 1000) {
    my $s = raw_conn();
    print $s "POST /echo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Length: " . length($body) . "\r\n\r\n"
        . substr($body, 0, $head_part);
    # the rest comes later, in pieces of different sizes
    my $off = $head_part;
    my $n = 0;
    while ($off < length $body) {
        sleep 0.05 if $n++ < 3;
        my $len = (4096, 65536, 1, 300000)[$n % 4];
        print $s substr($body, $off, $len);
        $off += $len;
    }
    local $/;
    my $resp = <$s>;
    close $s;
    my ($status) = $resp =~ m{^HTTP/1\.1 (\d+)};
    is($status, 200, "with $head_part bytes sent with the header: 200");
    my ($payload) = $resp =~ /"payload":(.*)\}\s*\z/s;
    ok(defined $payload && $payload eq $body,
       "with $head_part bytes sent with the header: the body arrived whole")
        or diag(substr($resp, 0, 300));
}
