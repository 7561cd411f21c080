package FaasTest;

# FaasTest - a small data-driven test harness for ngx_http_faas_module.
#
# A test file:
#
#     use strict; use warnings;
#     use lib 't/lib';
#     use FaasTest;            # also exports Test::More
#     plan tests => blocks();  # optional: without a plan, run_tests()
#     run_tests();             # calls done_testing()
#     __DATA__
#
#     === TEST 1: hello
#     --- config
#     location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
#     --- request
#     POST /hello
#     {"name":"Ada"}
#     --- response_body_json
#     {"greeting":"Hello, Ada!"}
#
# Every block is run as ONE Test::More subtest, so a file produces exactly
# blocks() top-level tests, whatever the block checks.
#
# Blocks and sections
#   A block starts with a line "=== TITLE".  A section is either
#   "--- name: value" (one line) or "--- name" followed by lines up to the
#   next "---"/"===" line; trailing blank lines and the final newline are
#   dropped.  A section given without a value is a flag.  Unknown section
#   names fail the block (typos do not pass silently).
#
# Placeholders, replaced in every section: $TEST_NGINX_SERVER_PORT,
#   $TEST_NGINX_AUTH_PORT, $TEST_NGINX_GATEWAY_PORT,
#   $TEST_NGINX_DOMAIN_PORT (Domain API stand-in, TCP),
#   $TEST_NGINX_DNS_PORT (DNS stand-in, UDP), $TEST_NGINX_CA,
#   $TEST_NGINX_OTHER_CA, $TEST_NGINX_SERVROOT, $TEST_NGINX_CERT_DIR and
#   $TEST_NGINX_<NAME> for any environment variable TEST_NGINX_<NAME>.
#   An unknown $TEST_NGINX_ placeholder fails the block.
#
# nginx configuration
#   main_config    top level of nginx.conf (e.g. "env SECRET;")
#   http_config    inside http {}; default_http_config(TEXT) in the test
#                  file gives the one of blocks that have none
#   config         inside the one server {} on 127.0.0.1:SERVER_PORT
#   workers: N     worker_processes (default 1)
#   log_level: L   error_log level (default info)
#   no_module      do not emit load_module (harness self-tests)
#   config_error   "nginx -t" must FAIL and print every line of this
#                  section (substring match); nothing is started and no
#                  other check runs.
#   config_ok      "nginx -t" must pass and print every line of this
#                  section, if any (substring match, e.g. a warning);
#                  nothing is started and no other check runs.
#   whole_config   the whole nginx.conf, used as it is instead of the
#                  file made of main_config, http_config and config
#                  (those, workers, log_level and no_module are then
#                  ignored).  It brings its own load_module, events {}
#                  and listen 127.0.0.1:$TEST_NGINX_SERVER_PORT, and it
#                  must hold the lines the harness relies on:
#                  nginx_runtime_config() returns them, the main-level
#                  ones (pid logs/nginx.pid, error_log logs/error.log,
#                  daemon, user) and the http-level ones (access_log,
#                  temp paths in the servroot).
#
# Stand-ins (started once per file; see standin.pl): the authorization
#   server ("auth"), the gateway ("gateway"), the Domain API ("domain")
#   and a DNS server ("dns") on UDP 127.0.0.1:DNS_PORT.  The server
#   certificate is for localhost, 127.0.0.1, faas.test and *.faas.test.
#   standin        JSON written as the control file for this block
#                  (absent: defaults).  requests.log starts empty.
#                  Keys (defaults in standin.pl): account, client_id,
#                  client_secret, scope, client_auth, auth {...},
#                  gateway {...}, and
#                  "domain": {"services": {"sentinel": null,
#                      "faasGW": null}, "fail": 0, "fail_status": 500,
#                      "status": null, "body": null, "delay": 0}
#                    services.X is the baseURI answered for service X
#                    (e.g. "sentinel.faas.test:$TEST_NGINX_AUTH_PORT");
#                    null -> 404.  "fail": N fails the next N lookups.
#                  "dns": {"names": {"NAME": "ADDRESS", ...}, "ttl": 1,
#                      "drop": 0}
#                    names default to sentinel.faas.test, gw.faas.test,
#                    domain.faas.test and functions.faas.test (a V2
#                    gateway host) -> 127.0.0.1; a "names" given
#                    replaces them all.  Unlisted names -> NXDOMAIN,
#                    AAAA -> no answer; "drop" leaves queries unanswered.
#                  nginx uses the DNS stand-in with
#                    resolver 127.0.0.1:$TEST_NGINX_DNS_PORT valid=1s
#                             ipv6=off;
#   standin_eval   Perl expression giving that control as a structure
#   standin_gw_cert: NAME, standin_auth_cert: NAME,
#   standin_domain_cert: NAME
#                  serve NAME.crt of the cert dir this block: "other"
#                  (untrusted CA) or "wrongname" (trusted CA, wrong host).
#
# Request (nginx is started afresh for every block)
#   request        first line "METHOD URI", the other lines the body
#   request_eval   Perl expression returning that same text
#   more_headers   extra "Name: value" lines ("Host", "Connection" and
#                  "Content-Length" given here replace the defaults)
#   request_body_chunked   send the body chunked
#   repeat: N      send the request N times, one after the other
#   parallel: N, concurrency: C   N copies, at most C at a time
#   timeout: S     client timeout per request (default 15)
#   wait: S        sleep before sending; sleep_after: S sleep after
#
# Checks (each runs over every response of the block)
#   error_code: N          status (default 200 when a request is sent)
#   response_headers       "Name: value" exact; "!Name" must be absent
#   response_headers_like  "Name: regex"
#   response_body          exact; response_body_eval: Perl expression
#   response_body_like     regex (//s); response_body_unlike: must not match
#   response_body_json     structural JSON equality (see "JSON matching")
#   error_log, no_error_log  one pattern per line: substring, or
#                          qr/.../flags; against this block's error.log
#   auth_requests: N, gateway_requests: N, domain_requests: N,
#   dns_requests: N        requests (DNS: queries) the stand-ins got
#   auth_request_like, gateway_request_like, domain_request_like,
#   dns_request_like       one or more JSON documents; each must
#                          subset-match some logged request, e.g.
#                          {"name":"gw.faas.test","qtype":"A"}
#   (always) no stand-in request has violations; allow_violations skips
#            this, standin_violations: N allows up to N such requests
#   (always) "nginx exits cleanly": no worker died ("exited on", unusual
#            "signal" lines), nginx was running at the end of the block
#            and stopped on QUIT within 10 s.
#   check_eval             Perl code run while nginx still runs, with
#                          @responses ([status, body, \%headers] each),
#                          standin_requests() and error_log_text().
#   allow_worker_kill      a worker killed with SIGKILL by the block is
#                          not a crash
#   skip: REASON           skip the block.
#   no_valgrind: REASON    skip the block under FAAS_VALGRIND (it measures
#                          time, which valgrind's slowdown distorts)
#
# JSON matching: "ANY" matches any value that is present; a string
#   "qr/RE/" matches strings matching RE; numbers and strings are distinct
#   types.  response_body_json requires equal key sets; *_request_like
#   only needs the keys it names (at any depth).
#
# Blocks made by the test file: block_list() returns the array of the
#   parsed blocks ({name => TITLE, s => {SECTION => TEXT}, order =>
#   [SECTION, ...]}); a test may change them or push its own before
#   run_tests().  A section must be in both s and order to be checked.
#
# Other helpers: free_port(['udp']) a free port on 127.0.0.1 (for a
#   server of the test's own, e.g. via $ENV{TEST_NGINX_X}), module_path()
#   the built module.
#
# Environment: FAAS_VALGRIND=1 (nginx under valgrind memcheck, checked
#   after every block), FAAS_MODULE (module path), FAAS_NGINX (nginx binary),
#   FAAS_TEST_KEEP=1 (keep the servroot).

use strict;
use warnings;

use B ();
use Config;
use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(basename dirname);
use File::Path qw(make_path remove_tree);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Storable qw(nstore retrieve);
use Test::More;
use Time::HiRes qw(time sleep);

our @EXPORT = (@Test::More::EXPORT, qw(
    blocks block_list run_tests no_module default_http_config
    demo_http_config nginx_runtime_config free_port module_path
    start_standins stop_standins standin_control standin_requests
    clear_standin_requests
    start_nginx restart_nginx reload_nginx stop_nginx nginx_test_config
    http_request parallel_requests
    error_log_text clear_error_log worker_pids nginx_pid
    server_port auth_port gateway_port domain_port dns_port
    ca_file other_ca_file
    servroot cert_dir repo_root json_match
));

my $REPO = abs_path(dirname(__FILE__) . '/../..');
my $LIB = "$REPO/t/lib";
my $CERTS = "$REPO/build/test-certs";
my $NGINX = $ENV{FAAS_NGINX} // '/usr/sbin/nginx';
my $MODULE = $ENV{FAAS_MODULE} // "$REPO/build/ngx_http_faas_module.so";
my $MAIN_PID = $$;
my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

my $SERVROOT = "$REPO/t/servroot-" . basename($0, '.t') . "-$$";
my ($SERVER_PORT, $AUTH_PORT, $GW_PORT, $DOMAIN_PORT, $DNS_PORT);
my (%USED_PORT, $CERTS_DONE);
my ($STANDIN_PID, %STANDIN_CERT);
my ($NGINX_PID, $NGINX_HTTP, %NGINX_OPT);
my $NO_MODULE = 0;
our $LAST_HTTP;
my $DEFAULT_HTTP;     # http_config of blocks that give none      # the http{} text of the running configuration
my @BLOCKS;

my %KNOWN = map { $_ => 1 } qw(
    main_config http_config config workers log_level no_module
    config_error config_ok whole_config standin standin_gw_cert
    standin_auth_cert standin_domain_cert
    request request_eval more_headers request_body_chunked repeat
    parallel concurrency timeout wait sleep_after
    error_code response_headers response_headers_like response_body
    response_body_eval response_body_like response_body_unlike
    response_body_json
    error_log no_error_log auth_requests gateway_requests
    auth_request_like gateway_request_like allow_violations
    domain_requests domain_request_like dns_requests dns_request_like
    standin_violations skip check_eval allow_worker_kill standin_eval
    no_valgrind
);

$SIG{INT} = $SIG{TERM} = sub { exit 130 };  # so that END cleans up
become_subreaper();

END {
    if ($$ == $MAIN_PID) {
        my $rc = $?;
        stop_nginx();
        stop_standins();
        reap();
        remove_tree($SERVROOT) if -d $SERVROOT && !$ENV{FAAS_TEST_KEEP};
        $? = $rc;
    }
}

# ------------------------------------------------------------ accessors

sub repo_root     { $REPO }
sub servroot      { $SERVROOT }
sub cert_dir      { make_certs(); $CERTS }
sub ca_file       { cert_dir() . '/ca.crt' }
sub other_ca_file { cert_dir() . '/other-ca.crt' }
sub server_port   { $SERVER_PORT //= free_port() }
sub auth_port     { $AUTH_PORT }
sub gateway_port  { $GW_PORT }
sub domain_port   { $DOMAIN_PORT }
sub dns_port      { $DNS_PORT }
sub no_module     { $NO_MODULE = $_[0] // 1 }

# free_port(['udp']): a free TCP (or UDP) port on 127.0.0.1
sub free_port {
    my ($proto) = @_;
    $proto //= 'tcp';
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
            LocalPort => 0, Proto => $proto,
            $proto eq 'tcp' ? (Listen => 1) : ())
            or die "cannot bind a free $proto port: $@";
        my $port = $s->sockport;
        close $s;
        return $port unless $USED_PORT{$port}++;
    }
    die "no free port found";
}

# mkcerts.sh once per process: it also renews a directory made by an
# older mkcerts.sh (certificates without today's names).
sub make_certs {
    return if $CERTS_DONE;
    system('sh', "$LIB/mkcerts.sh", $CERTS) == 0
        or BAIL_OUT("mkcerts.sh $CERTS failed");
    $CERTS_DONE = 1;
}

sub placeholders {
    my %p = map { /^TEST_NGINX_(\w+)$/ ? ($1 => $ENV{$_}) : () } keys %ENV;
    %p = (%p,
        SERVER_PORT => server_port(), AUTH_PORT => $AUTH_PORT,
        GATEWAY_PORT => $GW_PORT, DOMAIN_PORT => $DOMAIN_PORT,
        DNS_PORT => $DNS_PORT, CA => ca_file(),
        OTHER_CA => other_ca_file(), SERVROOT => $SERVROOT,
        CERT_DIR => cert_dir(),
    );
    return \%p;
}

# Replace $TEST_NGINX_X; dies on an unknown one.
sub expand {
    my ($text) = @_;
    return $text unless defined $text;
    my $p = placeholders();
    $text =~ s{\$TEST_NGINX_(\w+)}{
        defined $p->{$1} ? $p->{$1}
            : die "unknown or unset placeholder \$TEST_NGINX_$1\n"
    }ge;
    return $text;
}

# ------------------------------------------------------------- stand-ins

# start_standins(gw_cert => 'other', auth_cert => 'other',
#                domain_cert => 'wrongname')
# Returns the ports: (auth, gateway, domain, dns).
sub start_standins {
    my %opt = @_;
    my %want = map { ($_ => $opt{"${_}_cert"} // 'server') }
        qw(gw auth domain);
    if ($STANDIN_PID && alive($STANDIN_PID)) {
        return standin_ports()
            unless grep { $STANDIN_CERT{$_} ne $want{$_} } keys %want;
        stop_standins();
    }
    make_certs();
    my $state = "$SERVROOT/standin";
    make_path($state, "$SERVROOT/logs");
    my $pidfile = "$state/standin.pid";
    for my $try (1 .. 3) {
        $AUTH_PORT //= free_port();
        $GW_PORT //= free_port();
        $DOMAIN_PORT //= free_port();
        $DNS_PORT //= free_port('udp');
        unlink $pidfile;
        my @cmd = ($^X, "$LIB/standin.pl", '--auth-port', $AUTH_PORT,
            '--gw-port', $GW_PORT, '--domain-port', $DOMAIN_PORT,
            '--dns-port', $DNS_PORT, '--cert', "$CERTS/server.crt",
            '--key', "$CERTS/server.key", '--state', $state,
            '--pidfile', $pidfile, '--verbose');
        for my $s (sort keys %want) {
            push @cmd, "--$s-cert", "$CERTS/$want{$s}.crt",
                "--$s-key", "$CERTS/$want{$s}.key"
                if $want{$s} ne 'server';
        }
        my $pid = spawn(\@cmd, "$SERVROOT/logs/standin.log");
        my $deadline = time + 10;
        while (time < $deadline && !-s $pidfile && alive($pid)) {
            sleep 0.05;
        }
        if (-s $pidfile && alive($pid)) {
            ($STANDIN_PID, %STANDIN_CERT) = ($pid, %want);
            return standin_ports();
        }
        kill 'KILL', $pid;
        waitpid $pid, 0;
        # maybe a port was taken: new ones
        ($AUTH_PORT, $GW_PORT, $DOMAIN_PORT, $DNS_PORT) = ();
    }
    die "stand-ins did not start, see $SERVROOT/logs/standin.log\n";
}

sub standin_ports { ($AUTH_PORT, $GW_PORT, $DOMAIN_PORT, $DNS_PORT) }

sub stop_standins {
    return unless $STANDIN_PID;
    kill 'TERM', $STANDIN_PID;
    my $deadline = time + 5;
    while (waitpid($STANDIN_PID, WNOHANG) == 0) {
        if (time > $deadline) {
            kill 'KILL', $STANDIN_PID;
            waitpid $STANDIN_PID, 0;
            last;
        }
        sleep 0.05;
    }
    $STANDIN_PID = undef;
}

sub spawn {
    my ($cmd, $log) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        exec @$cmd or POSIX::_exit(127);
    }
    return $pid;
}

# standin_control(\%control) writes the control file; undef removes it.
# Raw JSON text is accepted too.
sub standin_control {
    my ($c) = @_;
    my $dir = "$SERVROOT/standin";
    make_path($dir);
    unlink "$dir/auth-fail.count", "$dir/domain-fail.count",
        "$dir/gateway-fail.count";
    return unlink "$dir/control.json" unless defined $c;
    my $text = ref $c ? $JSON->encode($c) : $c;
    write_file("$dir/control.json", $text);
}

# standin_requests(['auth'|'gateway'|'domain'|'dns']): the logged
# requests (DNS: queries), oldest first.
sub standin_requests {
    my ($server) = @_;
    my $text = read_file("$SERVROOT/standin/requests.log") // '';
    my @r = map { $JSON->decode($_) } grep { /\S/ } split /\n/, $text;
    @r = grep { $_->{server} eq $server } @r if defined $server;
    return @r;
}

sub clear_standin_requests { unlink "$SERVROOT/standin/requests.log" }

# ----------------------------------------------------------------- nginx

sub nginx_conf {
    my ($http, %opt) = @_;
    return $opt{whole} if defined $opt{whole};
    my $load = $opt{no_module} // $NO_MODULE ? ''
        : "load_module " . module_path() . ";\n";
    my $workers = $opt{workers} // 1;
    my $main = $opt{main_config} // '';
    my ($run_main, $run_http) = nginx_runtime_config($opt{log_level});
    return <<"CONF";
${load}${run_main}worker_processes $workers;
$main
events {
    worker_connections 1024;
}

http {
    default_type text/plain;
$run_http
$http
}
CONF
}

# nginx_runtime_config([LOG_LEVEL]): (main-level lines, http-level lines)
# that every configuration the harness runs must hold: the pid and the
# logs where the harness looks for them, temp files in the servroot.
sub nginx_runtime_config {
    my ($level) = @_;
    $level //= 'info';
    my $user = $> == 0 ? "user root;\n" : '';
    my $tmp = "$SERVROOT/tmp";
    my $main = "daemon on;\nmaster_process on;\n${user}"
        . "pid logs/nginx.pid;\nerror_log logs/error.log $level;\n";
    my $http = "    access_log logs/access.log;\n" . join '',
        map { "    ${_}_temp_path $tmp/$_;\n" }
        qw(client_body proxy fastcgi uwsgi scgi);
    return ($main, $http);
}

sub module_path {
    BAIL_OUT("module not built: run make ($MODULE is missing)")
        unless -f $MODULE;
    return abs_path($MODULE);
}

sub write_conf {
    my ($http, %opt) = @_;
    $LAST_HTTP = $_[0];
    make_path(map { "$SERVROOT/$_" } qw(conf logs tmp));
    write_file("$SERVROOT/conf/nginx.conf",
        expand(nginx_conf(expand($http), %opt)));
}

# ($ok, $output) of "nginx -t" for this configuration.
sub nginx_test_config {
    my ($http, %opt) = @_;
    write_conf($http, %opt);
    my $out = run_nginx('-t');
    return ($? == 0, $out);
}

# FAAS_VALGRIND=1: nginx runs under valgrind's memcheck; every block then
# also checks the valgrind logs for errors and definite leaks.
my $VALGRIND = $ENV{FAAS_VALGRIND} ? 1 : 0;
my $SLOW = $VALGRIND ? 10 : 1;

sub run_nginx {
    my @args = @_;
    my @vg = $VALGRIND && !@args
        ? ('valgrind', '--quiet', '--leak-check=full',
           '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite',
           '--num-callers=40', "--suppressions=$REPO/t/valgrind.supp",
           "--log-file=$SERVROOT/logs/valgrind.%p.log")
        : ();
    my $cmd = join ' ', map { "'$_'" }
        @vg, $NGINX, '-p', "$SERVROOT/", '-c', 'conf/nginx.conf', @args;
    return scalar `$cmd 2>&1`;
}

# the valgrind logs of this block: errors and definite leaks, if any
sub valgrind_problems {
    my @bad;
    for my $f (glob "$SERVROOT/logs/valgrind.*.log") {
        open my $fh, '<', $f or next;
        my $text = do { local $/; <$fh> };
        close $fh;
        unlink $f;
        push @bad, "$f:\n$text" if $text =~ /\S/;
    }
    return @bad;
}

# start_nginx($http_block_text, workers => N, main_config => ..,
#             log_level => .., no_module => 1)
# $http_block_text goes inside http {} and brings its own server {}.
sub start_nginx {
    my ($http, %opt) = @_;
    stop_nginx();
    write_conf($http, %opt);
    $NGINX_HTTP = $http;
    %NGINX_OPT = %opt;
    unlink "$SERVROOT/logs/error.log", "$SERVROOT/logs/nginx.pid";
    my $out = run_nginx();
    die "nginx failed to start:\n$out" if $?;
    my $deadline = time + 10 * $SLOW;
    until (nginx_pid() && can_connect(server_port())) {
        die "nginx did not come up:\n$out" . error_log_text()
            if time > $deadline;
        sleep 0.05;
    }
    $NGINX_PID = nginx_pid();
    my $n = $opt{workers} // 1;
    sleep 0.05 while scalar(my @w = worker_pids()) < $n
        && time < $deadline;
    return $NGINX_PID;
}

# restart_nginx(): stop nginx and start it again with the same
# configuration: a fresh shared zone, as after a restart by an operator
sub restart_nginx { return start_nginx($NGINX_HTTP, %NGINX_OPT) }

# reload_nginx([$http_text, %opt]): rewrite the configuration if given,
# send HUP and wait for a new generation of workers.  True on success.
sub reload_nginx {
    my ($http, %opt) = @_;
    my $pid = $NGINX_PID or die "nginx is not running\n";
    if (defined $http) {
        %NGINX_OPT = (%NGINX_OPT, %opt);
        $NGINX_HTTP = $http;
        write_conf($http, %NGINX_OPT);
    }
    my @old = worker_pids();
    my %old = map { $_ => 1 } @old;
    kill 'HUP', $pid;
    my $n = $NGINX_OPT{workers} // 1;
    my $deadline = time + 10;
    while (time < $deadline) {
        my @new = grep { !$old{$_} } worker_pids();
        if (@new >= $n) {
            # old workers still accept until they notice the QUIT
            wait_gone($deadline - time, @old);
            return 1;
        }
        sleep 0.05;
    }
    return 0;
}

# Stops nginx: QUIT, then TERM, then KILL.  True when QUIT sufficed.
sub stop_nginx {
    my $pid = $NGINX_PID // nginx_pid();
    $NGINX_PID = undef;
    return 1 unless $pid && alive($pid);
    my @all = ($pid, worker_pids($pid));
    kill 'QUIT', $pid;
    my $ok = wait_gone(10 * $SLOW, @all);
    reap();
    return 1 if $ok;
    kill 'TERM', @all;
    return 0 if wait_gone(3, @all);
    kill 'KILL', @all;
    wait_gone(3, @all);
    return 0;
}

# Become a "child subreaper" (Linux prctl PR_SET_CHILD_SUBREAPER) so the
# daemonised nginx master is re-parented to us and its zombie reaped here
# even when PID 1 does not reap orphans.
sub become_subreaper {
    my %prctl = (x86_64 => 157, aarch64 => 167);
    my ($arch) = $Config{archname} =~ /^([^-]+)/;
    return unless $^O eq 'linux' && $prctl{$arch};
    syscall($prctl{$arch}, 36, 1, 0, 0, 0);
}

sub reap { 1 while waitpid(-1, WNOHANG) > 0 }

sub nginx_pid {
    my $text = read_file("$SERVROOT/logs/nginx.pid") // return undef;
    my ($pid) = $text =~ /^(\d+)/ or return undef;
    return alive($pid) ? $pid : undef;
}

sub worker_pids {
    my ($master) = @_;
    $master //= $NGINX_PID // nginx_pid() // return ();
    my @pids;
    for my $st (glob '/proc/[0-9]*/stat') {
        my $s = read_file($st) // next;
        my ($pid, $state, $ppid) = $s =~ /^(\d+) \(.*\) (\S) (\d+)/s
            or next;
        push @pids, $pid if $ppid == $master && $state ne 'Z';
    }
    my @sorted = sort { $a <=> $b } @pids;
    return @sorted;
}

# running and not a zombie
sub alive {
    my ($pid) = @_;
    return 0 unless kill 0, $pid;
    my $s = read_file("/proc/$pid/stat") // return 0;
    return $s !~ /^\d+ \(.*\) Z /s;
}

sub wait_gone {
    my ($secs, @pids) = @_;
    my $deadline = time + $secs;
    while (grep { alive($_) } @pids) {
        return 0 if time > $deadline;
        sleep 0.05;
    }
    return 1;
}

sub error_log_text { read_file("$SERVROOT/logs/error.log") // '' }

sub clear_error_log {
    open my $fh, '>', "$SERVROOT/logs/error.log" or return;
    close $fh;
}

sub can_connect {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp', Timeout => 1) or return 0;
    close $s;
    return 1;
}

# ------------------------------------------------------------ HTTP client

# http_request($method, $uri, $body, \%headers | \@pairs, %opt)
#   opt: chunked => 1, timeout => S, port => P
# Returns ($status, \%headers, $body); header names lower-case, repeated
# headers joined with ", ".  Status 0 when no response came (the reason
# is in the body).
sub http_request {
    my ($method, $uri, $body, $hdrs, %opt) = @_;
    my @h = ref $hdrs eq 'HASH' ? map { [$_, $hdrs->{$_}] } sort keys %$hdrs
        : ref $hdrs eq 'ARRAY' ? @$hdrs : ();
    my %have = map { lc $_->[0] => 1 } @h;
    my $port = $opt{port} // server_port();
    unshift @h, ['Host', "localhost:$port"] unless $have{host};
    push @h, ['Connection', 'close'] unless $have{connection};
    $body //= '';
    if ($opt{chunked}) {
        push @h, ['Transfer-Encoding', 'chunked'];
        $body = chunk_body($body);
    } elsif (!$have{'content-length'}
             && (length $body || $method =~ /^(POST|PUT|PATCH)$/)) {
        push @h, ['Content-Length', length $body];
    }
    my $req = "$method $uri HTTP/1.1\r\n"
        . join('', map { "$_->[0]: $_->[1]\r\n" } @h) . "\r\n" . $body;

    my $timeout = $opt{timeout} // 15;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $port, Proto => 'tcp', Timeout => $timeout)
        or return (0, {}, "connect failed: $@");
    my $raw = '';
    my $deadline = time + $timeout;
    my $err = exchange($s, $req, \$raw, $deadline);
    close $s;
    return parse_response($raw, $err);
}

sub chunk_body {
    my ($body) = @_;
    my $out = '';
    my $size = int(length($body) / 2) || 1;
    while (length $body) {
        my $part = substr($body, 0, $size, '');
        $out .= sprintf("%x\r\n%s\r\n", length $part, $part);
    }
    return "${out}0\r\n\r\n";
}

# Write the request, read until the peer closes.  Returns an error or ''.
sub exchange {
    my ($s, $req, $raw, $deadline) = @_;
    local $SIG{PIPE} = 'IGNORE';
    my $sel = IO::Select->new($s);
    while (length $req) {
        $sel->can_write($deadline - time) or return 'write timeout';
        my $n = syswrite($s, $req) // return "write failed: $!";
        substr($req, 0, $n, '');
    }
    while (1) {
        my $left = $deadline - time;
        return 'read timeout' if $left <= 0 || !$sel->can_read($left);
        my $n = sysread($s, my $buf, 65536);
        return "read failed: $!" unless defined $n;
        return '' if $n == 0;
        $$raw .= $buf;
    }
}

sub parse_response {
    my ($raw, $err) = @_;
    my ($head, $body) = split /\r\n\r\n/, $raw, 2;
    return (0, {}, $err || 'empty response')
        unless defined $body && $head =~ m{^HTTP/\d\.\d (\d{3})};
    my $status = $1;
    my %h;
    for (split /\r\n/, $head) {
        next unless /^([^:\s]+):\s*(.*?)\s*$/;
        my $n = lc $1;
        $h{$n} = exists $h{$n} ? "$h{$n}, $2" : $2;
    }
    if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        my $decoded = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            $decoded .= substr($body, 0, $n, '');
            $body =~ s/^\r\n//;
        }
        $body = $decoded;
    } elsif (defined $h{'content-length'}) {
        $body = substr($body, 0, $h{'content-length'});
    }
    diag("http_request: $err") if $err && $err ne '';
    return ($status + 0, \%h, $body);
}

# parallel_requests(n => N, concurrency => C, method => .., uri => ..,
#                   body => .., headers => .., chunked => .., timeout => ..)
# Returns N results [$status, $body, \%headers], in request order.
sub parallel_requests {
    my %o = @_;
    my $n = $o{n} // 1;
    my $c = $o{concurrency} // $n;
    $c = $n if $c > $n;
    my $dir = "$SERVROOT/tmp/parallel-$$";
    make_path($dir);
    my @kids;
    for my $w (0 .. $c - 1) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            my %res;
            for (my $i = $w; $i < $n; $i += $c) {
                my ($st, $h, $b) = http_request($o{method} // 'GET',
                    $o{uri}, $o{body}, $o{headers},
                    chunked => $o{chunked}, timeout => $o{timeout});
                $res{$i} = [$st, $b, $h];
            }
            nstore(\%res, "$dir/$w");
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    waitpid $_, 0 for @kids;
    my %all;
    for my $w (0 .. $c - 1) {
        my $r = -f "$dir/$w" ? retrieve("$dir/$w") : {};
        %all = (%all, %$r);
    }
    remove_tree($dir);
    return map { $all{$_} // [0, 'worker failed', {}] } 0 .. $n - 1;
}

# -------------------------------------------------------- JSON matching

sub is_number {
    my ($v) = @_;
    return 0 if !defined $v || ref $v;
    my $f = B::svref_2object(\$v)->FLAGS;
    return ($f & (B::SVf_IOK | B::SVf_NOK)) && !($f & B::SVf_POK) ? 1 : 0;
}

# json_match($got, $want, $subset): '' when it matches, else a reason.
sub json_match {
    my ($got, $want, $subset, $path) = @_;
    $path //= '$';
    my $show = sub { $JSON->encode($_[0]) };
    if (!ref $want && defined $want && !is_number($want)) {
        return '' if $want eq 'ANY';
        if ($want =~ m{^qr/.*/[imsx]*$}s) {
            my $re = make_regex($want) or return "$path: bad regex $want";
            return '' if defined $got && !ref $got && !is_number($got)
                && $got =~ $re;
            return "$path: " . $show->($got) . " does not match $want";
        }
    }
    if (ref $want eq 'HASH') {
        return "$path: expected an object, got " . $show->($got)
            unless ref $got eq 'HASH';
        for my $k (sort keys %$want) {
            return "$path: key '$k' missing" unless exists $got->{$k};
            my $r = json_match($got->{$k}, $want->{$k}, $subset,
                "$path.$k");
            return $r if $r;
        }
        return '' if $subset;
        for my $k (sort keys %$got) {
            return "$path: unexpected key '$k'" unless exists $want->{$k};
        }
        return '';
    }
    if (ref $want eq 'ARRAY') {
        return "$path: expected an array, got " . $show->($got)
            unless ref $got eq 'ARRAY';
        return "$path: expected " . @$want . " elements, got " . @$got
            unless @$got == @$want;
        for my $i (0 .. $#$want) {
            my $r = json_match($got->[$i], $want->[$i], $subset,
                "$path\[$i]");
            return $r if $r;
        }
        return '';
    }
    my $bad = "$path: expected " . $show->($want) . ", got "
        . $show->($got);
    return defined $got ? $bad : '' unless defined $want;
    if (JSON::PP::is_bool($want)) {
        return JSON::PP::is_bool($got) && !$got == !$want ? '' : $bad;
    }
    return $bad if !defined $got || ref $got || JSON::PP::is_bool($got);
    if (is_number($want)) {
        return is_number($got) && $got == $want ? '' : $bad;
    }
    return !is_number($got) && $got eq $want ? '' : $bad;
}

# --------------------------------------------------------------- blocks

sub blocks {
    @BLOCKS = parse_blocks() unless @BLOCKS;
    return scalar @BLOCKS;
}

# the blocks of this file, for a test that changes them or adds its own
sub block_list {
    blocks();
    return \@BLOCKS;
}

sub parse_blocks {
    no warnings 'once';
    my $fh = \*main::DATA;
    my $text = do { local $/; <$fh> } // '';
    my (@blocks, $b, $sec);
    for my $line (split /\n/, $text) {
        if ($line =~ /^===\s*(.*?)\s*$/) {
            $b = { name => $1, s => {}, order => [] };
            push @blocks, $b;
            $sec = undef;
        } elsif ($b && $line =~ /^---\s*(\w+)\s*(?::\s*(.*?))?\s*$/) {
            $sec = $1;
            push @{ $b->{order} }, $sec;
            $b->{s}{$sec} = defined $2 ? $2 : '';
            $sec = undef if defined $2;
        } elsif ($b && defined $sec) {
            $b->{s}{$sec} .= "$line\n";
        }
    }
    for my $bl (@blocks) {
        s/(?:\n[ \t]*)+\z// for values %{ $bl->{s} };
    }
    return @blocks;
}

sub run_tests {
    blocks();
    for my $b (@BLOCKS) {
        subtest $b->{name} => sub {
            plan skip_all => $b->{s}{skip} || 'skipped'
                if exists $b->{s}{skip};
            plan skip_all => "under valgrind: $b->{s}{no_valgrind}"
                if $VALGRIND && exists $b->{s}{no_valgrind};
            eval { run_block($b); 1 } or fail("harness error: $@");
            diag_failed_block() unless Test::More->builder->is_passing;
            stop_nginx();
        };
    }
    stop_nginx();
    done_testing() unless Test::More->builder->has_plan;
}

# default_http_config(TEXT): the http_config of every block without one
sub default_http_config {
    ($DEFAULT_HTTP) = @_;
}

# the credentials set "demo" for the stand-ins, trusting the test CA
sub demo_http_config {
    return <<'EOF';
faas_credentials demo {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$TEST_NGINX_AUTH_PORT/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$TEST_NGINX_GATEWAY_PORT;
}
faas_ssl_trusted_certificate $TEST_NGINX_CA;
EOF
}

sub run_block {
    my ($b) = @_;
    my %s = %{ $b->{s} };
    my @unknown = grep { !$KNOWN{$_} } @{ $b->{order} };
    if (@unknown) {
        fail("unknown section(s): @unknown");
        return;
    }
    my $ok = eval {
        start_standins(
            gw_cert => $s{standin_gw_cert} || 'server',
            auth_cert => $s{standin_auth_cert} || 'server',
            domain_cert => $s{standin_domain_cert} || 'server');
        $s{http_config} //= $DEFAULT_HTTP if defined $DEFAULT_HTTP;
        for my $k (keys %s) {
            $s{$k} = expand($s{$k}) unless $k =~ /_eval$/;
        }
        prepare_standin(exists $s{standin_eval}
            ? $JSON->encode(eval_text($s{standin_eval})) : $s{standin});
        1;
    };
    unless ($ok) {
        fail("block setup: $@");
        return;
    }
    my %nopt = (workers => $s{workers}, log_level => $s{log_level},
        main_config => $s{main_config},
        no_module => exists $s{no_module} ? 1 : undef,
        whole => $s{whole_config});
    my $http = ($s{http_config} // '') . "\n    server {\n"
        . "        listen 127.0.0.1:" . server_port() . ";\n"
        . "        server_name localhost;\n"
        . ($s{config} // '') . "\n    }";

    if (exists $s{config_error}) {
        my ($good, $out) = nginx_test_config($http, %nopt);
        ok(!$good, 'nginx -t fails') or diag($out);
        for my $want (split /\n/, $s{config_error}) {
            next unless $want =~ /\S/;
            ok(index($out, $want) >= 0, "nginx -t output has: $want")
                or diag($out);
        }
        return;
    }
    if (exists $s{config_ok}) {
        my ($good, $out) = nginx_test_config($http, %nopt);
        ok($good, 'nginx -t passes') or diag($out);
        for my $want (split /\n/, $s{config_ok} // '') {
            next unless $want =~ /\S/;
            ok(index($out, $want) >= 0, "nginx -t output has: $want")
                or diag($out);
        }
        return;
    }

    unless (eval { start_nginx($http, %nopt); 1 }) {
        fail("nginx starts");
        diag($@);
        return;
    }
    sleep $s{wait} if $s{wait};
    my @res = eval { send_requests(\%s) };
    fail("sending the request: $@") if $@;
    check_responses(\%s, @res) if @res;
    if (exists $s{check_eval}) {
        # Perl tests of the block; @responses holds [status, body, headers]
        local @main::responses = @res;
        eval "package main; no strict 'vars'; $s{check_eval}; 1"
            or fail("check_eval: $@");
    }
    sleep $s{sleep_after} if $s{sleep_after};

    my $running = $NGINX_PID && alive($NGINX_PID);
    my $graceful = stop_nginx();
    check_standin(\%s);
    check_error_log(\%s);
    my @crash = crash_lines(error_log_text());
    # a block that kills a worker on purpose expects its SIGKILL exit
    @crash = grep { !/exited on signal 9\b/ } @crash
        if exists $s{allow_worker_kill};
    if ($VALGRIND) {
        my @vg = valgrind_problems();
        ok(!@vg, 'valgrind: no memory errors, no definite leaks')
            or diag(join "\n", @vg);
    }
    ok($running && $graceful && !@crash, 'nginx exits cleanly')
        or diag(($running ? '' : "nginx was not running at block end\n")
            . ($graceful ? '' : "nginx did not stop on QUIT in 10 s\n")
            . join("\n", @crash));
}

sub prepare_standin {
    my ($control) = @_;
    clear_standin_requests();
    unlink "$SERVROOT/standin/jti";     # token ids count from 1 per block
    if (defined $control && $control =~ /\S/) {
        $JSON->decode($control);        # dies on bad JSON
        standin_control($control);
    } else {
        standin_control(undef);
    }
}

sub send_requests {
    my ($s) = @_;
    my $text = exists $s->{request_eval} ? eval_text($s->{request_eval})
        : $s->{request};
    return () unless defined $text;
    $text = expand($text);
    my ($line, $body) = split /\n/, $text, 2;
    my ($method, $uri) = $line =~ /^\s*(\S+)\s+(\S+)/
        or die "bad request line: $line\n";
    my @hdrs = map { /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/ ? [$1, $2] : () }
        split /\n/, $s->{more_headers} // '';
    my %o = (chunked => exists $s->{request_body_chunked},
             timeout => $s->{timeout});
    if ($s->{parallel}) {
        return parallel_requests(%o, n => $s->{parallel},
            concurrency => $s->{concurrency}, method => $method,
            uri => $uri, body => $body, headers => \@hdrs);
    }
    my @res;
    for (1 .. ($s->{repeat} || 1)) {
        my ($st, $h, $b) = http_request($method, $uri, $body, \@hdrs, %o);
        push @res, [$st, $b, $h];
    }
    return @res;
}

sub eval_text {
    my ($code) = @_;
    my $v = eval "package main; no strict 'vars'; $code";
    die "eval failed: $@" if $@;
    return $v;
}

# One test per kind of check, over all responses of the block.
sub check_responses {
    my ($s, @res) = @_;
    my $n = @res;
    my $of = $n > 1 ? " ($n responses)" : '';
    my $each = sub {
        my ($name, $check) = @_;
        for my $i (0 .. $#res) {
            my $why = $check->(@{ $res[$i] });
            next unless $why;
            fail("$name$of");
            diag("response " . ($i + 1) . ": $why");
            return;
        }
        pass("$name$of");
    };
    my $status = $s->{error_code} // 200;
    $each->("status $status", sub {
        $_[0] == $status ? '' : "status $_[0], body: $_[1]";
    });
    if (defined $s->{response_headers}) {
        for my $l (grep { /\S/ } split /\n/, $s->{response_headers}) {
            if ($l =~ /^\s*!\s*(\S+)/) {
                my $n = lc $1;
                $each->("header $1 absent", sub {
                    exists $_[2]{$n} ? "$n: $_[2]{$n}" : '';
                });
                next;
            }
            my ($name, $want) = $l =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/
                or die "bad response_headers line: $l\n";
            $each->("header $name: $want", sub {
                my $got = $_[2]{lc $name};
                defined $got && $got eq $want ? ''
                    : "got " . ($got // 'no such header');
            });
        }
    }
    if (defined $s->{response_headers_like}) {
        for my $l (grep { /\S/ } split /\n/, $s->{response_headers_like}) {
            my ($name, $re) = $l =~ /^\s*([^:\s]+)\s*:\s*(.*?)\s*$/
                or die "bad response_headers_like line: $l\n";
            $each->("header $name like /$re/", sub {
                my $got = $_[2]{lc $name};
                defined $got && $got =~ /$re/ ? ''
                    : "got " . ($got // 'no such header');
            });
        }
    }
    my $body = exists $s->{response_body_eval}
        ? eval_text($s->{response_body_eval}) : $s->{response_body};
    if (defined $body) {
        $each->('response body', sub {
            $_[1] eq $body ? '' : "got:\n$_[1]\nexpected:\n$body";
        });
    }
    if (defined(my $re = $s->{response_body_like})) {
        $each->('response body like', sub {
            $_[1] =~ /$re/s ? '' : "got:\n$_[1]\nnot like: $re";
        });
    }
    if (defined(my $re = $s->{response_body_unlike})) {
        $each->('response body unlike', sub {
            $_[1] !~ /$re/s ? '' : "got:\n$_[1]\nlike: $re";
        });
    }
    if (defined(my $j = $s->{response_body_json})) {
        my $want = $JSON->decode($j);
        $each->('response body JSON', sub {
            my $got = eval { $JSON->decode($_[1]) };
            return "not JSON: $_[1]" if $@;
            my $r = json_match($got, $want, 0);
            $r ? "$r\nbody: $_[1]" : '';
        });
    }
}

sub check_standin {
    my ($s) = @_;
    my @all = standin_requests();
    for my $srv (qw(auth gateway domain dns)) {
        my @r = grep { $_->{server} eq $srv } @all;
        if (defined(my $n = $s->{"${srv}_requests"})) {
            is(scalar @r, $n, "$srv stand-in got $n request(s)");
        }
        my $like = $s->{"${srv}_request_like"};
        next unless defined $like;
        my @want = json_docs($like);
        for my $w (@want) {
            my @why = map { json_match($_, $w, 1) } @r;
            ok(@r && grep({ $_ eq '' } @why),
                "$srv request like " . $JSON->encode($w))
                or diag(@r ? "last $srv request: $why[-1]"
                    : "no $srv requests");
        }
    }
    return if exists $s->{allow_violations};
    my $allowed = $s->{standin_violations} // 0;
    my @bad = grep { @{ $_->{violations} || [] } } @all;
    ok(@bad <= $allowed, 'stand-in requests without violations')
        or diag(join "\n", map {
            "$_->{server} "
            . ($_->{server} eq 'dns' ? $_->{name} // '?'
                : "$_->{method} $_->{path}")
            . ': ' . join('; ', @{ $_->{violations} })
        } @bad);
}

# One or more JSON documents in a row -> list of structures; dies on
# bad JSON.
sub json_docs {
    my ($text) = @_;
    my @docs;
    while ($text =~ /\S/) {
        $text =~ s/^\s+//;
        my ($doc, $used) = eval { $JSON->decode_prefix($text) };
        die "bad JSON: $@" unless $used;
        push @docs, $doc;
        substr($text, 0, $used, '');
    }
    return @docs;
}

sub check_error_log {
    my ($s) = @_;
    my $log = error_log_text();
    for my $sec (qw(error_log no_error_log)) {
        next unless defined $s->{$sec};
        for my $p (grep { /\S/ } split /\n/, $s->{$sec}) {
            my $hit;
            if ($p =~ m{^qr/.*/[imsx]*$}) {
                my $re = make_regex($p) or die "bad regex $p\n";
                $hit = $log =~ $re;
            } else {
                $hit = index($log, $p) >= 0;
            }
            if ($sec eq 'error_log') {
                ok($hit, "error log has: $p") or diag(tail($log));
            } else {
                ok(!$hit, "error log lacks: $p") or diag(tail($log));
            }
        }
    }
}

# Lines that show a crash: "exited on signal", or any "signal" line that
# is not nginx's routine "signal N (SIGxxx) received" notice.
sub crash_lines {
    my ($log) = @_;
    my $routine = qr/signal[ ]\d+[ ]\(SIG(?:HUP|QUIT|TERM|INT|CHLD|USR1
        |USR2|WINCH|IO|ALRM)\)[ ]received|signal[ ]process[ ]started/x;
    return grep { /exited on/ || (/signal/ && !/$routine/) }
        split /\n/, $log;
}

# "qr/RE/flags" -> compiled regex, undef when invalid
sub make_regex {
    my ($text) = @_;
    my ($src, $flags) = $text =~ m{^qr/(.*)/([imsx]*)$}s or return undef;
    return eval { $flags ? qr/(?$flags:$src)/ : qr/$src/ };
}

# A block failed: its error log's lines at warn or worse (at most 20) say
# why, also when no check of the block looked at the log.
sub diag_failed_block {
    my @l = grep { /\[(?:warn|error|crit|alert|emerg)\]/ }
        split /\n/, error_log_text();
    return unless @l;
    splice @l, 20 if @l > 20;
    diag(join "\n", 'error.log, lines at [warn] or worse:', @l);
}

sub tail {
    my @l = split /\n/, $_[0];
    splice @l, 0, @l - 30 if @l > 30;
    return join "\n", "error.log (tail):", @l;
}

# --------------------------------------------------------------- files

sub read_file {
    my ($f) = @_;
    open my $fh, '<:raw', $f or return undef;
    local $/;
    return scalar <$fh>;
}

sub write_file {
    my ($f, $data) = @_;
    open my $fh, '>:raw', "$f.tmp" or die "$f.tmp: $!\n";
    print $fh $data;
    close $fh or die "$f.tmp: $!\n";
    rename "$f.tmp", $f or die "rename $f: $!\n";
}

1;
