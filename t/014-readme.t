# README.md's examples run: every ```nginx block of README.md passes
# "nginx -t" against the local stand-ins, and every request README.md
# documents gets its documented answer.  The manual cannot drift from the
# code unnoticed.
#
# What "complete" means (README.md says it once, below its first example):
# the first line of every ```nginx block says where it goes.
#   # nginx.conf        the block is a whole nginx.conf
#   # in http {}        the lines after it go into the http {} block of
#   # in server {}      (or the server {} block of) README.md's FIRST
#                       ```nginx block, which must be a whole file
# One block may hold several such parts ("# in http {}" lines, then
# "# in server {}" lines).  A block with any other first line, a
# placeholder ("...") or a value the table below cannot replace fails
# this file, and so does a ```nginx block that was not turned into a
# check: the number of checked blocks must equal the number of ```nginx
# fences in README.md.
#
# Substitutions, made in the whole file an example becomes (a README
# value that is not in this table is left as it is):
#   README.md                            the test
#   load_module /usr/lib/nginx/modules/  load_module of the built module
#     ngx_http_faas_module.so;           (module_path(): build/...)
#   listen PORT;                         listen 127.0.0.1:SERVER_PORT;
#   region us | emea | apac;             token_url https://127.0.0.1:
#                                        AUTH_PORT/sentinel/api/account/
#                                        ACCOUNT/app/token?v=2.0; and
#                                        gateway https://127.0.0.1:GW_PORT;
#   domain_api https://api.liveperson.net;
#                                        domain_api https://domain.faas
#                                        .test:DOMAIN_PORT; the stand-in
#                                        answers sentinel.faas.test:
#                                        AUTH_PORT and gw.faas.test:GW_PORT
#   resolver ...;                        resolver 127.0.0.1:DNS_PORT
#                                        valid=1s ipv6=off; (DNS stand-in)
#   client_secret file:/etc/nginx/F;     client_secret file:SERVROOT/F;
#                                        F holds the stand-in's secret
#   account A; client_id C;              kept; the stand-in is told to
#                                        expect them
#   server ADDR; in an upstream {}       server 127.0.0.1:LEGACY_PORT; a
#                                        server {} the test adds to the
#                                        same http {} listens there and
#                                        answers every request with
#                                        "the old site: METHOD URI"
#   /var/log/nginx/                      SERVROOT/logs/
#   /var/cache/nginx/                    SERVROOT/cache/
#   /srv/                                SERVROOT/srv/
#   (added after load_module)            nginx_runtime_config()'s main
#                                        lines: daemon, pid, error_log
#   (added after "http {")               its http lines (access_log, temp
#                                        paths) and
#                                        faas_ssl_trusted_certificate of
#                                        the stand-ins' CA
# After the substitutions no "liveperson.net", "...", "region", /etc/,
# /usr/, /var/ or /srv/ may remain (so no example reaches the network).
#
# Requests and answers: a ```sh block of curl lines, each followed by a
# "# ANSWER" line, documents requests to the configuration of the fenced
# block just before it (prose may lie between): an ```nginx block, or the
# ```sh block of "./dev demo" (then demo/nginx.conf.in is the
# configuration, its @NAME@ values replaced as demo/run does).  Each curl
# line is sent as curl would send it (options -s, -S, -d/--data, -H,
# -X; any other option fails), to the host localhost or 127.0.0.1 and
# the port the configuration listens on, and must get status 200 and
# ANSWER as its body: compared as JSON when ANSWER is JSON, as text
# otherwise.  A curl line without its answer, or a ```sh block of curl
# lines without a configuration before it, fails.
#
# More cases per example: the blocks below, in the form of every t/
# file, name their example with "--- example: TEXT" (TEXT occurs in
# exactly one ```nginx block of README.md); the test puts that example's
# whole configuration and stand-in control in their place.  A block may
# add a "--- standin" of its own, merged over the example's (a key's
# object is merged one level deep: {"gateway":{"misbehave":..}} keeps
# the example's other keys).  The legacy-site example's fallback is
# checked for each way a function can fail: a function error (901), a
# 404 of the gateway in "faas_response http" mode, an answer of the
# wrong shape, and a gateway that cannot answer.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use JSON::PP;
use Text::ParseWords qw(shellwords);

my $JSON = JSON::PP->new->utf8->canonical;
my $README = repo_root() . '/README.md';
my $DEMO_CONF = repo_root() . '/demo/nginx.conf.in';
my $STANDIN_SECRET = 'demo-secret';     # standin.pl's default
$ENV{TEST_NGINX_LEGACY_PORT} = free_port();

my @fences = read_fences($README);
my $nginx_fences = () = grep { /^\s*```nginx\s*$/ }
    split /\n/, read_text($README);
my (@examples, @generated, %secret_file);

for my $i (0 .. $#fences) {
    my $f = $fences[$i];
    if ($f->{lang} eq 'nginx') {
        my $ex = make_example($f, $examples[0]);
        push @examples, $ex;
        if (@{ $ex->{errors} }) {
            fail("README.md line $f->{line}: $_") for @{ $ex->{errors} };
            next;
        }
        push @generated, {
            name => "README.md line $f->{line}: nginx -t",
            s => { whole_config => $ex->{conf},
                   standin => $JSON->encode($ex->{standin}),
                   config_ok => '' },
        };
        $ex->{checked} = 1;
    }
    next unless $f->{lang} eq 'sh' && grep { /^\s*curl\s/ }
        split /\n/, $f->{text};
    my $prev = $i > 0 ? $fences[$i - 1] : undef;
    my $conf;
    if ($prev && $prev->{lang} eq 'nginx') {
        $conf = $examples[-1];
    } elsif ($prev && $prev->{lang} eq 'sh'
             && $prev->{text} =~ m{^\s*\./dev demo\s*$}m) {
        $conf = demo_example();
    }
    unless ($conf) {
        fail("README.md line $f->{line}: curl lines without a"
            . " configuration just before them");
        next;
    }
    if (@{ $conf->{errors} }) {
        fail("README.md line $f->{line}: $_") for @{ $conf->{errors} };
        next;
    }
    for my $case (curl_cases($f, $conf)) {
        if ($case->{error}) {
            fail("README.md line $case->{line}: $case->{error}");
            next;
        }
        push @generated, $case->{block};
    }
}

is(scalar(grep { $_->{checked} } @examples), $nginx_fences,
    "each of the $nginx_fences nginx blocks of README.md is checked");
check_install_dir($examples[0]);

# where the examples keep logs and caches
make_path(map { servroot() . "/$_" } qw(logs cache srv));

for my $path (keys %secret_file) {
    make_path(dirname($path));
    open my $fh, '>', $path or die "$path: $!";
    print $fh "$STANDIN_SECRET\n";
    close $fh;
}

# the cases below: their example's configuration in place of "example"
my $blocks = block_list();
for my $b (@$blocks) {
    my $want = delete $b->{s}{example};
    next unless defined $want;
    @{ $b->{order} } = grep { $_ ne 'example' } @{ $b->{order} };
    my @hit = grep { index($_->{text}, $want) >= 0 } @examples;
    if (@hit != 1 || !$hit[0]{checked}) {
        $b->{s}{skip} = 'see the failure above';
        fail("$b->{name}: \"$want\" names " . @hit
            . " checked README examples, not 1");
        next;
    }
    my %control = %{ $hit[0]{standin} };
    if (defined $b->{s}{standin}) {
        my $own = $JSON->decode($b->{s}{standin});
        for my $k (keys %$own) {
            $control{$k} = ref $own->{$k} eq 'HASH'
                && ref $control{$k} eq 'HASH'
                ? { %{ $control{$k} }, %{ $own->{$k} } } : $own->{$k};
        }
    } else {
        push @{ $b->{order} }, 'standin';
    }
    $b->{s}{standin} = $JSON->encode(\%control);
    $b->{s}{whole_config} = $hit[0]{conf};
    push @{ $b->{order} }, 'whole_config';
}
for my $g (@generated) {
    $g->{order} = [sort keys %{ $g->{s} }];
    push @$blocks, $g;
}

run_tests();

# ---------------------------------------------------------------- README

sub read_text {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

# The fenced blocks of a Markdown file: {lang, line (of the opening
# fence), text (without the fence's indentation)}.
sub read_fences {
    my ($path) = @_;
    my @lines = split /\n/, read_text($path);
    my (@out, $open);
    for my $n (0 .. $#lines) {
        my $l = $lines[$n];
        if (!$open && $l =~ /^(\s*)```(\S*)\s*$/) {
            $open = { indent => length $1, lang => $2, line => $n + 1,
                      text => '', body_line => $n + 2 };
        } elsif ($open && $l =~ /^\s*```\s*$/) {
            push @out, $open;
            $open = undef;
        } elsif ($open) {
            (my $t = $l) =~ s/^ {0,$open->{indent}}//;
            $open->{text} .= "$t\n";
        }
    }
    return @out;
}

# An ```nginx block -> {text, conf (the whole file, substituted),
# standin (control), port (the README's listen port), errors}.
sub make_example {
    my ($f, $first) = @_;
    my %ex = (text => $f->{text}, errors => [], line => $f->{line});
    my @lines = split /\n/, $f->{text};
    my $marker = $lines[0] // '';
    my $file;
    if ($marker =~ /^#\s*nginx\.conf\s*$/) {
        $file = $f->{text};
    } elsif ($marker =~ /^#\s*in (?:http|server) \{\}\s*$/) {
        return error(\%ex, 'the first nginx block must be a whole file'
            . ' ("# nginx.conf"), the others go into it')
            unless $first && $first->{whole};
        $file = insert_parts($first->{text}, \@lines, \%ex)
            // return \%ex;
    } else {
        return error(\%ex, 'an nginx block must start with "# nginx.conf",'
            . ' "# in http {}" or "# in server {}", not "' . $marker . '"');
    }
    $ex{whole} = $marker =~ /nginx\.conf/ ? 1 : 0;
    ($ex{port}) = $file =~ /^\s*listen\s+(?:\S+:)?(\d+)\b[^;]*;/m;
    $ex{port} //= 80;
    $ex{standin} = standin_for($file);
    $ex{conf} = substitute($file, \%ex);
    return \%ex;
}

sub error {
    my ($ex, $why) = @_;
    push @{ $ex->{errors} }, $why;
    return $ex;
}

# The parts of a "# in http {}" / "# in server {}" block, put into the
# first example's http {} (after its "http {" line) and server {} (after
# its "listen" line).
sub insert_parts {
    my ($skeleton, $lines, $ex) = @_;
    my (%part, $where);
    for my $l (@$lines) {
        if ($l =~ /^#\s*in (http|server) \{\}\s*$/) {
            $where = $1;
            next;
        }
        $part{$where} .= "$l\n";
    }
    my $file = $skeleton;
    my %anchor = (http => qr/^([ \t]*)http[ \t]*\{[ \t]*\n/m,
                  server => qr/^([ \t]*)listen[ \t][^;\n]*;[ \t]*\n/m);
    for my $w (qw(http server)) {
        next unless defined $part{$w};
        my $n = () = $file =~ /$anchor{$w}/g;
        unless ($n == 1) {
            error($ex, "the first example has $n places for"
                . " \"# in $w {}\" lines, not 1");
            return undef;
        }
        my $indent = ($file =~ $anchor{$w} ? $1 : '')
            . ($w eq 'http' ? '    ' : '');
        (my $text = $part{$w}) =~ s/^(?=.)/$indent/mg;
        $file =~ s{$anchor{$w}}{$&$text\n};
    }
    return $file;
}

# The stand-in control for a configuration: its account and client id
# (the first ones), the Domain API's answers.
sub standin_for {
    my ($file) = @_;
    my %c = (domain => { services => {
        sentinel => 'sentinel.faas.test:$TEST_NGINX_AUTH_PORT',
        faasGW   => 'gw.faas.test:$TEST_NGINX_GATEWAY_PORT' } });
    $c{account} = $1 if $file =~ /^\s*account\s+(\S+?);/m;
    $c{client_id} = $1 if $file =~ /^\s*client_id\s+(\S+?);/m;
    return \%c;
}

# README values -> the stand-ins', as the table in the header says.
sub substitute {
    my ($file, $ex) = @_;
    my $module = module_path();
    my ($run_main, $run_http) = nginx_runtime_config();
    my $account = $ex->{standin}{account} // '12345678';
    my $auth = 'https://127.0.0.1:$TEST_NGINX_AUTH_PORT';
    my $gateway = 'https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT';
    my $domain = 'https://domain.faas.test:$TEST_NGINX_DOMAIN_PORT';
    my $dns = '127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s ipv6=off';
    my $n = $file =~ s{^([ \t]*)load_module[ \t]+/usr/lib/nginx/modules/
                       ngx_http_faas_module\.so;[^\n]*\n}
                      {$1load_module $module;\n$run_main}mx;
    error($ex, 'no "load_module /usr/lib/nginx/modules/'
        . 'ngx_http_faas_module.so;" line') unless $n == 1;
    $file =~ s{^([ \t]*)listen[ \t][^;\n]*;}
              {$1listen 127.0.0.1:\$TEST_NGINX_SERVER_PORT;}mg;
    $file =~ s{^([ \t]*)region[ \t]+(?:us|emea|apac)[ \t]*;}
              {$1token_url $auth/sentinel/api/account/$account/app/token?v=2.0;
$1gateway $gateway;}mg;
    $file =~ s{^([ \t]*)domain_api[ \t]+https://api\.liveperson\.net[ \t]*;}
              {$1domain_api $domain;}mg;
    $file =~ s{^([ \t]*)resolver[ \t][^;\n]*;}{$1resolver $dns;}mg;
    $file =~ s{(client_secret[ \t]+file:)/etc/nginx/([\w.-]+);}{
        $secret_file{servroot() . "/$2"} = 1;
        "$1\$TEST_NGINX_SERVROOT/$2;"
    }ge;
    my $upstreams = $file =~ s/(\bupstream[ \t]+\S+[ \t]*\{)([^\}]*)/
        my ($head, $body) = ($1, $2);
        $body =~ s{^([ \t]*)server[ \t]+[^\s;]+([^;\n]*);}
                  {$1server 127.0.0.1:\$TEST_NGINX_LEGACY_PORT$2;}mg;
        "$head$body"
    /ge;
    $file =~ s{/var/log/nginx/}{\$TEST_NGINX_SERVROOT/logs/}g;
    $file =~ s{/var/cache/nginx/}{\$TEST_NGINX_SERVROOT/cache/}g;
    $file =~ s{/srv/}{\$TEST_NGINX_SERVROOT/srv/}g;
    my $add = $run_http
        . "    faas_ssl_trusted_certificate \$TEST_NGINX_CA;\n";
    $add .= <<'EOF' if $upstreams;
    server {        # the legacy backend of the upstream blocks
        listen 127.0.0.1:$TEST_NGINX_LEGACY_PORT;
        location / {
            return 200 "the old site: $request_method $request_uri";
        }
    }
EOF
    $n = $file =~ s{^([ \t]*http[ \t]*\{[^\n]*\n)}{$1$add}m;
    error($ex, 'no "http {" line') unless $n;
    (my $rest = $file) =~ s{\$TEST_NGINX_\w+\S*}{}g;
    $rest =~ s{\Q$module\E}{}g;
    for my $bad ('liveperson.net', '...', 'region', '/etc/', '/usr/',
                 '/var/', '/srv/') {
        error($ex, "\"$bad\" left after the substitutions")
            if index($rest, $bad) >= 0;
    }
    return $file;
}

# The demo's configuration, as demo/run writes it.
sub demo_example {
    my $text = read_text($DEMO_CONF);
    my ($port) = read_text(repo_root() . '/demo/run')
        =~ /DEMO_PORT:-(\d+)/;
    my %ex = (text => $text, errors => [], port => $port // 8080,
              standin => {});
    my %v = (MODULE => module_path(), USER => $> == 0 ? 'user root;' : '',
             PORT => '$TEST_NGINX_SERVER_PORT',
             AUTH_PORT => '$TEST_NGINX_AUTH_PORT',
             GW_PORT => '$TEST_NGINX_GATEWAY_PORT',
             CERTS => '$TEST_NGINX_CERT_DIR');
    (my $code = $text) =~ s/^[ \t]*#.*//mg;
    for my $name ($code =~ /@(\w+)@/g) {
        error(\%ex, "demo/nginx.conf.in: unknown \@$name\@")
            unless defined $v{$name};
    }
    $text =~ s{@(\w+)@}{$v{$1} // "\@$1\@"}ge;
    $ex{conf} = $text;
    return \%ex;
}

# The curl lines of an ```sh block -> blocks of the harness.
sub curl_cases {
    my ($f, $ex) = @_;
    my @lines = split /\n/, $f->{text};
    my @cases;
    for (my $i = 0; $i <= $#lines; $i++) {
        my $line = $f->{body_line} + $i;
        my $cmd = $lines[$i];
        next unless $cmd =~ /^\s*curl\s/;
        while ($cmd =~ s/\\\s*$// && $i < $#lines) {
            $cmd .= ' ' . $lines[++$i];
        }
        my $answer = $i < $#lines ? $lines[$i + 1] : '';
        unless ($answer =~ s/^\s*#\s?//) {
            push @cases, { line => $line, error => "no \"# ANSWER\" line"
                . " after: $cmd" };
            next;
        }
        $i++;
        my $block = curl_block($cmd, $answer, $ex, $line);
        push @cases, ref $block ? { block => $block }
            : { line => $line, error => $block };
    }
    return @cases;
}

# One curl command and its answer -> a block, or the reason why not.
sub curl_block {
    my ($cmd, $answer, $ex, $line) = @_;
    my @w = shellwords($cmd);
    shift @w;
    my ($method, $data, $url, @hdr);
    while (@w) {
        my $a = shift @w;
        if ($a =~ /^-[sS]+$|^--silent$|^--show-error$/) {
            next;
        } elsif ($a =~ /^(?:-d|--data|--data-raw|--data-binary)$/) {
            $data = shift @w;
        } elsif ($a =~ /^(?:-H|--header)$/) {
            push @hdr, shift @w;
        } elsif ($a =~ /^(?:-X|--request)$/) {
            $method = shift @w;
        } elsif ($a =~ m{^https?://}) {
            $url = $a;
        } else {
            return "curl option the test does not know: $a";
        }
    }
    return "no URL in: $cmd" unless defined $url;
    my ($host, $port, $path) = $url =~ m{^http://([^/:]+)(?::(\d+))?(/\S*)?$}
        or return "not an http:// URL: $url";
    return "host $host is not localhost or 127.0.0.1"
        unless $host eq 'localhost' || $host eq '127.0.0.1';
    $port //= 80;
    return "port $port, but the configuration listens on $ex->{port}"
        unless $port == $ex->{port};
    $method //= defined $data ? 'POST' : 'GET';
    my %have = map { /^([^:]+):/ ? (lc $1 => 1) : () } @hdr;
    push @hdr, 'Content-Type: application/x-www-form-urlencoded'
        if defined $data && !$have{'content-type'};
    push @hdr, 'Accept: */*' unless $have{accept};
    push @hdr, 'Host: ' . ($port == 80 ? $host : "$host:$port")
        unless $have{host};
    my %s = (whole_config => $ex->{conf},
             standin => $JSON->encode($ex->{standin}),
             request => "$method " . ($path // '/')
                 . (defined $data ? "\n$data" : ''),
             more_headers => join("\n", @hdr));
    my $json = eval { JSON::PP->new->decode($answer) };
    $s{ref $json ? 'response_body_json' : 'response_body'} = $answer;
    return { name => "README.md line $line: $cmd", s => \%s };
}

# The first example's load_module names the directory that the build
# section's cp line copies the module to.
sub check_install_dir {
    my ($first) = @_;
    my ($dir) = ($first && $first->{text} // '')
        =~ m{^\s*load_module\s+(/\S+)/ngx_http_faas_module\.so;}m;
    my @cp = read_text($README)
        =~ m{^\s*cp\s+objs/ngx_http_faas_module\.so\s+(\S+?)/?\s*$}mg;
    ok(defined $dir && @cp && !grep({ $_ ne $dir } @cp),
        'the build section copies the module where load_module looks')
        or diag('load_module: ' . ($dir // 'none') . ', cp to: @cp');
}

__DATA__

=== the Domain API example: the hosts come from the Domain API
--- example: resolver 127.0.0.53
--- request
POST /price
{"sku": "B-2"}
--- response_body_json
{"currency":"EUR","price":12.5,"sku":"B-2"}
--- domain_request_like
{"service":"sentinel"} {"service":"faasGW"}
--- dns_request_like
{"name":"gw.faas.test","qtype":"A"}
--- gateway_requests: 1

=== the status endpoint answers the figures of the credentials "shop"
--- example: location = /faas-status
--- request
GET /faas-status
--- response_headers
Cache-Control: no-store
--- response_body_like
"credentials":\s*\{\s*"shop"

=== the event example invokes by event, with its source and skill
--- example: location = /order-created
--- request
POST /order-created?skill=42
{}
--- response_body_json
[]
--- gateway_request_like
{"path":"/api/account/12345678/events/my_custom_event/invoke",
 "query":"qr/^v=1&externalSystem=shop-frontend&userId=nginx&skillId=42$/"}

=== the log_format example writes its line
--- example: log_format faas
--- request
POST /price
{"sku": "A-1"}
--- response_body_json
{"currency":"EUR","price":12.5,"sku":"A-1"}
--- check_eval
my ($log, $until) = ('', time + 5);     # the line may follow the answer
until ($log =~ /\n/ || time > $until) {
    select undef, undef, undef, 0.05;
    $log = FaasTest::read_file(servroot() . '/logs/faas.log') // '';
}
my $want = join ' ', '"POST /price HTTP/1\.1" 200',
    'lambda=0b6b3e8c-41b4-4d3a-9f51-2d9c1f3f7e11 cred=shop error=""',
    'token_wait=\d+ms gw=200 upstream=200 rt=\d';
like($log, qr{$want}, 'faas.log has the line');

=== the limit_req example: the API endpoint answers
--- example: limit_req zone=api
--- request
POST /api/price
{"sku": "A-1"}
--- response_body_json
{"currency":"EUR","price":12.5,"sku":"A-1"}

=== the legacy-site example: /shop/ reaches the old site
--- example: location ~ ^/shop/fn/
--- request
GET /shop/cart?page=2
--- response_body: the old site: GET /shop/cart?page=2
--- gateway_requests: 0

=== the legacy-site example: a function answers through /shop/fn/UUID
--- example: location ~ ^/shop/fn/
--- request
GET /shop/fn/7d1f0c3e-95a2-4e0b-8f64-0c2a9d3b5e10?name=Ada
--- more_headers
Cookie: session=s1
--- response_body: <h1>Hello, Ada!</h1>
--- response_headers
Content-Type: text/html; charset=utf-8
--- gateway_request_like
{"json":{"payload":{"method":"GET","path":"/shop/fn/7d1f0c3e-95a2-4e0b-8f64-0c2a9d3b5e10","headers":{"cookie":"session=s1"}}}}

=== the legacy-site example: the old page when the gateway cannot answer
--- example: location ~ ^/shop/fn/
--- standin
{"gateway":{"misbehave":"close_before_answer"}}
--- request
POST /shop/fn/7d1f0c3e-95a2-4e0b-8f64-0c2a9d3b5e10?name=Ada
{}
--- response_body: the old site: POST /shop/fn/7d1f0c3e-95a2-4e0b-8f64-0c2a9d3b5e10?name=Ada
--- gateway_requests: 1

=== the legacy-site example: the old page when the function fails (901)
--- example: location ~ ^/shop/fn/
--- request
POST /shop/fn/99999999-9999-4999-8999-999999999999
{}
--- response_body: the old site: POST /shop/fn/99999999-9999-4999-8999-999999999999
--- gateway_requests: 1

=== the legacy-site example: the old page when the gateway does not know the function (404)
--- example: location ~ ^/shop/fn/
--- request
GET /shop/fn/44444444-4444-4444-8444-444444444444
--- response_body: the old site: GET /shop/fn/44444444-4444-4444-8444-444444444444
--- gateway_requests: 1

=== the legacy-site example: the old page when the function's answer is no HTTP response
--- example: location ~ ^/shop/fn/
--- request
GET /shop/fn/11111111-1111-4111-8111-111111111111
--- response_body: the old site: GET /shop/fn/11111111-1111-4111-8111-111111111111
--- gateway_requests: 1
