#!/usr/bin/env bash
# Validates nomaly.conf with `nginx -t`, as any user, writing nothing outside a temporary folder.
# A copy is tested with a throwaway self-signed certificate, 127.0.0.1 in place of the compose host
# `nomaly` (nginx refuses upstream names it cannot resolve) and ports 18080/18443 for 80/443 (nginx -t
# binds them, which needs root below 1024; a port already in use is fine). Warnings fail the check too.
# Prints one line on success; on failure, nginx's output and a non-zero status.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
nginx=${NGINX:-nginx}
command -v "$nginx" >/dev/null || { echo "check.sh: $nginx not found (install nginx or set NGINX)" >&2; exit 1; }
command -v openssl >/dev/null || { echo "check.sh: openssl not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$tmp/privkey.pem" -out "$tmp/fullchain.pem" >"$tmp/openssl.log" 2>&1; then
    cat "$tmp/openssl.log" >&2; exit 1
fi

sed -e "s#/etc/nginx/ssl/#$tmp/#g" \
    -e "s#/var/log/nginx/#$tmp/#g" \
    -e "s#server nomaly:8080#server 127.0.0.1:8080#" \
    -e "s#listen 80 #listen 18080 #" -e "s#listen 443 #listen 18443 #" \
    "$here/nomaly.conf" >"$tmp/nomaly.conf"
for rewritten in "server 127.0.0.1:8080" "listen 18080 " "listen 18443 "; do
    grep -q "$rewritten" "$tmp/nomaly.conf" || { echo "check.sh: nomaly.conf changed; cannot rewrite it into '$rewritten'" >&2; exit 1; }
done

# What the nginx image's own nginx.conf provides around conf.d, with every path inside $tmp.
mime=/etc/nginx/mime.types
cat >"$tmp/nginx.conf" <<EOF
pid $tmp/nginx.pid;
error_log $tmp/error.log;
events {}
http {
    $( [ -f "$mime" ] && echo "include $mime;" )
    default_type application/octet-stream;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    include $tmp/nomaly.conf;
}
EOF

status=0
"$nginx" -t -q -e "$tmp/error.log" -p "$tmp/" -c "$tmp/nginx.conf" >"$tmp/out.log" 2>&1 || status=$?
cat "$tmp/error.log" >>"$tmp/out.log" 2>/dev/null || true
if [ "$status" -ne 0 ] || grep -Eq '\[(warn|error|crit|alert|emerg)\]' "$tmp/out.log"; then
    echo "check.sh: nginx -t failed for $here/nomaly.conf:" >&2
    cat "$tmp/out.log" >&2
    exit 1
fi
echo "nomaly.conf: ok ($("$nginx" -v 2>&1 | sed 's#^nginx version: ##'))"
