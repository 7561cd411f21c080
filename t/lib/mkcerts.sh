#!/bin/sh
# mkcerts.sh DIR - make the TLS material used by the tests and the demo.
#
#   ca.crt, ca.key            test CA (trusted by the tests)
#   server.crt, server.key    localhost cert signed by the test CA
#   other-ca.crt, other-ca.key  a second CA that nobody trusts
#   other.crt, other.key      localhost cert signed by the other CA
#   wrongname.crt, .key       signed by the test CA for wrong.example only
#
# server and other are for localhost, 127.0.0.1 (DNS and IP),
# functions.localhost, faas.test and *.faas.test.
#
# Idempotent: does nothing when DIR is complete, that is DIR/ca.crt
# exists and DIR/server.crt has the current names (faas.test).  An older
# DIR is made afresh, CAs included.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1

# complete: ca.crt (moved last) and a server.crt with today's names
complete() {
    [ -f "$dir/ca.crt" ] && [ -f "$dir/server.crt" ] &&
        openssl x509 -in "$dir/server.crt" -noout -text 2>/dev/null |
        grep -q 'DNS:\*\.faas\.test'
}

if complete; then
    exit 0
fi

mkdir -p "$dir"
chmod 0755 "$dir"

# Serialise concurrent runs (prove -j): the loser finds DIR complete and
# stops.
exec 9>"$dir/.lock"
flock 9
if complete; then
    exit 0
fi
# an older DIR: no longer complete while its files are replaced
rm -f "$dir/ca.crt"
tmp=$(mktemp -d "$dir/.mkcerts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

san="DNS:localhost, DNS:127.0.0.1, IP:127.0.0.1, DNS:functions.localhost"
san="$san, DNS:faas.test, DNS:*.faas.test"

cat > "$tmp/ext.cnf" <<EXT
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[wrong]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
EXT

# make_ca NAME SUBJECT
make_ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "$2" -keyout "$tmp/$1.key" -out "$tmp/$1.crt" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# make_leaf NAME CA [EXTENSIONS]
make_leaf() {
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -subj "/CN=localhost" -keyout "$tmp/$1.key" -out "$tmp/$1.csr" \
        2>/dev/null
    openssl x509 -req -in "$tmp/$1.csr" -sha256 -days 3650 \
        -CA "$tmp/$2.crt" -CAkey "$tmp/$2.key" -set_serial "0x$(
            openssl rand -hex 8)" \
        -extfile "$tmp/ext.cnf" -extensions "${3:-leaf}" -out "$tmp/$1.crt" \
        2>/dev/null
}

make_ca ca "/CN=FaaS Test CA"
make_leaf server ca
make_ca other-ca "/CN=FaaS Untrusted CA"
make_leaf other other-ca
make_leaf wrongname ca wrong

# ca.crt is moved last: its presence marks the directory as complete.
for f in wrongname other other-ca server ca; do
    chmod 0644 "$tmp/$f.crt" "$tmp/$f.key"
    mv "$tmp/$f.key" "$dir/$f.key"
    mv "$tmp/$f.crt" "$dir/$f.crt"
done
