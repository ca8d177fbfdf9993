#!/bin/sh
# A short scripted incident, recorded by samples/make-samples.sh into
# captures/workload.scap.gz. Each step is something the default rules look for
# (one alert per step, pinned in tests/spec/default-rules.test.yaml).
# Needs root, python3 and setpriv; touches nothing outside a temporary directory.
set -u
# The system's tools first: a pyenv or virtualenv shim for python3 would add
# processes of its own to the recording.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
tmp=$(mktemp -d /tmp/falco-scap-sample.XXXXXX)

# 1. Read the shadow password file.
cat /etc/shadow > /dev/null

# 2. A scripting interpreter spawns a shell that runs a command (what a web
#    shell or an exploited script does).
python3 -c 'import os; os.system("id > /dev/null")'

# 3. A TCP connection made by interpreter code fed on stdin (the shape of a
#    `curl ... | python3 -` reverse shell), to a listener on 127.0.0.1.
python3 - <<'PY'
import socket, threading
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
port = srv.getsockname()[1]
t = threading.Thread(target=lambda: srv.accept()[0].close()); t.start()
c = socket.create_connection(("127.0.0.1", port)); c.sendall(b"hello"); c.close(); t.join()
PY

# 4. A file written below a binary directory, inside a temporary root: the
#    writer chroots there first, so the host's own directories stay untouched.
mkdir -p "$tmp/root/usr/local/bin"
python3 -c 'import os, sys
os.chroot(sys.argv[1])
with open("/usr/local/bin/falco-scap-sample-dropper", "w") as f: f.write("#!/bin/sh\n")' "$tmp/root"

# 5. A program run from /tmp.
cp /bin/true "$tmp/payload"
"$tmp/payload"

# 6. A change of user id by a program that is not a login or sudo-like helper.
setpriv --reuid=65534 --regid=65534 --clear-groups /bin/true

rm -rf "$tmp"
