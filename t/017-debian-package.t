# The Debian package, as an operator meets it: built with
# dpkg-buildpackage (dh --with nginx --buildsystem=nginx_mod), installed
# into the machine's own nginx with apt-get, a faas_invoke location in a
# conf.d file served by the system nginx with Debian's stock nginx.conf,
# then removed, after which nginx starts cleanly.  Afterwards the machine
# is as it was: the package gone, /etc/nginx as before, the system nginx
# running or stopped as before.
#
# Needs root (it installs a package); skipped otherwise.  The system nginx
# runs in a network namespace of its own with only a loopback (unshare
# --net), with the stand-ins, so that the stock default site's "listen 80"
# binds nothing outside; where namespaces are not permitted it runs in the
# machine's, and the default site listens on port 80 during the test.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;
use Digest::MD5 qw(md5_hex);
use Fcntl qw(:flock);
use File::Find qw(find);
use File::Path qw(make_path remove_tree);
use Time::HiRes qw(time sleep);

my $PACKAGE = 'libnginx-mod-http-faas';
my $NGINX = '/usr/sbin/nginx';
my $PID_FILE = '/run/nginx.pid';
my $ERROR_LOG = '/var/log/nginx/error.log';
my $CONF_D = '/etc/nginx/conf.d/zz-faas-package-test.conf';
my $ENABLED = '/etc/nginx/modules-enabled/50-mod-http-faas.conf';
my $AVAILABLE = '/usr/share/nginx/modules-available/mod-http-faas.conf';
my $SO = '/usr/lib/nginx/modules/ngx_http_faas_module.so';
my $WORK = repo_root() . '/build/debian-package';
my @APT = ('apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300');

# the inner test's own nginx, while it runs
my $STARTED;

$ENV{DEBIAN_FRONTEND} = 'noninteractive';

plan skip_all => 'not root: the package test installs a package into the '
    . 'system nginx (run ./dev test as root)' if $> != 0;

if ($ENV{FAAS_PACKAGE_INNER}) {
    inner();
} else {
    outer();
}
exit 0;

# ------------------------------------------------------------------ outer

# the machine before and after; the package test itself runs in a child
sub outer {
    open my $lock, '>', '/run/lock/ngx_http_faas-package-test.lock'
        or die "lock: $!\n";
    flock $lock, LOCK_EX or die "flock: $!\n";

    my $installed = installed_version();
    if (defined $installed) {
        plan tests => 1;
        fail("$PACKAGE $installed is installed on this machine: the test "
             . "would replace it (apt-get purge $PACKAGE first)");
        return;
    }

    plan tests => 6;

    my $before = etc_nginx();
    my $was_running = system_nginx_pid();
    if ($was_running) {
        ok(stop_system_nginx($was_running),
           "the running system nginx (pid $was_running) stopped for the "
           . 'test');
    } else {
        pass('the system nginx is not running: it stays so');
    }

    my ($ns, @cmd) = ('private', 'unshare', '--net', '--');
    if (system('unshare --net true 2> /dev/null') != 0) {
        ($ns, @cmd) = ('machine');
        diag('no network namespace of its own (unshare --net refused): '
             . "the stock default site listens on port 80 during the test");
    }

    local $ENV{FAAS_PACKAGE_INNER} = $ns;
    my $t0 = time;
    my $out = `@cmd $^X $0 2>&1`;
    my $rc = $?;
    my $ok = ok($rc == 0, sprintf('the package test (network namespace: '
                                  . '%s, %.0f s)', $ns, time - $t0));
    $ok ? note(indent($out)) : diag(indent($out));

    # a system nginx the package test started and left running
    my $left = system_nginx_pid();
    if ($left && (!$was_running || $left != $was_running)) {
        $STARTED = $left;
    }
    cleanup();

    is(installed_version(), undef, "$PACKAGE is not installed afterwards");

    if ($was_running) {
        ok(start_system_nginx(), 'the system nginx runs again, as before');
    } else {
        ok(!system_nginx_pid(), 'the system nginx is stopped, as before');
    }

    my $after = etc_nginx();
    my @diff = grep { ($before->{$_} // '') ne ($after->{$_} // '') }
        sort keys %{{ %$before, %$after }};
    ok(!@diff, '/etc/nginx is as it was') or diag("changed: @diff");

    ok(!-e $SO && !-e $AVAILABLE, 'the module and its load file are gone');
}

sub indent { join '', map { "    $_\n" } split /\n/, $_[0] // '' }

# every path under /etc/nginx with its content (or link target)
sub etc_nginx {
    my %seen;
    find({ no_chdir => 1, wanted => sub {
        my $p = $File::Find::name;
        $seen{$p} = -l $p ? 'link ' . readlink($p)
            : -d _ ? 'dir' : 'file ' . md5_hex(FaasTest::read_file($p)
                                               // '');
    } }, '/etc/nginx');
    return \%seen;
}

sub stop_system_nginx {
    my ($pid) = @_;
    system('invoke-rc.d nginx stop > /dev/null 2>&1');
    if (alive($pid)) {
        kill 'QUIT', $pid;
    }
    return wait_gone($pid, 15);
}

# as it was started before: the init system if it lets us, else by hand
sub start_system_nginx {
    system('invoke-rc.d nginx start > /dev/null 2>&1');
    system($NGINX) unless system_nginx_pid();
    my $deadline = time + 10;
    sleep 0.1 while !system_nginx_pid() && time < $deadline;
    return system_nginx_pid();
}

# ------------------------------------------------------------------ inner

END {
    local $?;       # the test's exit status, not cleanup's commands'
    cleanup() if $ENV{FAAS_PACKAGE_INNER} && $> == 0;
}

sub inner {
    plan tests => 8;

    if ($ENV{FAAS_PACKAGE_INNER} eq 'private') {
        system('ip', 'link', 'set', 'lo', 'up') == 0
            or BAIL_OUT('ip link set lo up failed');
    }

    my $deb = build_package();
    ok($deb, 'dpkg-buildpackage -us -uc -b built the package')
        or BAIL_OUT("no package; see $WORK/build.log");

    subtest 'the package' => sub {
        my $v = version_of_project();
        is(deb_field($deb, 'Version'), "$v-1", "version $v-1");
        my $dep = deb_field($deb, 'Depends');
        like($dep, qr/(?:^|, )nginx-abi-[\d.]+-\d+(?:,|$)/,
             "Depends: the nginx ABI ($dep)");
        like($dep, qr/(?:^|, )libcjson1\b/, 'Depends: libcjson1');
        my $files = `dpkg-deb -c '$deb'`;
        like($files, qr{ \./usr/lib/nginx/modules/ngx_http_faas_module\.so$}m,
             'the module in /usr/lib/nginx/modules/');
        like($files, qr{ \./usr/share/nginx/modules-available/mod-http-faas\.conf$}m,
             'its load file in modules-available');
        like($files, qr{ \./usr/share/doc/$PACKAGE/copyright$}m,
             'a copyright file');
    };

    subtest 'apt-get install' => sub {
        my $out = run(@APT, 'install', '--no-install-recommends', $deb);
        is($?, 0, 'installed') or diag($out);
        ok(-f $SO, $SO);
        is(FaasTest::read_file($AVAILABLE),
           "load_module modules/ngx_http_faas_module.so;\n",
           "$AVAILABLE: the load_module line");
        is(readlink($ENABLED) // '', $AVAILABLE,
           "enabled: $ENABLED links to it");
    };

    subtest 'nginx -t with the stock nginx.conf' => sub {
        my $out = run($NGINX, '-t');
        is($?, 0, 'passes') or diag($out);
        like($out, qr/test is successful/, 'test is successful');
    };

    my ($auth, $gw) = start_standins();
    my $port = FaasTest::free_port();

    subtest 'a faas_invoke location in conf.d' => sub {
        write_conf_d($port, $auth, $gw);
        my $out = run($NGINX, '-t');
        is($?, 0, 'nginx -t passes') or diag($out);
        my $v = version_of_project();
        like($out, qr/\[notice\] .*faas: ngx_http_faas_module \Q$v\E /,
             'the notice line names the version');
    };

    subtest 'the system nginx serves it' => sub {
        ok(start_nginx_here(), "nginx started, listening on 127.0.0.1:$port")
            or return;
        my ($s, $h, $b) = http_request('POST', '/hello', '{"name":"Ada"}',
            { 'Content-Type' => 'application/json' }, port => $port);
        is($s, 200, 'status 200') or diag($b);
        is($b, '{"greeting":"Hello, Ada!"}', 'what the function returned');
        is(scalar(() = standin_requests('gateway')), 1,
           'one invoke at the gateway stand-in');
        ($s, $h, $b) = http_request('GET', '/faas-status', undef, undef,
                                    port => $port);
        like($b, qr/^\{"version":"\Q${\ version_of_project()}\E"/,
             'faas_status shows the version');
        ok(stop_nginx_here(), 'stopped');
    };

    subtest 'apt-get remove: nginx starts cleanly' => sub {
        unlink $CONF_D;
        my $out = run(@APT, 'remove', $PACKAGE);
        is($?, 0, 'removed') or diag($out);
        ok(!-e $SO, 'the module is gone');
        ok(!-e $ENABLED, 'no longer enabled');
        $out = run($NGINX, '-t');
        is($?, 0, 'nginx -t passes') or diag($out);
        my $offset = -s $ERROR_LOG // 0;
        ok(start_nginx_here(), 'nginx starts');
        ok(stop_nginx_here(), 'and stops');
        my $log = substr(FaasTest::read_file($ERROR_LOG) // '', $offset);
        unlike($log, qr/\[(?:emerg|alert|crit|error)\]/,
               "no error in $ERROR_LOG");
    };

    subtest 'apt-get purge' => sub {
        my $out = run(@APT, 'purge', $PACKAGE);
        is($?, 0, 'purged') or diag($out);
        ok(!-e $AVAILABLE && !-l "$ENABLED.removed",
           'no load file, no link left');
    };
}

sub build_package {
    remove_tree($WORK);
    make_path("$WORK/src");
    my $repo = repo_root();
    system("cd '$repo' && tar -c --exclude=./build --exclude='./t/servroot*'"
           . " --exclude=./.git . | tar -x -C '$WORK/src'") == 0
        or return undef;
    system("cd '$WORK/src' && dpkg-buildpackage -us -uc -b"
           . " > '$WORK/build.log' 2>&1") == 0
        or return undef;
    my ($deb) = glob "$WORK/${PACKAGE}_*_*.deb";
    return $deb;
}

sub write_conf_d {
    my ($port, $auth, $gw) = @_;
    my $ca = ca_file();
    my $root = servroot();
    make_path("$root/logs");
    FaasTest::write_file($CONF_D, <<"EOF");
# written by t/017-debian-package.t, removed by it
faas_credentials package-test {
    account 12345678; client_id demo-client; client_secret demo-secret;
    token_url https://127.0.0.1:$auth/sentinel/api/account/12345678/app/token?v=2.0;
    gateway https://127.0.0.1:$gw;
}
faas_ssl_trusted_certificate $ca;

server {
    listen 127.0.0.1:$port;
    access_log $root/logs/package-access.log;
    error_log $root/logs/package-error.log info;

    location = /hello {
        faas_invoke 11111111-1111-4111-8111-111111111111;
    }

    location = /faas-status {
        faas_status;
    }
}
EOF
}

# the system nginx, as "nginx" would start it: /etc/nginx/nginx.conf
sub start_nginx_here {
    my $out = run($NGINX);
    return 0 if $?;
    my $deadline = time + 10;
    sleep 0.05 until ($STARTED = system_nginx_pid()) || time > $deadline;
    return $STARTED ? 1 : 0;
}

sub stop_nginx_here {
    return 1 unless $STARTED;
    kill 'QUIT', $STARTED;
    my $gone = wait_gone($STARTED, 10);
    $STARTED = undef if $gone;
    return $gone;
}

# ----------------------------------------------------------------- common

# whatever a failed run left: the nginx it started, the conf.d file, the
# package
sub cleanup {
    if ($STARTED && alive($STARTED)) {
        kill 'QUIT', $STARTED;
        wait_gone($STARTED, 10) or kill 'KILL', $STARTED;
    }
    unlink $CONF_D if -e $CONF_D;
    if (defined installed_version()) {
        run(@APT, 'purge', $PACKAGE);
    }
}

sub run {
    my $cmd = join ' ', map { "'$_'" } @_;
    return scalar `$cmd 2>&1 < /dev/null`;
}

# the version dpkg knows of (installed, or its configuration left)
sub installed_version {
    my $s = `dpkg-query -W -f='\${Status} \${Version}' $PACKAGE 2>/dev/null`;
    my ($state, $v) = $s =~ /^\S+ \S+ (\S+) ?(\S*)/ or return undef;
    return $state eq 'not-installed' || $v eq '' ? undef : $v;
}

sub deb_field {
    my ($deb, $field) = @_;
    my $v = `dpkg-deb -f '$deb' $field`;
    chomp $v;
    return $v;
}

sub version_of_project {
    my ($v) = (FaasTest::read_file(repo_root() . '/src/ngx_http_faas.h')
               // '') =~ /^#define NGX_HTTP_FAAS_VERSION\s+"([^"]*)"/m;
    return $v // '?';
}

# the master of the system nginx, by its pid file
sub system_nginx_pid {
    my $pid = FaasTest::read_file($PID_FILE) // return undef;
    ($pid) = $pid =~ /(\d+)/ or return undef;
    return alive($pid) && (readlink("/proc/$pid/exe") // '') eq $NGINX
        ? $pid : undef;
}

sub alive {
    my ($pid) = @_;
    return 0 unless kill 0, $pid;
    my $s = FaasTest::read_file("/proc/$pid/stat") // return 0;
    return $s !~ /^\d+ \(.*\) Z /s;
}

sub wait_gone {
    my ($pid, $secs) = @_;
    my $deadline = time + $secs;
    while (alive($pid)) {
        return 0 if time > $deadline;
        sleep 0.05;
    }
    return 1;
}
