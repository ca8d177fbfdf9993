#!/bin/sh
# A short scripted incident, recorded by samples/make-samples.sh into
# captures/workload.scap.gz. Each step is something the default rules look for.
set -u
tmp=$(mktemp -d /tmp/falco-scap-sample.XXXXXX)

# 1. Read the shadow password file.
cat /etc/shadow > /dev/null

# 2. A shell that runs a command.
sh -c 'id > /dev/null'

# 3. A TCP connection to a local listener.
python3 - <<'PY'
import socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
t = threading.Thread(target=lambda: srv.accept()[0].close()); t.start()
c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"hello"); c.close(); t.join()
PY

# 4. A file written below a binary directory (removed again).
echo '#!/bin/sh' > /usr/local/bin/falco-scap-sample-dropper
rm -f /usr/local/bin/falco-scap-sample-dropper

# 5. A program run from /tmp.
cp /bin/true "$tmp/payload"
"$tmp/payload"

# 6. A change of user id.
setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true

rm -rf "$tmp"
