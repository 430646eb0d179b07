#!/bin/sh
# benign.sh - an ordinary developer / CI workload that no rule should flag: compile and run a
# small C program, shuffle files in a temporary directory, run shell pipelines, make a git
# commit, and talk to a TCP listener on 127.0.0.1. Run under kite-record:
#   kite-record --no-env --follow -w benign.kcap -- sh samples/scenarios/benign.sh
# Everything happens in a mktemp directory that is removed at the end.
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
tmp=$(mktemp -d /tmp/kite-benign-XXXXXX)
trap 'cd / && rm -rf "$tmp"' EXIT
cd "$tmp"

# build and run a program
cat >hello.c <<'C'
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argv;
	printf("hello from kite, %d argument(s)\n", argc - 1);
	return 0;
}
C
cc -O2 -Wall -o hello hello.c
./hello one two >hello.out

# files: write, read, rename, delete
mkdir -p data/sub
for i in 1 2 3 4; do
	echo "line $i of file $i" >"data/f$i.txt"
done
cat data/*.txt | sort -r | uniq | wc -l >count.txt
mv data/f1.txt data/sub/first.txt
cp data/f2.txt data/f2.bak
rm data/f2.txt
sed 's/line/row/' data/f3.txt >data/f3.sed
grep -c row data/f3.sed >/dev/null
ls -l data | awk '{ print $NF }' | head -n 3 >/dev/null
find data -name '*.txt' -exec wc -c {} + >/dev/null
tar -cf data.tar data
tar -tf data.tar >/dev/null
chmod 0755 hello
ln -s hello.out latest.out

# version control
git init -q repo
cd repo
echo "kite benign sample" >README
git add README
git -c user.name=kite -c user.email=kite@example.invalid commit -q -m "first commit"
git log --oneline >/dev/null
cd ..

# a client and a server on the loopback interface
python3 - <<'PY'
import socket
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
cli = socket.create_connection(srv.getsockname())
conn, _ = srv.accept()
cli.sendall(b"ping")
assert conn.recv(4) == b"ping"
conn.sendall(b"pong")
assert cli.recv(4) == b"pong"
for s in (conn, cli, srv):
    s.close()
PY
