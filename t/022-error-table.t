# The error codes live in one table, src/ngx_http_faas_error_table.c:
# README.md's "Errors" table lists the same codes with the same statuses
# and, where its "error log" column names a level, the table's level,
# the enum of src/ngx_http_faas.h names them in the table's order, and
# faas_status counts them in that order.  A code added to one and not to
# the other fails here.
use strict;
use warnings;

use lib 't/lib';
use FaasTest;

use File::Basename qw(dirname);

sub slurp {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!\n";
    local $/;
    return scalar <$fh>;
}

# nginx's NGX_HTTP_* statuses, from the tree the module was built with
sub nginx_statuses {
    my $h = 'src/http/ngx_http_request.h';
    my ($file) = grep { -f }
        (dirname(module_path()) . "/nginx/$h",
         ($ENV{NGINX_SRC} // '/usr/share/nginx/src') . "/$h");
    die "no nginx tree with $h\n" unless $file;
    my %s = slurp($file) =~ /^#define\s+(NGX_HTTP_\w+)\s+(\d{3})\b/mg;
    $s{NGX_HTTP_FAAS_ANY_4XX} = '4xx';
    $s{NGX_HTTP_FAAS_ANY_5XX} = '5xx';
    return \%s;
}

# the C table's rows, in order: [code, status, level] (level: "info",
# "warn", "error" ... of NGX_LOG_*, or "" for 0: the module writes none)
sub c_table {
    my $src = slurp(repo_root() . '/src/ngx_http_faas_error_table.c');
    my $statuses = nginx_statuses();
    my %level = (EMERG => 'emerg', ALERT => 'alert', CRIT => 'crit',
                 ERR => 'error', WARN => 'warn', NOTICE => 'notice',
                 INFO => 'info', DEBUG => 'debug');
    my @rows;
    while ($src =~ /\{\s*ngx_string\("(\w+)"\),\s*(NGX_HTTP_\w+)\s*,
                    \s*ngx_string\(.*?\),\s*(NGX_LOG_\w+|0)\s*,/gsx)
    {
        my ($code, $macro, $log) = ($1, $2, $3);
        my $lv = $log eq '0' ? ''
                 : $level{ $log =~ s/^NGX_LOG_//r } // "$log?";
        push @rows, [$code, $statuses->{$macro} // "$macro?", $lv];
    }
    return \@rows;
}

# README.md's rows of "## Errors": code => status ("(the gateway's)" rows
# name no code of the module's)
sub readme_table {
    my ($errors) = slurp(repo_root() . '/README.md')
        =~ /^## Errors\n(.*?)^## /ms;
    my %rows;
    for (split /\n/, $errors // '') {
        my ($status, $code) = /^\|\s*(\d\d\d|\dxx)\s*\|\s*`(\w+)`\s*\|/
            or next;
        push @{ $rows{$code} }, $status;
    }
    return \%rows;
}

# README.md's rows of "## Errors" with their "error log" column:
# [code, column], one for each row
sub readme_log_column {
    my ($errors) = slurp(repo_root() . '/README.md')
        =~ /^## Errors\n(.*?)^## /ms;
    my @rows;
    for (split /\n/, $errors // '') {
        my ($code, $log) = /^\|\s*(?:\d\d\d|\dxx)\s*\|\s*`(\w+)`\s*\|
                            .*\|\s*([^|]*?)\s*\|\s*$/x
            or next;
        push @rows, [$code, $log];
    }
    return \@rows;
}

# the level a column names: `warn`, or a column that is just "info"
sub level_named {
    my ($column) = @_;
    my $levels = qr/emerg|alert|crit|error|warn|notice|info|debug/;
    return $1 if $column =~ /`($levels)`/ || $column =~ /^($levels)$/;
    return undef;
}

default_http_config(demo_http_config());

plan tests => blocks();
run_tests();

__DATA__

=== TEST 1: README.md's error table lists the C table's codes, with its statuses
--- check_eval
my $c = main::c_table();
my $readme = main::readme_table();
cmp_ok(scalar @$c, '>=', 25, 'the C table read: ' . scalar(@$c) . ' codes');
my %c = map { $_->[0] => $_->[1] } @$c;
for my $code (map { $_->[0] } @$c) {
    my $st = $readme->{$code};
    ok($st, "README.md lists $code") or next;
    is_deeply([sort keys %{{ map { $_ => 1 } @$st }}], [$c{$code}],
              "$code: status $c{$code} in both");
}
for my $code (sort keys %$readme) {
    ok(exists $c{$code}, "README.md's $code is in the C table");
}

=== TEST 2: the enum names the table's codes in the table's order
--- check_eval
my $h = main::slurp(repo_root() . '/src/ngx_http_faas.h');
my ($body) = $h =~ /typedef enum \{\n(.*?)\} ngx_http_faas_err_e;/s;
my @enum = ($body // '') =~ /^\s*NGX_HTTP_FAAS_ERR_(\w+)/mg;
is(shift @enum, 'NONE', 'NGX_HTTP_FAAS_ERR_NONE first: no error');
is_deeply(\@enum, [map { uc $_->[0] } @{ main::c_table() }],
          'NGX_HTTP_FAAS_ERR_<CODE> for each code, in order');

=== TEST 3: faas_status counts the codes by the table, in its order
--- config
location /hello { faas_invoke $arg_id; }
location /gone { return 404; faas_invoke $arg_id; }
location /deny { deny all; faas_invoke $arg_id; }
location = /status { faas_status; }
--- request
GET /deny?id=z
--- error_code: 403
--- response_body_json
{"error":"client_error","message":"the request could not be answered"}
--- check_eval
my @sent = (['/gone?id=x', 404, 'not_found'],
            ['/hello?id=x', 400, 'invalid_lambda'],
            ['/hello?id=y', 400, 'invalid_lambda']);
for (@sent) {
    my ($s, $h, $b) = http_request('GET', $_->[0]);
    is($s, $_->[1], "$_->[0]: $_->[1]");
    like($b, qr/^\{"error":"$_->[2]"/, "$_->[0]: $_->[2]");
}
my ($s, $h, $b) = http_request('GET', '/status');
is($s, 200, 'status');
my %n = (client_error => 1, not_found => 1, invalid_lambda => 2);
my @want = grep { $n{$_} } map { $_->[0] } @{ main::c_table() };
my @got = $b =~ /"errors":\{([^}]*)\}/g;
my @keys = map { /"(\w+)":\d+/g } @got;
is_deeply(\@keys, \@want, 'the codes counted, in the order of the table');
like("@got", qr/"invalid_lambda":2\b/, 'invalid_lambda counted twice');

=== TEST 4: README.md's "error log" column names the C table's level
--- check_eval
my %c = map { $_->[0] => $_->[2] } @{ main::c_table() };
my @rows = @{ main::readme_log_column() };
cmp_ok(scalar @rows, '>=', 25, 'README.md rows read: ' . scalar(@rows));
my $named = 0;
for (@rows) {
    my ($code, $column) = @$_;
    next unless exists $c{$code};
    my $level = main::level_named($column);
    if (defined $level) {
        $named++;
        is($c{$code}, $level, "$code: README's \"$column\": $level");
    } elsif ($column eq "\xe2\x80\x94") {
        # an em dash: no line at all
        is($c{$code}, '', "$code: README's dash: no line of the module");
    }
}
cmp_ok($named, '>=', 10, "README.md names a level for $named rows");
