#!/usr/bin/env bash
# Real mail servers for the email channel's integration tests, on 127.0.0.1 only:
# Dovecot (IMAP with IDLE, plain and implicit TLS) and aiosmtpd (SMTP, plain and with
# required STARTTLS) delivering into a Dovecot Maildir. TLS uses a test CA made here.
#
#   bash scripts/mail-servers.sh start     # install if missing, configure, start (idempotent)
#   bash scripts/mail-servers.sh restart   # restart Dovecot, keeping its mail (for tests)
#   bash scripts/mail-servers.sh stop      # stop both
#   bash scripts/mail-servers.sh env       # print the variables the tests read
#   eval "$(bash scripts/mail-servers.sh env)"
#
# Runs as root without systemd: the daemons are started directly. Everything lives under
# $GATEWAY_MAIL_DIR (default /tmp/gateway-mail-servers). Test users, plain-text passwords:
#   hotline / hotline-test   the county mailbox the gateway watches
#   citizen / citizen-test   where acknowledgements sent over SMTP are delivered
set -euo pipefail

BASE="${GATEWAY_MAIL_DIR:-/tmp/gateway-mail-servers}"
IMAP_PORT="${GATEWAY_IMAP_PORT:-10143}"
SMTP_PORT="${GATEWAY_SMTP_PORT:-10025}"
IMAPS_PORT="${GATEWAY_IMAPS_PORT:-10993}"
SMTP_STARTTLS_PORT="${GATEWAY_SMTP_STARTTLS_PORT:-10587}"
MAIL_USER=vmail

log() { echo "mail-servers: $*" >&2; }

install_packages() {
    if command -v dovecot >/dev/null && command -v openssl >/dev/null \
        && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
        return
    fi
    log "installing dovecot-imapd, python3-aiosmtpd and openssl"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # The package scripts try to start a system dovecot; with no init system they fail
    # harmlessly, and our private instance uses its own config and ports.
    apt-get install -y -qq dovecot-imapd python3-aiosmtpd openssl >/dev/null
}

ensure_user() {
    if ! id "$MAIL_USER" >/dev/null 2>&1; then
        useradd -r -M -s /usr/sbin/nologin "$MAIL_USER"
    fi
}

make_certificates() {
    # A test CA and a server certificate for 127.0.0.1 signed by it; made once.
    local dir="$BASE/tls"
    if [[ -f "$dir/server.pem" && -f "$dir/ca.pem" ]]; then
        return
    fi
    mkdir -p "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=gateway test CA" \
        -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
    printf '%s\n' "subjectAltName = IP:127.0.0.1, DNS:localhost" \
        "basicConstraints = CA:FALSE" "extendedKeyUsage = serverAuth" >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 3650 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
    chmod 0644 "$dir/server.key" "$dir/server.pem" "$dir/ca.pem"
}

write_config() {
    mkdir -p "$BASE/run" "$BASE/state" "$BASE/log" "$BASE/mail"
    local uid gid
    uid="$(id -u "$MAIL_USER")"
    gid="$(id -g "$MAIL_USER")"
    for user in hotline citizen; do
        mkdir -p "$BASE/mail/$user/Maildir/cur" "$BASE/mail/$user/Maildir/new" "$BASE/mail/$user/Maildir/tmp"
    done
    chown -R "$MAIL_USER:$MAIL_USER" "$BASE/mail"
    cat >"$BASE/users" <<USERS
hotline:{PLAIN}hotline-test
citizen:{PLAIN}citizen-test
USERS
    chmod 0644 "$BASE/users"
    cat >"$BASE/dovecot.conf" <<CONF
# Private Dovecot for tests: loopback only, plain-text test users; TLS on the imaps port
# with the test CA's certificate, none required on the imap port.
base_dir = $BASE/run
state_dir = $BASE/state
log_path = $BASE/log/dovecot.log
info_log_path = $BASE/log/dovecot-info.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$BASE/tls/server.pem
ssl_key = <$BASE/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$BASE/mail/%u/Maildir
first_valid_uid = $uid
first_valid_gid = $gid
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $BASE/users
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$BASE/mail/%u
}
namespace inbox {
  inbox = yes
  mailbox Processed {
    auto = subscribe
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
CONF
}

dovecot_running() {
    [[ -f "$BASE/run/master.pid" ]] && kill -0 "$(cat "$BASE/run/master.pid")" 2>/dev/null
}

smtp_running() {
    [[ -f "$BASE/smtp.pid" ]] && kill -0 "$(cat "$BASE/smtp.pid")" 2>/dev/null
}

wait_for_port() {
    local port="$1" name="$2"
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    log "$name did not open 127.0.0.1:$port; see $BASE/log"
    return 1
}

start_dovecot() {
    if dovecot_running; then
        return
    fi
    # dovecot daemonizes itself; its output goes to the log, never to a pipe.
    dovecot -c "$BASE/dovecot.conf" >>"$BASE/log/dovecot-start.log" 2>&1
    wait_for_port "$IMAP_PORT" dovecot
}

stop_dovecot() {
    if dovecot_running; then
        local pid
        pid="$(cat "$BASE/run/master.pid")"
        kill "$pid"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
}

start_smtp() {
    if smtp_running; then
        return
    fi
    # aiosmtpd's Mailbox handler writes every accepted message into the citizen's Maildir,
    # which Dovecot then serves over IMAP.
    runuser -u "$MAIL_USER" -- /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" \
        -c aiosmtpd.handlers.Mailbox "$BASE/mail/citizen/Maildir" \
        >>"$BASE/log/smtp.log" 2>&1 </dev/null &
    echo $! >"$BASE/smtp.pid"
    wait_for_port "$SMTP_PORT" aiosmtpd
    # The same, with STARTTLS offered and required.
    runuser -u "$MAIL_USER" -- /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_STARTTLS_PORT" \
        --tlscert "$BASE/tls/server.pem" --tlskey "$BASE/tls/server.key" \
        -c aiosmtpd.handlers.Mailbox "$BASE/mail/citizen/Maildir" \
        >>"$BASE/log/smtp-starttls.log" 2>&1 </dev/null &
    echo $! >"$BASE/smtp-starttls.pid"
    wait_for_port "$SMTP_STARTTLS_PORT" "aiosmtpd (starttls)"
}

stop_smtp() {
    local file pid
    for file in "$BASE/smtp.pid" "$BASE/smtp-starttls.pid"; do
        [[ -f "$file" ]] || continue
        pid="$(cat "$file")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 1 100); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
        fi
        rm -f "$file"
    done
}

print_env() {
    cat <<ENV
export GATEWAY_TEST_IMAP=127.0.0.1:$IMAP_PORT
export GATEWAY_TEST_SMTP=127.0.0.1:$SMTP_PORT
export GATEWAY_TEST_IMAPS=127.0.0.1:$IMAPS_PORT
export GATEWAY_TEST_SMTP_STARTTLS=127.0.0.1:$SMTP_STARTTLS_PORT
export GATEWAY_TEST_TLS_CA=$BASE/tls/ca.pem
export GATEWAY_TEST_IMAP_USER=hotline
export GATEWAY_TEST_IMAP_PASSWORD=hotline-test
export GATEWAY_TEST_CITIZEN_USER=citizen
export GATEWAY_TEST_CITIZEN_PASSWORD=citizen-test
export GATEWAY_MAIL_DIR=$BASE
ENV
}

case "${1:-start}" in
    start)
        install_packages
        ensure_user
        make_certificates
        write_config
        start_dovecot
        start_smtp
        log "imap on 127.0.0.1:$IMAP_PORT (tls $IMAPS_PORT), smtp on 127.0.0.1:$SMTP_PORT (starttls $SMTP_STARTTLS_PORT), files in $BASE"
        ;;
    restart)
        stop_dovecot
        start_dovecot
        log "dovecot restarted"
        ;;
    stop)
        stop_smtp
        stop_dovecot
        ;;
    env)
        print_env
        ;;
    status)
        dovecot_running && echo "dovecot running" || echo "dovecot stopped"
        smtp_running && echo "smtp running" || echo "smtp stopped"
        ;;
    *)
        echo "usage: $0 start|restart|stop|env|status" >&2
        exit 2
        ;;
esac
