# bench/lib.sh - what the bench/ scripts share: processes started and
# stopped by pid, ports, /proc figures, the head of nginx configurations.
# Sourced with $bench (the work directory) and $nginx (the binary) set;
# $root is the repository.

die() {
    echo "${0##*/}: $*" >&2
    exit 1
}

nginx_pidfiles=()   # one per nginx master started
standin_pid=""
wrk_pid=""
user=""
[ "$(id -u)" -ne 0 ] || user="user root;"

# bench_lock DIR: one run at a time in DIR
bench_lock() {
    exec 9>"$1/.lock"
    flock -n 9 || die "another run uses $1"
}

# alive PID: the process exists and is not a zombie
alive() {
    kill -0 "$1" 2>/dev/null &&
        ! grep -q '^State:.*zombie' "/proc/$1/status" 2>/dev/null
}

# stop_nginx PIDFILE: QUIT the master, wait up to 10 s, then KILL it and
# its workers (by pid)
stop_nginx() {
    local pidfile=$1 pid kids
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if ! kill -0 "$pid" 2>/dev/null ||
        ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
            grep -q 'nginx: master'; then
        return 0
    fi
    kids=$(pgrep -P "$pid" || true)
    kill -QUIT "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if alive "$pid"; then
        # shellcheck disable=SC2086
        kill -KILL "$pid" $kids 2>/dev/null || true
    fi
}

# bench_cleanup: the EXIT trap, stops everything started here
bench_cleanup() {
    local rc=$? f
    set +e
    trap - EXIT INT TERM
    if [ -n "$wrk_pid" ]; then
        kill "$wrk_pid" 2>/dev/null
        wait "$wrk_pid" 2>/dev/null
    fi
    for f in "${nginx_pidfiles[@]}"; do
        stop_nginx "$f"
    done
    if [ -n "$standin_pid" ]; then
        # it stops its connection children itself, within about 4 s
        kill -TERM "$standin_pid" 2>/dev/null
        for _ in $(seq 100); do
            alive "$standin_pid" || break
            sleep 0.1
        done
        alive "$standin_pid" && kill -KILL "$standin_pid" 2>/dev/null
        wait "$standin_pid" 2>/dev/null
    fi
    exit "$rc"
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.1 s
wait_for() {
    local tries=$(($1 * 10))
    shift
    while ! "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}

# true when something accepts connections on 127.0.0.1:$1
listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_ports N: N distinct ports in 20000-32767 (below Linux's ephemeral
# range, so outgoing connections do not take them) that can be bound now
free_ports() {
    perl -MIO::Socket::INET -e '
        my (%seen, @held);
        while (@held < $ARGV[0]) {
            my $p = 20000 + int rand 12768;
            next if $seen{$p}++;
            my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                LocalPort => $p, Listen => 1) or next;
            push @held, $s;
            print "$p\n";
        }' "$1"
}

# worker PID_OF_MASTER: the pid of the (only) worker, not the cache
# manager or loader
worker() {
    local kids
    kids=$(pgrep -P "$1" -f 'worker process' || true)
    [ -n "$kids" ] && [ "$(wc -w <<<"$kids")" -eq 1 ] ||
        die "master $1 has workers '${kids//$'\n'/ }', wanted exactly one"
    echo "$kids"
}

master() {
    cat "$bench/$1/logs/nginx.pid"
}

# stat_fields PID: the fields of /proc/PID/stat after the command name
# (which may hold blanks), field 3 first
stat_fields() {
    local stat
    stat=$(cat "/proc/$1/stat")
    echo "${stat##*) }"
}

# ticks PID: user + system CPU time of PID in clock ticks (fields 14, 15)
ticks() {
    # shellcheck disable=SC2046
    set -- $(stat_fields "$1")
    echo $((${12} + ${13}))
}

# minflt PID: page faults of PID that needed no disk (field 10), mostly a
# fresh page of memory touched for the first time
minflt() {
    # shellcheck disable=SC2046
    set -- $(stat_fields "$1")
    echo "$8"
}

rss_kb() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# start_nginx NAME: start the nginx of $bench/NAME/conf/nginx.conf, with
# ${heap_tunables} for glibc when set
start_nginx() {
    local name=$1 dir=$bench/$1
    nginx_pidfiles+=("$dir/logs/nginx.pid")
    # 9>&-: the daemon must not hold the lock of this run
    if ! env ${heap_tunables:+GLIBC_TUNABLES=$heap_tunables} \
        "$nginx" -p "$dir/" -c conf/nginx.conf -e logs/error.log \
        >"$dir/logs/start.log" 2>&1 9>&-; then
        cat "$dir/logs/start.log" >&2
        tail -n 20 "$dir/logs/error.log" >&2 || true
        die "nginx '$name' did not start ($dir/conf/nginx.conf)"
    fi
    wait_for 10 test -s "$dir/logs/nginx.pid" ||
        die "nginx '$name' wrote no pid file"
}

# start_standin AUTH_PORT GW_PORT: the authorization stand-in of t/lib
start_standin() {
    perl "$root/t/lib/standin.pl" --auth-port "$1" --gw-port "$2" \
        --cert "$bench/certs/server.crt" --key "$bench/certs/server.key" \
        --state "$bench/standin" --pidfile "$bench/standin/standin.pid" \
        </dev/null >"$bench/standin/standin.log" 2>&1 9>&- &
    standin_pid=$!
    wait_for 10 test -s "$bench/standin/standin.pid" || {
        cat "$bench/standin/standin.log" >&2
        die "the authorization stand-in did not start"
    }
}

# common head of the nginx configurations
conf_head() {
    cat <<EOF
$user
daemon on;
master_process on;
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log notice;

events {
    worker_connections 1024;
}
EOF
}

conf_temp_paths() {
    cat <<EOF
    client_body_temp_path tmp/client_body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
EOF
}
