# The module's version: one place in the source (NGX_HTTP_FAAS_VERSION),
# the same in CHANGES and debian/changelog, shown by faas_status and in
# one notice line when the configuration loads.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

sub slurp {
    my ($file) = @_;
    open my $fh, '<', repo_root() . "/$file" or die "$file: $!\n";
    local $/;
    return scalar <$fh>;
}

my ($VERSION) = slurp('src/ngx_http_faas.h')
    =~ /^#define NGX_HTTP_FAAS_VERSION\s+"([^"]*)"/m;
$ENV{TEST_NGINX_VERSION} = $VERSION // 'none';

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: one version: semantic, at the top of CHANGES and debian/changelog
--- check_eval
my $v = $ENV{TEST_NGINX_VERSION};
like($v, qr/^0\.\d+\.\d+$/, "NGX_HTTP_FAAS_VERSION $v: semantic, 0.x");
my ($changes) = main::slurp('CHANGES')
    =~ /^Changes with ngx_http_faas_module (\S+) +\d\d \w{3} \d{4}$/m;
is($changes, $v, 'the newest entry of CHANGES');
my ($deb) = main::slurp('debian/changelog')
    =~ /\Alibnginx-mod-http-faas \(([^)-]+)-\d+\)/;
is($deb, $v, 'the newest entry of debian/changelog (upstream part)');

=== TEST 2: faas_status shows the version (JSON and Prometheus)
--- config
location = /status { faas_status; }
--- request
GET /status
--- response_body_like
^\{"version":"$TEST_NGINX_VERSION","time":\d+,
--- check_eval
my ($s, $h, $b) = http_request('GET', '/status?format=prometheus');
is($s, 200, 'Prometheus');
like($b, qr/^# TYPE faas_info gauge\nfaas_info\{version="\Q$ENV{TEST_NGINX_VERSION}\E"\} 1$/m,
     'faas_info{version=...} 1');

=== TEST 3: one notice line with the version when the configuration loads
--- config
location /hello { faas_invoke 11111111-1111-4111-8111-111111111111; }
--- check_eval
clear_error_log();
ok(reload_nginx(), 'reloaded');
my @l = grep { /\[notice\] .*faas: ngx_http_faas_module / }
    split /\n/, error_log_text();
is(scalar @l, 1, 'one line') or diag(join "\n", @l);
like($l[0] // '', qr/faas: ngx_http_faas_module \Q$ENV{TEST_NGINX_VERSION}\E \(built for nginx \d+\.\d+\.\d+, cJSON \d+\.\d+\.\d+\)$/,
     'the version, the nginx it was built for, the cJSON in use');

=== TEST 4: no line where the module is loaded but not configured
--- http_config
--- config
location / { return 200; }
--- check_eval
clear_error_log();
ok(reload_nginx(), 'reloaded');
unlike(error_log_text(), qr/ngx_http_faas_module /, 'no version line');
