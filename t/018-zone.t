# The shared zone across reloads: token entries that no configuration
# uses any more are freed, never while a worker may still read them, and
# a zone too small for the configuration fails it out loud.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP ();
use List::Util ();
use Time::HiRes qw(time sleep);

my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;
$ENV{TEST_NGINX_SECRET_FILE} = "$dir/secret";
write_secret('demo-secret');

# 40 sets of distinct clients: 40 token entries of about 2 KB each
$ENV{TEST_NGINX_SETS_40} = join '', map { <<"EOF" } 1 .. 40;
faas_credentials set$_ {
    account 12345678; client_id client-$_; client_secret demo-secret;
    token_url https://127.0.0.1:\$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:\$TEST_NGINX_GATEWAY_PORT;
}
EOF

default_http_config(<<'EOF');
faas_credentials demo {
    account 12345678; client_id demo-client;
    client_secret file:$TEST_NGINX_SECRET_FILE;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
EOF

sub write_secret {
    my ($secret) = @_;
    open my $fh, '>', $ENV{TEST_NGINX_SECRET_FILE} or die;
    print $fh "$secret\n";
    close $fh;
    chmod 0644, $ENV{TEST_NGINX_SECRET_FILE};
}

sub status {
    my ($s, $h, $b) = http_request('GET', '/status');
    die "status: $s $b\n" unless $s == 200;
    return JSON::PP->new->decode($b);
}

sub auth_secrets {
    return map { $_->{form}{client_secret} }
        grep { $_->{server} eq 'auth' } standin_requests();
}

sub lines_like {
    my ($re) = @_;
    return scalar grep { /$re/ } split /\n/, error_log_text();
}

# a new secret and HUP, then wait for the new workers, and for the old
# ones to go but the busy ones given, which go on with what they serve
sub rotate_and_hup {
    my ($secret, @busy) = @_;
    write_secret($secret);
    standin_control({ client_secret => $secret });
    my %old = map { $_ => 1 } worker_pids();
    my %busy = map { $_ => 1 } @busy;
    kill 'HUP', nginx_pid();
    my $deadline = time + 10;
    while (time < $deadline) {
        my @w = worker_pids();
        return 1 if (grep { !$old{$_} } @w)
            && !(grep { $old{$_} && !$busy{$_} } @w);
        sleep 0.05;
    }
    return 0;
}

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: 100 rotations of a file: secret, each with a reload, in a zone for about 25 token entries
--- no_valgrind: 100 reloads
--- http_config
faas_zone_size 64k;
faas_status_max_functions 0;
faas_credentials demo {
    account 12345678; client_id demo-client;
    client_secret file:$TEST_NGINX_SECRET_FILE;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- check_eval
my $free0 = main::status()->{zone}{free};
my (@failed, @bad, @stale, @free);
for my $i (1 .. 100) {
    my $secret = "rotated-$i";
    main::write_secret($secret);
    standin_control({ client_secret => $secret });
    push @failed, $i unless reload_nginx($FaasTest::LAST_HTTP);
    my ($s) = http_request('POST', '/hello', '{}');
    push @bad, "$i:$s" unless $s == 200;
    my @sent = main::auth_secrets();
    push @stale, $i unless @sent && $sent[-1] eq $secret;
    push @free, main::status()->{zone}{free};
}
is("@failed", '', 'every reload took effect (new workers)');
is("@bad", '', 'every request answered 200');
is("@stale", '', 'every reload used its new secret');
is(scalar(main::auth_secrets()), 101, 'one token request per secret');
my @far = grep { abs($free[$_] - $free[0]) > 4096 } 0 .. $#free;
is("@far", '', 'the free size stays within a page of its value after '
   . 'the first rotation');
diag("zone free: $free0 before, $free[0] after the first rotation, "
     . "$free[-1] after the 100th; min " . List::Util::min(@free)
     . ", max " . List::Util::max(@free));
ok($free[0] < 50 * 2048,
   "the zone ($free[0] bytes free) could not hold 100 rotations' entries");
ok(main::lines_like(qr/faas: zone "ngx_http_faas": token entries that no running configuration uses, freed: 1$/) >= 98,
   'each reload but the first frees the entry of the secret before');
main::write_secret('demo-secret');
--- no_error_log
[emerg]
[crit]



=== TEST 2: a set renamed with the same secret keeps its entry, and its token
--- http_config
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- check_eval
my $free = main::status()->{zone}{free};
for my $name (qw(renamed demo renamed)) {
    (my $http = $FaasTest::LAST_HTTP) =~ s/faas_credentials \w+/faas_credentials $name/;
    ok(reload_nginx($http), "reloaded as $name");
    my ($s) = http_request('POST', '/hello', '{}');
    is($s, 200, "answers as $name");
}
is(scalar(main::auth_secrets()), 1, 'the one token serves every name');
is(main::status()->{zone}{free}, $free, 'the zone is as it was');
is(main::lines_like(qr/token entries that no running configuration/), 0,
   'nothing freed');



=== TEST 3: nginx -t: a zone too small for the configuration's sets names the zone, its size and faas_zone_size
--- http_config
faas_zone_size 32k;
$TEST_NGINX_SETS_40
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config_error
[emerg]
faas: the shared zone "ngx_http_faas" of
bytes has no room for the token of "faas_credentials" "set
(40 sets): "faas_zone_size" sets its size (now 32768 bytes, besides the table of "faas_status_max_functions")



=== TEST 4: a reload whose sets do not fit the zone fails out loud, and the running configuration serves on
--- http_config
faas_zone_size 32k;
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111 credentials=demo; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- check_eval
my $good = $FaasTest::LAST_HTTP;
my $free = main::status()->{zone}{free};
my @workers = worker_pids();
# the same zone (same size), 40 more sets
(my $big = $good) =~ s/(faas_zone_size 32k;\n)/$1$ENV{TEST_NGINX_SETS_40}/;
ok(!reload_nginx($big), 'the reload fails: no new workers');
ok(main::lines_like(qr/\[emerg\] .*faas: the shared zone "ngx_http_faas" of \d+ bytes has no room for the token of "faas_credentials" "set\d+" \(41 sets\): "faas_zone_size" sets its size \(now 32768 bytes/),
   'an emerg line names the zone, its size and faas_zone_size');
is("@{[worker_pids()]}", "@workers", 'the same workers run');
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'and serve');
is(main::status()->{zone}{free}, $free,
   'the entries made for the failed configuration are freed again');
# another size: a new zone, too small as well
(my $other = $big) =~ s/faas_zone_size 32k;/faas_zone_size 36k;/;
ok(!reload_nginx($other), 'a new zone too small fails the reload too');
is(main::lines_like(qr/\[emerg\] .*has no room for the token of/), 2,
   'with its own emerg line');
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'the running configuration still serves');
ok(reload_nginx($good), 'a configuration that fits loads again');
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'and serves');
is(scalar(main::auth_secrets()), 1, 'with the token it had');
--- allow_violations



=== TEST 5: a worker of an older configuration still serving keeps its entry until it exits
--- workers: 1
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
location /slow { faas_invoke 55555555-5555-4555-8555-555555555555; }
location = /status { faas_status; }
--- request
POST /hello
{}
--- check_eval
my ($w1) = worker_pids();
# a request that keeps the first worker busy for 4 s
my $body = '{"sleep":4}';
my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
    PeerPort => server_port(), Proto => 'tcp') or die "connect: $!";
print $c "POST /slow HTTP/1.0\r\nHost: localhost\r\n"
    . "Content-Length: " . length($body) . "\r\n\r\n$body";
sleep 0.5;
ok(main::rotate_and_hup('second', $w1), 'second configuration');
ok(main::rotate_and_hup('third', $w1), 'third configuration');
ok((grep { $_ == $w1 } worker_pids()), 'the first worker still serves');
is(main::lines_like(qr/token entries that no running configuration/), 0,
   'nothing freed while a worker of the first configuration runs');
my ($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'the third configuration answers');
my $answer = do { local $/; <$c> } // '';
like($answer, qr{^HTTP/1\.\d 200 }, 'the slow request ends well');
my $deadline = time + 10;
sleep 0.1 while (grep { $_ == $w1 } worker_pids()) && time < $deadline;
ok(main::rotate_and_hup('fourth'), 'fourth configuration');
sleep 0.5;
is(main::lines_like(qr/token entries that no running configuration uses, freed: 2$/), 1,
   'the first and the second secret\'s entries go once no worker uses them');
($s) = http_request('POST', '/hello', '{}');
is($s, 200, 'the fourth configuration answers');
main::write_secret('demo-secret');
--- no_error_log
[emerg]



=== TEST 6: faas_zone_size takes a size of at least 8 pages
--- http_config
faas_zone_size 16k;
--- config_error
invalid value "16k" in "faas_zone_size" directive, it must be a size of at least 32k



=== TEST 7: faas_zone_size is not a size
--- http_config
faas_zone_size big;
--- config_error
invalid value "big" in "faas_zone_size" directive



=== TEST 8: faas_zone_size once
--- http_config
faas_zone_size 1m;
faas_zone_size 2m;
--- config_error
"faas_zone_size" directive is duplicate



=== TEST 9: faas_zone_size is for the http level only
--- config
faas_zone_size 1m;
--- config_error
"faas_zone_size" directive is not allowed here
