# Functions as web endpoints: the request as payload, the function's answer
# as the HTTP response, request headers for functions.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: faas_payload request: a GET with a query string
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
GET /echo?a=1&b=x+y&b=%C3%A9&empty=&flag
--- more_headers
X-Custom: one
--- response_body_json
{"timestamp":"ANY","headers":[],
 "payload":{"method":"GET","path":"/echo","query":"a=1&b=x+y&b=%C3%A9&empty=&flag",
            "args":{"a":"1","b":["x y","\u00e9"],"empty":"","flag":""},
            "headers":{"host":"ANY","connection":"ANY","x-custom":"one"},
            "body":"","isBase64Encoded":false,"remoteAddr":"127.0.0.1"}}



=== TEST 2: an HTML form post is text
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
name=Ada+Lovelace&lang=en
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- response_body_like: "method":"POST".*"body":"name=Ada\+Lovelace&lang=en","isBase64Encoded":false,



=== TEST 3: a binary upload is base64, sent chunked too
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . join('', map { chr } 0 .. 255)
--- more_headers
Content-Type: application/octet-stream
--- request_body_chunked
--- check_eval
use MIME::Base64;
my ($b64) = $responses[0][1] =~ /"body":"([^"]*)","isBase64Encoded":true/;
is(decode_base64($b64 // ''), join('', map { chr } 0 .. 255),
   'the function got the bytes');



=== TEST 4: text that is not valid UTF-8 is base64 too; JSON is text
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\nabc\xff\xfe"
--- more_headers
Content-Type: text/plain
--- response_body_like: "body":"YWJj//4=","isBase64Encoded":true
--- check_eval
my ($s, $h, $body) = http_request('POST', '/echo', '{"a":"\u00e9"}',
    [['Content-Type', 'application/json; charset=utf-8']]);
like($body, qr/"body":"\{\\"a\\":\\"\\\\u00e9\\"\}","isBase64Encoded":false/,
     'a JSON body is a string of text');



=== TEST 5: credentials stay out of the payload unless listed
--- config
location /echo {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
location /cookie {
    faas_payload request;
    faas_pass_request_header Cookie;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
GET /echo
--- more_headers
Authorization: Bearer client-secret-token
Cookie: session=s3cret
--- response_body_unlike: s3cret|client-secret-token
--- check_eval
my ($s, $h, $body) = http_request('GET', '/cookie', undef,
    [['Cookie', 'a=1'], ['Cookie', 'b=2'],
     ['Authorization', 'Bearer client-secret-token']]);
like($body, qr/"cookie":"a=1; b=2"/, 'a listed header passes, joined');
unlike($body, qr/client-secret-token/, 'the other one does not');



=== TEST 6: faas_pass_request_headers: the invoke body's headers list
--- config
location /echo {
    faas_pass_request_headers on;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{}
--- more_headers
X-Dup: 1
X-Other: x
X-Dup: 2
Authorization: Basic c2VjcmV0
Cookie: session=s3cret
--- check_eval
use JSON::PP;
my $j = JSON::PP->new->decode($responses[0][1]);
my @h = map { "$_->{key}=$_->{value}" } @{ $j->{headers} };
my @mine = grep { /^X-/ } @h;
is("@mine", 'X-Dup=1 X-Other=x X-Dup=2', 'repeated headers, in order');
ok(!grep({ /^(Authorization|Cookie)=/i } @h), 'no credentials by default');
is_deeply($j->{payload}, {}, 'payload as before');



=== TEST 7: faas_pass_request_header lets Authorization through
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_pass_request_headers on;
faas_pass_request_header Authorization;
--- config
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
--- request
POST /echo
{}
--- more_headers
Authorization: Basic c2VjcmV0
--- response_body_like: \{"key":"Authorization","value":"Basic c2VjcmV0"\}



=== TEST 8: faas_response http: status, headers (several Set-Cookie) and body
--- config
location /page {
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
--- request
GET /page?name=Ada&status=201
--- error_code: 201
--- response_headers
Content-Type: text/html; charset=utf-8
X-Method: GET
Content-Length: 20
--- response_body
<h1>Hello, Ada!</h1>
--- check_eval
# the harness joins repeated headers with ", "
is($responses[0][2]{'set-cookie'}, 'a=1; Path=/, b=2; Path=/',
   'one Set-Cookie for each value');



=== TEST 9: a base64 body is decoded; headers nginx owns are not taken
--- config
location /bin {
    faas_response http;
    faas_invoke 44444444-4444-4444-8444-444444444444;
}
--- standin
{"gateway":{"status":200,"body":{"statusCode":200,
  "headers":{"Content-Type":"image/png","Content-Length":"999",
             "Connection":"close","Transfer-Encoding":"chunked","X-N":42},
  "body":"iVBORw0KGgoAAAAASUVORK5CYII=","isBase64Encoded":true}}}
--- request
GET /bin
--- response_headers
Content-Type: image/png
Content-Length: 20
X-N: 42
!Transfer-Encoding
--- response_headers_like
Connection: keep-alive|close
--- check_eval
use MIME::Base64;
is($responses[0][1], decode_base64('iVBORw0KGgoAAAAASUVORK5CYII='),
   'the decoded bytes');



=== TEST 10: an answer that is not an HTTP response: 502 bad_function_response
--- config
location /page {
    faas_response http;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- request
POST /page
{"name":"Ada"}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_json
{"error":"bad_function_response","message":"\"statusCode\" is not a number from 200 to 599"}
--- error_log
the function's answer is not an HTTP response



=== TEST 11: header splitting is refused
--- config
location /page {
    faas_response http;
    faas_invoke 44444444-4444-4444-8444-444444444444;
}
--- standin
{"gateway":{"status":200,"body":{"statusCode":200,
  "headers":{"X-Evil":"a\r\nSet-Cookie: owned=1"},"body":"x"}}}
--- request
GET /page
--- error_code: 502
--- response_body_json
{"error":"bad_function_response","message":"a header value holds a line break"}
--- response_headers
!Set-Cookie



=== TEST 12: an answer over faas_max_response_size: 502, also chunked
--- config
location /page {
    faas_response http;
    faas_max_response_size 1k;
    faas_invoke 44444444-4444-4444-8444-444444444444;
}
--- standin_eval
{ gateway => { status => 200, chunked => 1,
  body => { statusCode => 200, body => 'x' x 5000 } } }
--- request
GET /page
--- error_code: 502
--- response_body_json
{"error":"bad_function_response","message":"the answer is larger than faas_max_response_size"}



=== TEST 13: a chunked http answer; a gateway 404 or 901 is a JSON 502
--- config
location /page {
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
location /missing {
    faas_response http;
    faas_invoke 00000000-0000-4000-8000-000000000000;
}
location /fail {
    faas_response http;
    faas_invoke 99999999-9999-4999-8999-999999999999;
}
--- standin
{"gateway":{"chunked":1}}
--- request
GET /page?name=Chunk
--- response_body
<h1>Hello, Chunk!</h1>
--- check_eval
my ($s, $h, $body) = http_request('GET', '/missing');
is($s, 502, 'the gateway\'s 404 is no page');
is($body, '{"error":"gateway_error","message":"the gateway answered status 404",'
    . '"errorCode":"com.liveperson.faas.es.lambda.not-found",'
    . '"errorMsg":"lambda not found"}' . "\r\n", 'with its status and message');
like(error_log_text(), qr/the gateway answered status 404: "\{.*lambda not found/,
     'the raw gateway error is logged');
($s, $h, $body) = http_request('GET', '/fail');
is($s, 502, '901 is a 502');
like($body, qr/"error":"function_error"/, 'function_error');



=== TEST 14: the directives are inherited from server and http levels
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
faas_response http;
--- config
faas_payload request;
location /page { faas_invoke 33333333-3333-4333-8333-333333333333; }
--- request
GET /page?name=Inherited
--- response_body
<h1>Hello, Inherited!</h1>



=== TEST 15: gateway 429 and 500 in both response modes
--- config
location /body { faas_invoke 11111111-1111-4111-8111-111111111111; }
location /http {
    faas_response http;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- standin
{"gateway":{"status":429,"body":{"errorCode":"com.liveperson.faas.rate-limit","errorMsg":"too many requests"}}}
--- request
GET /body
--- error_code: 429
--- response_body_json
{"errorCode":"com.liveperson.faas.rate-limit","errorMsg":"too many requests"}
--- check_eval
my ($s, $h, $body) = http_request('GET', '/http');
is($s, 502, 'http mode: 429 is a 502');
like($body, qr/^\{"error":"gateway_error","message":"the gateway answered status 429","errorCode":"com.liveperson.faas.rate-limit","errorMsg":"too many requests"\}/,
     'http mode: the JSON error');
standin_control({ gateway => { status => 500, body => 'Internal Server Error' } });
($s, $h, $body) = http_request('GET', '/body');
is($s, 500, 'body mode: 500 as it is');
is($body, 'Internal Server Error', 'body mode: its body');
($s, $h, $body) = http_request('GET', '/http');
is($s, 502, 'http mode: 500 is a 502');
like($body, qr/"message":"the gateway answered status 500"/, 'with the status');



=== TEST 16: one location for many functions: the UUID from a regex capture
--- config
location ~ ^/fn/(?<fn>[^/]+)$ {
    faas_invoke $fn;
}
--- request
POST /fn/11111111-1111-4111-8111-111111111111
{"name":"Regex"}
--- response_body_json
{"greeting":"Hello, Regex!"}
--- check_eval
my ($s, $h, $body) = http_request('POST', '/fn/not-a-uuid', '{}');
is($s, 400, 'not a UUID: 400');
like($body, qr/"error":"invalid_lambda"/, 'invalid_lambda');
($s) = http_request('POST', '/fn/11111111-1111-4111-8111-11111111111g', '{}');
is($s, 400, 'a non-hex digit: 400');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 1, 'nothing was sent for the bad ones');



=== TEST 17: a function as auth_request target: 2xx allows, 401/403 denies
--- config
location = /auth {
    internal;
    faas_payload request;
    faas_response http;
    faas_invoke 33333333-3333-4333-8333-333333333333;
}
location /private {
    auth_request /auth;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
--- request
GET /private
--- more_headers
X-Status: 200
--- response_body_json
{"greeting":"Hello, world!"}
--- check_eval
# the function reads the X-Status header of the client's request
my ($s) = http_request('GET', '/private', undef, [['X-Status', '403']]);
is($s, 403, 'the function said 403: denied');
($s) = http_request('GET', '/private', undef, [['X-Status', '401']]);
is($s, 401, 'the function said 401: denied');
($s, my $h, my $body) = http_request('GET', '/private', undef,
    [['X-Status', '204']]);
is($s, 200, 'the function said 204: allowed');
like($body, qr/Hello, world/, 'the protected function');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 6, 'one auth and one content invoke for each allowed');



=== TEST 18: a 1 MB body in both payload modes
--- config
client_max_body_size 4m;
location /echo { faas_invoke 22222222-2222-4222-8222-222222222222; }
location /req {
    faas_payload request;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request_eval
"POST /echo\n" . '{"big":"' . ('z' x (1024 * 1024)) . '"}'
--- response_body_like: ^\{"timestamp":\d+,"headers":\[\],"payload":\{"big":"z{1000}
--- check_eval
my $bin = join('', map { chr($_ % 256) } 0 .. 1024 * 1024 - 1);
my ($s, $h, $body) = http_request('POST', '/req', $bin,
    [['Content-Type', 'application/octet-stream']]);
is($s, 200, 'a 1 MB binary upload');
use MIME::Base64;
my ($b64) = $body =~ /"body":"([^"]*)","isBase64Encoded":true/;
ok(defined $b64 && decode_base64($b64) eq $bin, 'every byte arrived');



=== TEST 19: error_page, limit_req and $upstream_* in log_format keep working
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
limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
log_format faas '$uri $status $upstream_status $upstream_addr';
--- config
access_log $TEST_NGINX_SERVROOT/logs/faas.log faas;
location /hello {
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location /limited {
    limit_req zone=one nodelay;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo;
}
location /down {
    error_page 502 = /sorry;
    faas_invoke 11111111-1111-4111-8111-111111111111 credentials=down;
}
location = /sorry { return 200 "sorry page"; }
--- request
POST /down
{}
--- response_body: sorry page
--- check_eval
my ($s) = http_request('POST', '/limited', '{}');
is($s, 200, 'first request under limit_req');
($s) = http_request('POST', '/limited', '{}');
is($s, 503, 'second is limited');
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'hello');
select(undef, undef, undef, 0.3);   # the log line follows the response
open my $fh, '<', servroot() . '/logs/faas.log' or die;
my $log = do { local $/; <$fh> };
like($log, qr{^/hello 200 200 127\.0\.0\.1:\d+$}m, '$upstream_* in the access log');



=== TEST 20: faas_validate_json off: the body goes to the gateway unchecked, the gateway's answer to the client
--- config
location /hello {
    faas_validate_json off;
    faas_invoke 11111111-1111-4111-8111-111111111111;
}
location /checked { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- request
POST /hello
{"name": broken
--- error_code: 400
--- response_body_like: "errorCode":"com.liveperson.faas.bad-request"
--- gateway_requests: 1
--- standin_violations: 1
--- check_eval
my ($s, undef, $b) = http_request('POST', '/checked', '{"name": broken');
is($s, 400, 'with the check (the default), the module refuses it');
like($b, qr/"error":"invalid_json"/, 'as invalid_json');
is(scalar(grep { $_->{server} eq 'gateway' } standin_requests()), 1,
   'without asking the gateway');



=== TEST 21: large bodies are checked as they are read, in memory or spooled to a file, with Content-Length or chunked: a valid one reaches the function whole, a broken one gets 400 with where it broke
--- config
client_max_body_size 4m;
client_body_buffer_size 16k;
location /echo {
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{"small":true}
--- response_body_like: "payload":\{"small":true\}
--- check_eval
my $body = '{"items":[' . join(',', map { qq({"id":$_,"s":"x \x{e9}t\x{e9} $_"}) } 1 .. 20000) . ']}';
utf8::encode($body);
for my $chunked (0, 1) {
    my $how = $chunked ? 'chunked' : 'Content-Length';
    my ($s, undef, $b) = http_request('POST', '/echo', $body, {},
                                      chunked => $chunked);
    is($s, 200, "a valid body of " . length($body) . " bytes ($how): 200");
    my ($payload) = $b =~ /"payload":(.*)\}\s*\z/s;
    ok(defined $payload && $payload eq $body, "it reached the function whole ($how)");

    (my $bad = $body) =~ s/"id":19999,/"id":019999,/;
    my $at = index($bad, '019999') + 1;
    ($s, undef, $b) = http_request('POST', '/echo', $bad, {}, chunked => $chunked);
    is($s, 400, "broken near its end ($how): 400");
    like($b, qr/"error":"invalid_json","message":"the request body is not valid JSON at byte $at: [^"]+"/,
         "invalid_json says at which byte ($how)") or diag($b);

    # the first byte that cannot go on: the "t" after a lone lead byte
    (my $latin1 = $body) =~ s/"x \xc3\xa9t/"x \xe9t/;
    $at = index($latin1, "\xe9t") + 1;
    ($s, undef, $b) = http_request('POST', '/echo', $latin1, {}, chunked => $chunked);
    is($s, 400, "invalid UTF-8 at its start ($how): 400");
    like($b, qr/"message":"the request body is not valid JSON at byte $at: [^"]*UTF-8/,
         "the byte of the invalid UTF-8 ($how)") or diag($b);
}
is(scalar(grep { $_->{server} eq 'gateway' } standin_requests()), 3,
   'the gateway got the valid bodies only');



=== TEST 22: a 400 invalid_json keeps the client's connection open: the next request on it is answered
--- config
location /echo {
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- check_eval
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
    PeerPort => server_port(), Proto => 'tcp', Timeout => 5) or die "connect: $!";
my $req = sub {
    my ($body) = @_;
    print $s "POST /echo HTTP/1.1\r\nHost: localhost\r\n"
        . "Content-Length: " . length($body) . "\r\n\r\n" . $body;
    my $head = '';
    while ($head !~ /\r\n\r\n/) {
        sysread($s, my $c, 1) or last;
        $head .= $c;
    }
    my ($len) = $head =~ /Content-Length: (\d+)/i;
    my $got = '';
    while (defined $len && length $got < $len) {
        sysread($s, my $c, $len - length $got) or last;
        $got .= $c;
    }
    return ($head, $got);
};
my ($h, $b) = $req->('{"name": broken');
like($h, qr{^HTTP/1\.1 400 }, 'a broken body: 400');
like($h, qr/Connection: keep-alive/i, 'with Connection: keep-alive');
like($b, qr/"message":"the request body is not valid JSON at byte 9: /, 'where it broke');
($h, $b) = $req->('{"name":"Ada"}');
like($h, qr{^HTTP/1\.1 200 }, 'the next request on the same connection: 200');
like($b, qr/"payload":\{"name":"Ada"\}/, 'with its payload');
close $s;



=== TEST 23: clients that leave while their large body is read and checked
--- config
client_max_body_size 4m;
location /echo {
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{}
--- check_eval
my $body = '[' . join(',', ('{"a":[1,2.5,"x",true,null]}') x 100000) . ']';
for (1 .. 20) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => server_port(), Proto => 'tcp') or die "connect: $!";
    print $s "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
        . length($body) . "\r\n\r\n" . substr($body, 0, 1000000);
    close $s;
}
my ($s, undef, $b) = http_request('POST', '/echo', $body);
is($s, 200, 'after 20 clients left early, a request is answered');
like($b, qr/"payload":\[\{"a":\[1,2\.5,"x",true,null\]\},/, 'with its payload');



=== TEST 24: faas_validate_json takes on, off or threads[=POOL]
--- config
location /echo {
    faas_validate_json maybe;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- config_error
invalid value "maybe" in "faas_validate_json" directive, it must be "on", "off" or "threads[=POOL]"



=== TEST 25: faas_validate_json threads[=POOL] is deprecated: a warning, and the body is checked as with on
--- config
location /echo {
    faas_validate_json threads=nosuch;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
location /echo2 {
    faas_validate_json threads;
    faas_invoke 22222222-2222-4222-8222-222222222222;
}
--- request
POST /echo
{"name": broken
--- error_code: 400
--- response_body_like: "error":"invalid_json"
--- gateway_requests: 0
--- check_eval
my $out = FaasTest::run_nginx('-t');
# with or without "PID#TID: " after the level: it differs between the
# nginx lines (Debian's 1.22 writes it, nginx.org's 1.31.4 does not)
like($out, qr/\[warn\] (?:\d+#\d+: )?"faas_validate_json threads=nosuch" is deprecated, the body is checked as it is read: "faas_validate_json on" is used/,
     'nginx -t warns, naming the directive');
like($out, qr/\[warn\] (?:\d+#\d+: )?"faas_validate_json threads" is deprecated/,
     'also without a pool');



=== TEST 26: auth_request to a function, as the README shows it: the function is told the client's method and URI
--- config
location = /_auth {
    internal;
    faas_payload  request;
    faas_response http;
    faas_pass_request_header Authorization;
    faas_invoke   33333333-3333-4333-8333-333333333333;
}
location /private/ {
    auth_request /_auth;
    root $TEST_NGINX_SERVROOT/html;
}
--- request
POST /private/doc.txt?lang=en&x=%41
--- more_headers
Authorization: Bearer abc
X-Status: 403
--- error_code: 403
--- gateway_request_like
{"json":{"payload":{"method":"GET","path":"/_auth",
                    "original":{"method":"POST","uri":"/private/doc.txt?lang=en&x=%41"},
                    "headers":{"authorization":"Bearer abc"}}}}
--- check_eval
use File::Path qw(make_path);
make_path(servroot() . '/html/private');
open my $fh, '>', servroot() . '/html/private/doc.txt' or die;
print $fh "private\n";
close $fh;
my ($s, $h, $body) = http_request('GET', '/private/doc.txt',
    undef, [['X-Status', '204']]);
is($s, 200, 'the function said 204: the file is served');
is($body, "private\n", 'the protected file');
my @g = grep { $_->{server} eq 'gateway' } standin_requests();
is(scalar @g, 2, 'one invoke for each request');
is_deeply($g[-1]{json}{payload}{original},
          {method => 'GET', uri => '/private/doc.txt'},
          'the original method and URI of the allowed request');
