#!/bin/sh
# sandbox.sh RESOLV_CONF CMD [ARGS...] - exec CMD in a private mount namespace in which
# /etc/resolv.conf is RESOLV_CONF (written here: "nameserver 127.0.0.1", where nothing answers).
# A DNS lookup a peer might make (Postfix's smtpd resolves the client's name) then fails at
# once and no packet leaves the machine. The PID stays the same (unshare and sh exec), so
# the caller's $! is still the peer's process.
resolv=$1; shift
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:1\n' > "$resolv"
exec unshare -m --propagation private /bin/sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$resolv" "$@"
