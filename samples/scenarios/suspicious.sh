#!/bin/sh
# suspicious.sh - attack-like actions a syscall capture should reveal (harmless: everything is undone).
# Run as root under kite-record; each step is one thing a Falco rule looks for.
set -u
tmp=$(mktemp -d /tmp/kite-sample-XXXXXX)

# credentials read by a program that has no business reading them
cat /etc/shadow >/dev/null 2>&1

# a file written below /etc, then removed
echo "kite sample" >/etc/kite-sample-marker && rm -f /etc/kite-sample-marker

# a shell started by a process named like a web server
cp /bin/sh "$tmp/httpd"
"$tmp/httpd" -c 'sh -c "id >/dev/null"'

# a symlink pointing at a sensitive file
ln -s /etc/shadow "$tmp/not-a-shadow"

# fileless execution: a program run from a memfd
python3 - <<'PY'
import os, subprocess
fd = os.memfd_create("kite-fileless", 0)
os.write(fd, open("/bin/true", "rb").read())
subprocess.run([f"/proc/self/fd/{fd}"], pass_fds=(fd,), check=False)
PY

# a debugger attaching to another process
python3 - <<'PY'
import ctypes, os, signal, subprocess, time
libc = ctypes.CDLL(None, use_errno=True)
child = subprocess.Popen(["sleep", "5"])
time.sleep(0.1)
if libc.ptrace(16, child.pid, 0, 0) == 0:  # PTRACE_ATTACH
    os.waitpid(child.pid, 0)
    libc.ptrace(17, child.pid, 0, 0)        # PTRACE_DETACH
child.kill()
child.wait()
PY

# an outbound connection (to a listener on this host)
python3 - <<'PY'
import socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b"hello")
conn.recv(5)
for s in (conn, cli, srv):
    s.close()
PY

rm -rf "$tmp"
