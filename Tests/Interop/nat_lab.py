#!/usr/bin/env python3
"""A small internet with NATs and firewalls, for tests and benchmarks: two LAN hosts, each behind
its own router, and a "public" namespace for servers (coturn, started here, and whatever the test
runs there, e.g. `termcall serve`). Five fresh network namespaces, each held open by a child of
this process, joined by veth pairs; nothing is added to the namespace this script runs in, so it
also works when the whole test suite runs inside `unshare --net`.

    lanA 10.0.1.2 --- 10.0.1.1 routerA 198.51.100.2 ---  198.51.100.1  pub  203.0.113.1  --- 203.0.113.2 routerB 10.0.2.1 --- 10.0.2.2 lanB
                        (nftables, --a MODE)              coturn, servers                     (nftables, --b MODE)

    nat_lab.py --a MODE --b MODE [--turn-secret S] [--turn-verbose]
    nat_lab.py --selftest

  --turn-secret   coturn's static-auth-secret (default termcall-lab-secret)
  --turn-verbose  coturn logs every session (turn_log); off by default

Router modes (nftables table "natlab" in the router's namespace):
  cone         masquerade on the WAN interface: keeps the LAN port, the same mapping for every
               destination; inbound `ct state new` from the WAN dropped (a home router). Linux
               conntrack filters by remote address and port, so a direct path needs both sides to
               send to each other (hole punching, as ICE checks do).
  symmetric    `masquerade fully-random`: a new random port per flow (per destination); inbound new dropped.
  udp-blocked  cone, and the forward chain drops all UDP both ways (office firewall, TCP only).
  tls-only     cone, and only TCP to port 443 may leave the LAN (plus its replies); all else dropped.
  open         plain routing, no NAT, no filter: pub gets routes to 10.0.1.0/24 / 10.0.2.0/24
               through the router, so the LAN address is a public one.

coturn listens on 198.51.100.1: UDP+TCP 3478, TLS on TCP 443 (certificate for turn.termcall.test,
signal.termcall.test and IPs 198.51.100.1 and 198.51.100.3 from a throw-away CA, `ca_file`), plus a
plain STUN/TURN auxiliary listener on UDP+TCP 3479 (two server ports tell a cone mapping from a
symmetric one). pub has a second address, 198.51.100.3 ("signal_address"), free for a signalling
server of the test's own, e.g. `termcall serve --host 198.51.100.3 --port 443 --tls-cert CERT
--tls-key KEY` reachable through a tls-only router (coturn has 443 on the first address).
Credentials are TURN REST ones: realm termcall.test, username "EXPIRY:NAME", password
base64(HMAC-SHA1(secret, username)); relay addresses 198.51.100.1:49160-49300.

Prints one line {"event":"ready", "a": "/proc/P/ns/net", "b", "pub", "router_a", "router_b" (namespace
paths), "a_address": "10.0.1.2", "b_address": "10.0.2.2", "server_address": "198.51.100.1",
"a_wan": "198.51.100.2", "b_wan": "203.0.113.2", "signal_address": "198.51.100.3", "a_mode", "b_mode", "ca_file", "cert_file",
"key_file" (the server certificate and key, usable for a TLS signalling server too), "hosts_file",
"turn_secret", "realm", "stun_ports": [3478, 3479], "turn_urls", "turn_pid", "turn_log", "dir",
"run": {"a": [...], "b": [...], "pub": [...], "router_a": [...], "router_b": [...]}}.
A "run" prefix, prepended to any command, runs it in that namespace with the lab's hosts file
bind-mounted over /etc/hosts in a private mount namespace (turn.termcall.test resolves to
198.51.100.1 there, signal.termcall.test to 198.51.100.3, each also spelled with a trailing dot, as
Chromium asks for TURN server names; the real /etc/hosts is untouched):

    ["nsenter", "--net=/proc/P/ns/net", "--", "unshare", "--mount", "--", "sh", "-c",
     "mount --bind HOSTS /etc/hosts && exec \"$0\" \"$@\""] + ["termcall", "call", ...]

On failure it prints {"event":"error","message":...} and exits 1.
Reads JSON lines:
  {"cmd":"stats"}            -> {"event":"stats","router_a":{"mode", "inbound_new": {"packets","bytes"},
                                "blocked": {...}, "conntrack": N}, "router_b": {...}}
                                (inbound_new: unsolicited inbound drops; blocked: firewall drops;
                                counters restart at 0 when a router's rules are reloaded)
  {"cmd":"set","side":"a","mode":"udp-blocked"} -> reloads that router's rules atomically,
                                {"event":"set","side":"a","mode":...}. Existing conntrack entries
                                stay (as on a real router): established flows keep their mapping,
                                but the udp-blocked / tls-only drops apply to them too.
  {"cmd":"credentials","name":"alice","ttl":3600} -> {"event":"credentials","username","password"}
  {"cmd":"close"}, end of input, SIGTERM/SIGINT/SIGHUP -> stops coturn, kills every process still
                                inside the lab's namespaces, lets the namespaces go, deletes the
                                temp dir, prints {"event":"closed"}, exits 0.
  --selftest                 builds labs (cone/cone, symmetric/cone, udp-blocked/cone,
                             tls-only/cone) through this same interface, checks them with STUN,
                             UDP/TCP/TLS probes run inside the namespaces and coturn's
                             turnutils_uclient, prints one JSON line per check, exits 1 if any failed.
Needs root, nftables (`apt-get install -y nftables`), iproute2, util-linux, openssl and coturn."""
import base64
import ctypes
import hashlib
import hmac
import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
libc = ctypes.CDLL("libc.so.6", use_errno=True)

MODES = ("cone", "symmetric", "udp-blocked", "tls-only", "open")
SERVER = "198.51.100.1"
SIGNAL = "198.51.100.3"  # a second address of pub, for a signalling server on 443 (coturn has SERVER:443)
REALM = "termcall.test"
NAMES = ("turn.termcall.test", "signal.termcall.test")
TURN_PORT, AUX_PORT, TLS_PORT = 3478, 3479, 443
RELAY_PORTS = (49160, 49300)
DEFAULT_SECRET = "termcall-lab-secret"
# Per side: the pub end of the WAN link, the router's WAN and LAN addresses, the LAN host.
SIDES = {
    "a": {"pub_if": "toA", "gw": "198.51.100.1", "wan": "198.51.100.2", "lan_net": "10.0.1.0/24",
          "router": "10.0.1.1", "host": "10.0.1.2"},
    "b": {"pub_if": "toB", "gw": "203.0.113.1", "wan": "203.0.113.2", "lan_net": "10.0.2.0/24",
          "router": "10.0.2.1", "host": "10.0.2.2"},
}
NAMESPACES = ("pub", "router_a", "lan_a", "router_b", "lan_b")


def emit(obj):
    try:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the driver went away; teardown still runs
        pass


def die_with_parent():
    """preexec_fn: SIGKILL this child when the lab dies, even by SIGKILL (survives exec)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def holder_child():
    """preexec_fn of a namespace holder: a new network namespace, before `sleep` is exec'd, so
    the namespace exists as soon as Popen returns (no polling of /proc/PID/ns/net)."""
    die_with_parent()
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")


def ruleset(mode):
    """The router's nftables table for a mode. Named counters: inbound_new (unsolicited inbound
    packets dropped) and blocked (firewall drops). Interfaces: "wan" and "lan"."""
    nat = {"cone": "masquerade", "symmetric": "masquerade fully-random",
           "udp-blocked": "masquerade", "tls-only": "masquerade"}.get(mode)
    forward = []
    lines = ["table ip natlab {", "  counter inbound_new { }", "  counter blocked { }"]
    if nat:
        lines += ["  chain postrouting {",
                  "    type nat hook postrouting priority srcnat; policy accept;",
                  f'    oifname "wan" {nat}',
                  "  }",
                  # A packet to an unmapped port of the WAN address is for the router itself.
                  "  chain input {",
                  "    type filter hook input priority filter; policy accept;",
                  '    iifname "wan" ct state new counter name "inbound_new" drop',
                  "  }"]
        forward.append('iifname "wan" ct state new counter name "inbound_new" drop')
    if mode == "udp-blocked":
        # Before any "established" accept: switching to this mode also cuts running UDP flows.
        forward.append('meta l4proto udp counter name "blocked" drop')
    elif mode == "tls-only":
        forward += ['iifname "lan" tcp dport 443 accept',
                    'iifname "wan" tcp sport 443 ct state established,related accept',
                    'counter name "blocked" drop']
    # "fwd" is an nft keyword, so the chain is called "forward".
    lines += ["  chain forward {", "    type filter hook forward priority filter; policy accept;"]
    lines += ["    " + rule for rule in forward] + ["  }", "}"]
    # Declaring then deleting the table makes the reload one atomic transaction, first time or not.
    return "table ip natlab { }\ndelete table ip natlab\n" + "\n".join(lines) + "\n"


def rest_credentials(secret, name="termcall", ttl=3600):
    username = f"{int(time.time()) + int(ttl)}:{name}"
    password = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    return username, password


class Lab:
    def __init__(self, a_mode, b_mode, secret, turn_verbose=False):
        self.modes = {"a": a_mode, "b": b_mode}
        self.secret = secret
        self.turn_verbose = turn_verbose
        self.holders = {}  # namespace name -> Popen of its `sleep infinity`
        self.ns = {}  # namespace name -> /proc/PID/ns/net
        self.ns_ids = set()  # "net:[inode]" of ours, to find stray processes at teardown
        self.turn = None
        self.dir = None
        self.closed = False

    # --- plumbing -------------------------------------------------------------------------------
    def sh(self, name, argv, input=None, check=True):
        """Run argv in namespace `name` (network only; mounts are ours)."""
        r = subprocess.run(["nsenter", f"--net={self.ns[name]}", "--"] + argv, input=input,
                           stdin=None if input is not None else subprocess.DEVNULL,
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"{name}: {' '.join(argv)}: {(r.stderr or r.stdout).strip()}")
        return r

    def ip(self, name, *args):
        self.sh(name, ["ip"] + list(args))

    def run_prefix(self, name):
        # unshare --mount makes the new mount namespace's propagation private (util-linux
        # default), so the bind mount is seen by this command and its children only.
        hosts = shlex.quote(os.path.join(self.dir, "hosts"))
        return ["nsenter", f"--net={self.ns[name]}", "--", "unshare", "--mount", "--", "sh", "-c",
                f'mount --bind {hosts} /etc/hosts && exec "$0" "$@"']

    # --- building -------------------------------------------------------------------------------
    def start(self):
        self.dir = tempfile.mkdtemp(prefix="nat-lab-")
        home = os.readlink("/proc/self/ns/net")
        for name in NAMESPACES:
            h = subprocess.Popen(["sleep", "infinity"], preexec_fn=holder_child, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.holders[name] = h
            self.ns[name] = f"/proc/{h.pid}/ns/net"
            ident = os.readlink(self.ns[name])
            if ident == home:
                raise RuntimeError("holder did not get a new network namespace")
            self.ns_ids.add(ident)
        for name in NAMESPACES:
            self.ip(name, "link", "set", "lo", "up")
        for side, s in SIDES.items():
            router, lan = f"router_{side}", f"lan_{side}"
            # Both veth ends are made inside the lab (never in our own namespace): the peer end
            # goes straight into the other namespace, named by its holder's PID.
            self.ip("pub", "link", "add", s["pub_if"], "type", "veth", "peer", "name", "wan",
                    "netns", str(self.holders[router].pid))
            self.ip(router, "link", "add", "lan", "type", "veth", "peer", "name", "eth0",
                    "netns", str(self.holders[lan].pid))
            self.ip("pub", "addr", "add", s["gw"] + "/24", "dev", s["pub_if"])
            if side == "a":  # on the same /24 as SERVER: router A reaches it on-link, router B via pub
                self.ip("pub", "addr", "add", SIGNAL + "/24", "dev", s["pub_if"])
            self.ip("pub", "link", "set", s["pub_if"], "up")
            self.ip(router, "addr", "add", s["wan"] + "/24", "dev", "wan")
            self.ip(router, "addr", "add", s["router"] + "/24", "dev", "lan")
            self.ip(router, "link", "set", "wan", "up")
            self.ip(router, "link", "set", "lan", "up")
            self.ip(router, "route", "add", "default", "via", s["gw"])
            self.ip(lan, "addr", "add", s["host"] + "/24", "dev", "eth0")
            self.ip(lan, "link", "set", "eth0", "up")
            self.ip(lan, "route", "add", "default", "via", s["router"])
        # The internet has a default route: a packet for an address nobody routes (a peer's private
        # host candidate) is lost on the way, it does not fail in sendto. Without one, coturn's
        # relay to such a peer gets ENETUNREACH (EINVAL with a blackhole route) and coturn ends the
        # whole allocation. So pub's default route points at a gateway that never answers: a
        # permanent neighbour entry with a MAC nobody has, whose frames router A's end ignores.
        a_if = SIDES["a"]["pub_if"]
        self.ip("pub", "neigh", "add", "198.51.100.254", "lladdr", "02:00:00:00:00:fe", "dev", a_if, "nud", "permanent")
        self.ip("pub", "route", "add", "default", "via", "198.51.100.254", "dev", a_if)
        for name in ("pub", "router_a", "router_b"):
            self.sh(name, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        for side in SIDES:
            self.apply_mode(side)
        self.write_files()
        self.start_turn()

    def apply_mode(self, side):
        mode = self.modes[side]
        self.sh(f"router_{side}", ["nft", "-f", "-"], input=ruleset(mode))
        s = SIDES[side]
        if mode == "open":
            self.ip("pub", "route", "replace", s["lan_net"], "via", s["wan"])
        else:
            self.sh("pub", ["ip", "route", "del", s["lan_net"]], check=False)

    def write_files(self):
        d = self.dir
        with open(os.path.join(d, "hosts"), "w") as f:
            f.write("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
            # Also the fully qualified spelling: glibc's files lookup does not drop a trailing dot,
            # and Chromium resolves TURN server names as "turn.termcall.test.".
            f.write(f"{SERVER}\t{NAMES[0]} {NAMES[0]}.\n{SIGNAL}\t{NAMES[1]} {NAMES[1]}.\n")
        os.chmod(os.path.join(d, "hosts"), 0o644)
        # A throw-away CA and a server certificate signed by it (P-256, 30 days).
        with open(os.path.join(d, "server.ext"), "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    f"subjectAltName={','.join('DNS:' + n for n in NAMES)},IP:{SERVER},IP:{SIGNAL}\n")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        steps = [
            ["openssl", "req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
             "-subj", "/CN=termcall NAT lab CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["openssl", "req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={NAMES[0]}"],
            ["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "30",
             "-extfile", "server.ext", "-out", "server.pem"],
        ]
        for argv in steps:
            r = subprocess.run(argv, cwd=d, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            if r.returncode != 0:
                raise RuntimeError(f"{' '.join(argv[:3])}: {r.stderr.strip()}")
        conf = f"""# coturn for the NAT lab: everything explicit, nothing outside {d}.
listening-ip={SERVER}
relay-ip={SERVER}
listening-port={TURN_PORT}
tls-listening-port={TLS_PORT}
aux-server={SERVER}:{AUX_PORT}
min-port={RELAY_PORTS[0]}
max-port={RELAY_PORTS[1]}
realm={REALM}
use-auth-secret
static-auth-secret={self.secret}
fingerprint
cert={d}/server.pem
pkey={d}/server.key
no-dtls
no-cli
no-multicast-peers
allow-loopback-peers
userdb={d}/turndb
pidfile={d}/turnserver.pid
log-file=stdout
simple-log
"""
        if self.turn_verbose:
            conf += "verbose\n"  # one log line per session event
        with open(os.path.join(d, "turnserver.conf"), "w") as f:
            f.write(conf)

    def listening(self):
        """UDP and TCP sockets listening in pub, as "proto addr:port" strings."""
        out = set()
        for proto, flag in (("udp", "-Hlnu"), ("tcp", "-Hlnt")):
            for line in self.sh("pub", ["ss", flag]).stdout.splitlines():
                fields = line.split()
                if len(fields) >= 4:
                    out.add(f"{proto} {fields[3]}")
        return out

    def start_turn(self):
        if shutil.which("turnserver") is None:
            raise RuntimeError("turnserver not installed (apt-get install -y coturn)")
        log = open(os.path.join(self.dir, "turnserver.log"), "w")
        # stdbuf: coturn's stdout log is block-buffered otherwise. nsenter and stdbuf both exec,
        # so turnserver itself is our child and inherits the parent-death signal.
        self.turn = subprocess.Popen(
            ["nsenter", f"--net={self.ns['pub']}", "--", "stdbuf", "-oL", "turnserver", "-c",
             os.path.join(self.dir, "turnserver.conf")],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
            cwd=self.dir)
        log.close()
        want = {f"udp {SERVER}:{TURN_PORT}", f"tcp {SERVER}:{TURN_PORT}", f"tcp {SERVER}:{TLS_PORT}",
                f"udp {SERVER}:{AUX_PORT}", f"tcp {SERVER}:{AUX_PORT}"}
        deadline = time.monotonic() + 15
        while True:
            if self.turn.poll() is not None:
                raise RuntimeError(f"turnserver exited ({self.turn.returncode}): {self.log_tail()}")
            missing = want - self.listening()
            if not missing:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"turnserver not listening on {sorted(missing)}: {self.log_tail()}")
            time.sleep(0.05)

    def log_tail(self, n=15):
        try:
            with open(os.path.join(self.dir, "turnserver.log"), errors="replace") as f:
                return " | ".join(f.read().splitlines()[-n:])
        except OSError:
            return ""

    def ready(self):
        return {
            "event": "ready", "a": self.ns["lan_a"], "b": self.ns["lan_b"], "pub": self.ns["pub"],
            "router_a": self.ns["router_a"], "router_b": self.ns["router_b"],
            "a_address": SIDES["a"]["host"], "b_address": SIDES["b"]["host"], "server_address": SERVER,
            "a_wan": SIDES["a"]["wan"], "b_wan": SIDES["b"]["wan"], "signal_address": SIGNAL,
            "a_mode": self.modes["a"], "b_mode": self.modes["b"],
            "ca_file": os.path.join(self.dir, "ca.pem"), "cert_file": os.path.join(self.dir, "server.pem"),
            "key_file": os.path.join(self.dir, "server.key"), "hosts_file": os.path.join(self.dir, "hosts"),
            "turn_secret": self.secret, "realm": REALM, "stun_ports": [TURN_PORT, AUX_PORT],
            "turn_urls": [f"turn:{SERVER}:{TURN_PORT}?transport=udp", f"turn:{SERVER}:{TURN_PORT}?transport=tcp",
                          f"turns:{NAMES[0]}:{TLS_PORT}?transport=tcp"],
            "turn_pid": self.turn.pid, "turn_log": os.path.join(self.dir, "turnserver.log"), "dir": self.dir,
            "run": {"a": self.run_prefix("lan_a"), "b": self.run_prefix("lan_b"), "pub": self.run_prefix("pub"),
                    "router_a": self.run_prefix("router_a"), "router_b": self.run_prefix("router_b")},
        }

    # --- commands -------------------------------------------------------------------------------
    def stats(self):
        out = {"event": "stats"}
        for side in SIDES:
            name = f"router_{side}"
            entry = {"mode": self.modes[side]}
            listing = json.loads(self.sh(name, ["nft", "-j", "list", "counters", "table", "ip", "natlab"]).stdout)
            for item in listing.get("nftables", []):
                c = item.get("counter")
                if c:
                    entry[c["name"]] = {"packets": c["packets"], "bytes": c["bytes"]}
            # /proc/sys/net shows the namespace of whoever opens it.
            r = self.sh(name, ["cat", "/proc/sys/net/netfilter/nf_conntrack_count"], check=False)
            entry["conntrack"] = int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else None
            out[name] = entry
        return out

    def handle(self, command):
        """One stdin command; returns False when the lab should close."""
        cmd = command.get("cmd")
        if cmd == "close":
            return False
        if cmd == "stats":
            emit(self.stats())
        elif cmd == "set":
            side, mode = command.get("side"), command.get("mode")
            if side not in SIDES or mode not in MODES:
                emit({"event": "error", "message": f"set: side must be a|b and mode one of {', '.join(MODES)}"})
            else:
                self.modes[side] = mode
                self.apply_mode(side)
                emit({"event": "set", "side": side, "mode": mode})
        elif cmd == "credentials":
            username, password = rest_credentials(self.secret, command.get("name", "termcall"), command.get("ttl", 3600))
            emit({"event": "credentials", "username": username, "password": password})
        else:
            emit({"event": "error", "message": f"unknown command {cmd!r}"})
        return True

    # --- teardown -------------------------------------------------------------------------------
    def processes_inside(self):
        """PIDs (other than the holders) whose network namespace is one of ours."""
        holders = {h.pid for h in self.holders.values()}
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) in holders or int(entry) == os.getpid():
                continue
            try:
                if os.readlink(f"/proc/{entry}/ns/net") in self.ns_ids:
                    pids.append(int(entry))
            except OSError:
                pass
        return pids

    def close(self):
        if self.closed:
            return
        self.closed = True
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # no second exit half-way through the teardown
        if self.turn is not None and self.turn.poll() is None:
            self.turn.terminate()
            try:
                self.turn.wait(3)
            except subprocess.TimeoutExpired:
                self.turn.kill()
                self.turn.wait()
        # Whatever the test left running in our namespaces (servers in pub, clients in the LANs):
        # TERM, then KILL after 2 s. Otherwise they would keep the namespaces alive.
        if self.ns_ids:
            strays = self.processes_inside()
            for sig, wait in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 1.0)):
                for pid in strays:
                    try:
                        os.kill(pid, sig)
                    except ProcessLookupError:
                        pass
                deadline = time.monotonic() + wait
                while time.monotonic() < deadline:
                    strays = self.processes_inside()
                    if not strays:
                        break
                    time.sleep(0.05)
                if not strays:
                    break
        # The last process of a namespace gone, the kernel removes it with its veths and rules.
        for h in self.holders.values():
            h.kill()
            h.wait()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def serve(a_mode, b_mode, secret, turn_verbose):
    lab = Lab(a_mode, b_mode, secret, turn_verbose)

    def stop(*_):
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, stop)
    try:
        try:
            lab.start()
        except Exception as error:
            lab.close()
            emit({"event": "error", "message": str(error)})
            os._exit(1)  # torn down already; no "closed" line after the error
        emit(lab.ready())
        buffer = b""
        while True:
            ready, _, _ = select.select([0], [], [], 1.0)
            if lab.turn.poll() is not None and not getattr(lab, "turn_reported", False):
                lab.turn_reported = True
                emit({"event": "error", "message": f"turnserver exited: {lab.log_tail()}"})
            if not ready:
                continue
            chunk = os.read(0, 65536)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if not line.strip():
                    continue
                try:
                    command = json.loads(line)
                    if not lab.handle(command):
                        return
                except Exception as error:  # a bad line or a failed reload: report, keep going
                    emit({"event": "error", "message": f"{type(error).__name__}: {error}"})
    finally:
        lab.close()
        emit({"event": "closed"})


# ================================================================================================
# Self-test: labs built through the JSON interface above, probed from inside the namespaces.
# ================================================================================================

# A probe run inside a namespace through a "run" prefix: JSON commands in, one JSON result out each.
AGENT = r'''
import json, os, socket, ssl, struct, sys, time
udp = None
def stun(server, timeout):
    tid = os.urandom(12)
    request = struct.pack("!HHI", 1, 0, 0x2112A442) + tid
    deadline = time.monotonic() + timeout
    udp.sendto(request, tuple(server))
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return {"error": "timeout"}
        udp.settimeout(min(left, 0.3))
        try:
            data, _ = udp.recvfrom(2048)
        except socket.timeout:
            udp.sendto(request, tuple(server))  # retransmit
            continue
        if len(data) < 20 or data[8:20] != tid:
            continue
        pos = 20
        while pos + 4 <= len(data):
            kind, length = struct.unpack("!HH", data[pos:pos + 4])
            value = data[pos + 4:pos + 4 + length]
            if kind == 0x0020:  # XOR-MAPPED-ADDRESS
                port = struct.unpack("!H", value[2:4])[0] ^ 0x2112
                addr = bytes(b ^ m for b, m in zip(value[4:8], struct.pack("!I", 0x2112A442)))
                return {"mapped": [socket.inet_ntoa(addr), port]}
            pos += 4 + ((length + 3) & ~3)
        return {"error": "no XOR-MAPPED-ADDRESS"}
def collect(duration, send_to=None, label=""):
    got, n = [], 0
    deadline = time.monotonic() + duration
    next_send = time.monotonic()
    while time.monotonic() < deadline:
        if send_to and time.monotonic() >= next_send:
            udp.sendto(f"{label} {n}".encode(), tuple(send_to)); n += 1
            next_send += 0.05
        udp.settimeout(max(0.01, min(deadline, next_send if send_to else deadline) - time.monotonic()))
        try:
            data, src = udp.recvfrom(2048)
            got.append([src[0], src[1], data.decode(errors="replace")])
        except socket.timeout:
            pass
    return {"got": got, "sent": n}
for line in sys.stdin:
    c = json.loads(line)
    op = c["op"]
    try:
        if op == "bind":
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("0.0.0.0", c.get("port", 0)))
            r = {"port": udp.getsockname()[1]}
        elif op == "stun":
            r = stun(c["server"], c.get("timeout", 1.5))
        elif op == "send":
            for i in range(c.get("count", 1)):
                udp.sendto(c.get("data", "x").encode(), tuple(c["to"]))
            r = {"sent": c.get("count", 1)}
        elif op == "recv":
            r = collect(c.get("timeout", 1.0))
        elif op == "punch":
            r = collect(c.get("duration", 2.0), c["to"], c.get("label", ""))
        elif op == "tcp":
            s = socket.create_connection(tuple(c["to"]), timeout=c.get("timeout", 1.5)); s.close()
            r = {"ok": True}
        elif op == "tls":
            context = ssl.create_default_context(cafile=c["ca"])
            with socket.create_connection((c["host"], c["port"]), timeout=c.get("timeout", 3)) as raw:
                with context.wrap_socket(raw, server_hostname=c["host"]) as s:
                    r = {"ok": True, "version": s.version(), "peer": s.getpeername()[0],
                         "subject_alt_names": [v for _, v in s.getpeercert().get("subjectAltName", ())]}
        elif op == "resolve":
            r = {"address": socket.gethostbyname(c["name"])}
        else:
            r = {"error": "unknown op"}
    except Exception as e:
        r = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps(r), flush=True)
'''


class LabProcess:
    """A lab run as a child, as a test would (JSON lines both ways)."""

    def __init__(self, a, b):
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--a", a, "--b", b],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.info = self.read()
        if self.info.get("event") != "ready":
            raise RuntimeError(f"lab {a}/{b}: {self.info}")

    def read(self):
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"event": "eof"}

    def command(self, obj):
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()
        return self.read()


class Agent:
    def __init__(self, prefix):
        self.proc = subprocess.Popen(prefix + [sys.executable, "-u", "-c", AGENT], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)

    def send(self, **c):
        self.proc.stdin.write(json.dumps(c) + "\n")
        self.proc.stdin.flush()

    def result(self):
        return json.loads(self.proc.stdout.readline())

    def __call__(self, **c):
        self.send(**c)
        return self.result()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(5)


class SelfTest:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, **detail):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        emit({"check": name, "ok": bool(ok), **detail})

    def uclient(self, lab, side, flags, port, label, peer_port=3480):
        """A TURN allocation by coturn's turnutils_uclient from a LAN host (REST auth by -W),
        relaying 10 messages to a turnutils_peer echo server in pub at 203.0.113.1:3480."""
        info = lab.info
        argv = lab.info["run"][side] + ["timeout", "30", "turnutils_uclient"] + flags + [
            "-W", info["turn_secret"], "-u", "selftest", "-e", "203.0.113.1", "-r", str(peer_port),
            "-n", "10", "-p", str(port), info["server_address"]]
        r = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        out = (r.stdout + r.stderr).splitlines()
        # Its summary: "start_mclient: tot_send_msgs=20, tot_recv_msgs=20" (echoed by the peer
        # through the relay) and "Total lost packets 0 (0.000000%)...".
        totals = [ln.split(": : ", 1)[-1] for ln in out if "tot_send_msgs=" in ln and "msz=" not in ln]
        lost = [ln.split(": : ", 1)[-1] for ln in out if "Total lost packets" in ln]
        received = 0
        for ln in totals:
            received = int(ln.split("tot_recv_msgs=")[1].split(",")[0].strip() or 0)
        ok = r.returncode == 0 and received > 0 and lost and lost[-1].startswith("Total lost packets 0 ")
        self.check(label, ok, rc=r.returncode, evidence=totals[-1:] + lost[-1:],
                   handshake_retries=sum("cannot connect" in ln for ln in out))

    def teardown(self, lab, how, label):
        info = lab.info
        turn_pid = info["turn_pid"]
        holders = [int(info[k].split("/")[2]) for k in ("a", "b", "pub", "router_a", "router_b")]
        ids = set()
        for k in ("a", "b", "pub", "router_a", "router_b"):
            try:
                ids.add(os.readlink(info[k]))
            except OSError:
                pass
        if how == "close":
            last = lab.command({"cmd": "close"})
        elif how == "eof":
            lab.proc.stdin.close()
            last = lab.read()
        else:
            lab.proc.send_signal(signal.SIGTERM)
            last = lab.read()
        rc = lab.proc.wait(20)
        left = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.readlink(f"/proc/{entry}/ns/net") in ids:
                        left.append(int(entry))
                except OSError:
                    pass
        alive = [p for p in [turn_pid] + holders if os.path.exists(f"/proc/{p}")]
        self.check(label, rc == 0 and last.get("event") == "closed" and not left and not alive
                   and not os.path.exists(info["dir"]),
                   how=how, rc=rc, last=last, processes_in_lab_namespaces=left, alive=alive,
                   dir_exists=os.path.exists(info["dir"]))

    def run(self):
        hosts_before = open("/etc/hosts", "rb").read()
        peers = []

        def start_peer(lab):
            # coturn's UDP echo peer, at the "other" public address of pub.
            p = subprocess.Popen(lab.info["run"]["pub"] + ["turnutils_peer", "-L", "203.0.113.1", "-p", "3480"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            peers.append(p)
            time.sleep(0.3)
            return p

        # --- cone / cone ---------------------------------------------------------------------
        lab = LabProcess("cone", "cone")
        info = lab.info
        emit({"lab": "cone/cone", "ready": info})
        srv = info["server_address"]
        a, b, pub = Agent(info["run"]["a"]), Agent(info["run"]["b"]), Agent(info["run"]["pub"])
        r = subprocess.run(info["run"]["a"] + ["getent", "hosts", "turn.termcall.test"], capture_output=True, text=True)
        self.check("run prefix: getent hosts turn.termcall.test in lanA", r.stdout.split()[:1] == [srv],
                   output=r.stdout.strip())
        names = {}
        for name in ("turn.termcall.test.", "signal.termcall.test", "signal.termcall.test."):
            r = subprocess.run(info["run"]["a"] + ["getent", "hosts", name], capture_output=True, text=True)
            names[name] = (r.stdout.split() or [None])[0]
        self.check("run prefix: signal.termcall.test is signal_address; trailing-dot names resolve too",
                   names == {"turn.termcall.test.": srv, "signal.termcall.test": info["signal_address"],
                             "signal.termcall.test.": info["signal_address"]}, names=names)
        self.check("run prefix: /etc/hosts outside unchanged", open("/etc/hosts", "rb").read() == hosts_before
                   and b"termcall.test" not in hosts_before)
        mounted = any(line.split()[4] == "/etc/hosts" for line in open("/proc/self/mountinfo"))
        self.check("run prefix: no /etc/hosts mount in our own mount namespace", not mounted)
        r = subprocess.run(info["run"]["a"] + ["turnutils_stunclient", "-p", "3478", srv], capture_output=True, text=True)
        reflexive = [ln.split("reflexive addr: ")[1] for ln in r.stdout.splitlines() if "reflexive addr: " in ln]
        self.check("cone: turnutils_stunclient from lanA sees router A's WAN address",
                   r.returncode == 0 and reflexive and reflexive[0].startswith(info["a_wan"] + ":"), reflexive=reflexive[:1])
        a(op="bind", port=40000)
        m1, m2 = a(op="stun", server=[srv, 3478]), a(op="stun", server=[srv, 3479])
        self.check("1 cone: mapping keeps port 40000, same for both server ports",
                   m1.get("mapped") == [info["a_wan"], 40000] and m1 == m2, to_3478=m1, to_3479=m2)
        b(op="bind", port=40001)
        mb = b(op="stun", server=[srv, 3478])
        pub(op="bind", port=5555)
        before = lab.command({"cmd": "stats"})
        pub(op="send", to=m1["mapped"], data="unsolicited", count=3)
        got = a(op="recv", timeout=1.0)
        after = lab.command({"cmd": "stats"})
        drops = after["router_a"]["inbound_new"]["packets"] - before["router_a"]["inbound_new"]["packets"]
        self.check("3 cone: unsolicited inbound UDP to the mapping dropped", not got["got"] and drops >= 3,
                   received=got["got"], inbound_new_drops=drops)
        # Hole punching: both send to the other's mapping at once, for 2 s.
        a.send(op="punch", to=mb["mapped"], label="from-A", duration=2.0)
        b.send(op="punch", to=m1["mapped"], label="from-B", duration=2.0)
        ra, rb = a.result(), b.result()
        ok = (any(g[0] == info["b_wan"] and g[1] == 40001 and g[2].startswith("from-B") for g in ra["got"])
              and any(g[0] == info["a_wan"] and g[1] == 40000 and g[2].startswith("from-A") for g in rb["got"]))
        self.check("3 cone<->cone: hole punching works both ways", ok, a_mapping=m1["mapped"], b_mapping=mb["mapped"],
                   a_received=len(ra["got"]), a_sent=ra["sent"], b_received=len(rb["got"]), b_sent=rb["sent"],
                   first_at_a=ra["got"][:1], first_at_b=rb["got"][:1])
        start_peer(lab)
        self.uclient(lab, "a", [], 3478, "cone: TURN UDP allocation from lanA relays to 203.0.113.1")
        self.uclient(lab, "b", ["-t"], 3478, "cone: TURN TCP allocation from lanB relays to 203.0.113.1")
        st = lab.command({"cmd": "stats"})
        self.check("stats: counters and conntrack counts", st.get("event") == "stats" and
                   st["router_a"]["conntrack"] is not None, stats=st)
        # "set": router A to udp-blocked, then open, then back to cone (fresh sockets each time,
        # since existing conntrack entries keep their NAT mapping).
        r = lab.command({"cmd": "set", "side": "a", "mode": "udp-blocked"})
        blocked = a(op="stun", server=[srv, 3478], timeout=1.0)
        st = lab.command({"cmd": "stats"})
        self.check("set a udp-blocked: running UDP flow cut", r.get("event") == "set" and blocked.get("error") == "timeout"
                   and st["router_a"]["blocked"]["packets"] > 0, stun=blocked, blocked=st["router_a"]["blocked"])
        lab.command({"cmd": "set", "side": "a", "mode": "open"})
        a(op="bind", port=40010)
        mo = a(op="stun", server=[srv, 3478])
        pub(op="send", to=[info["a_address"], 40010], data="direct", count=2)
        got = a(op="recv", timeout=0.5)
        self.check("set a open: no NAT, LAN address reachable from pub", mo.get("mapped") == [info["a_address"], 40010]
                   and len(got["got"]) == 2, stun=mo, received=got["got"])
        lab.command({"cmd": "set", "side": "a", "mode": "cone"})
        a(op="bind", port=40020)
        mc = a(op="stun", server=[srv, 3478])
        self.check("set a cone again: NAT back", mc.get("mapped") == [info["a_wan"], 40020], stun=mc)
        for agent in (a, b, pub):
            agent.close()
        # The echo peer is left running in pub on purpose: the lab's teardown must kill it.
        self.teardown(lab, "close", "6 teardown (close): no processes, namespaces or temp dir left")

        # --- symmetric / cone ----------------------------------------------------------------
        lab = LabProcess("symmetric", "cone")
        info = lab.info
        a, b = Agent(info["run"]["a"]), Agent(info["run"]["b"])
        a(op="bind", port=40000)
        m1, m2 = a(op="stun", server=[srv, 3478]), a(op="stun", server=[srv, 3479])
        self.check("2 symmetric: a new port per destination", m1.get("mapped") and m2.get("mapped")
                   and m1["mapped"][0] == info["a_wan"] and m1["mapped"][1] != m2["mapped"][1],
                   to_3478=m1, to_3479=m2)
        b(op="bind", port=40001)
        mb = b(op="stun", server=[srv, 3478])
        a.send(op="punch", to=mb["mapped"], label="from-A", duration=1.5)
        b.send(op="punch", to=m1["mapped"], label="from-B", duration=1.5)
        ra, rb = a.result(), b.result()
        self.check("symmetric<->cone: punching to STUN mappings fails (relay needed)",
                   not ra["got"] and not rb["got"], a_received=len(ra["got"]), b_received=len(rb["got"]))
        start_peer(lab)
        self.uclient(lab, "a", [], 3478, "symmetric: TURN UDP allocation from lanA relays to 203.0.113.1")
        a.close()
        b.close()
        self.teardown(lab, "eof", "6 teardown (stdin EOF): no processes, namespaces or temp dir left")

        # --- udp-blocked / cone --------------------------------------------------------------
        lab = LabProcess("udp-blocked", "cone")
        info = lab.info
        a = Agent(info["run"]["a"])
        a(op="bind", port=40000)
        s = a(op="stun", server=[srv, 3478], timeout=1.0)
        t1, t2 = a(op="tcp", to=[srv, 3478]), a(op="tcp", to=[srv, 443])
        st = lab.command({"cmd": "stats"})
        self.check("4 udp-blocked: UDP dropped, TCP 3478 and 443 pass", s.get("error") == "timeout" and
                   t1.get("ok") and t2.get("ok") and st["router_a"]["blocked"]["packets"] > 0,
                   stun=s, tcp_3478=t1, tcp_443=t2, blocked=st["router_a"]["blocked"])
        start_peer(lab)
        self.uclient(lab, "a", ["-t"], 3478, "4 udp-blocked: TURN TCP allocation from lanA (uclient -t)")
        a.close()
        self.teardown(lab, "sigterm", "6 teardown (SIGTERM): no processes, namespaces or temp dir left")

        # --- tls-only / cone -----------------------------------------------------------------
        lab = LabProcess("tls-only", "cone")
        info = lab.info
        a = Agent(info["run"]["a"])
        a(op="bind", port=40000)
        s = a(op="stun", server=[srv, 3478], timeout=1.0)
        t1, t2 = a(op="tcp", to=[srv, 3478], timeout=1.0), a(op="tcp", to=[srv, 443])
        self.check("5 tls-only: UDP and TCP 3478 dropped, TCP 443 passes", s.get("error") == "timeout"
                   and "error" in t1 and t2.get("ok"), stun=s, tcp_3478=t1, tcp_443=t2)
        tls = a(op="tls", host="turn.termcall.test", port=443, ca=info["ca_file"])
        self.check("5 tls-only: TLS to turn.termcall.test:443 verifies against ca_file (hosts file)",
                   tls.get("ok") and tls.get("peer") == srv, tls=tls)
        wrong = a(op="tls", host="turn.termcall.test", port=443, ca="/etc/ssl/certs/ca-certificates.crt")
        self.check("5 tls-only: the same handshake against the system CAs fails (verification is real)",
                   "CERTIFICATE_VERIFY_FAILED" in wrong.get("error", ""), tls=wrong)
        start_peer(lab)
        self.uclient(lab, "a", ["-t", "-S", "-E", info["ca_file"]], 443,
                     "5 tls-only: TURN over TLS allocation from lanA (uclient -S -E ca.pem)")
        a.close()
        self.teardown(lab, "close", "6 teardown (close): no processes, namespaces or temp dir left")
        for p in peers:  # already killed by the labs' teardown; reap
            p.wait(5)
        self.check("/etc/hosts unchanged after all labs", open("/etc/hosts", "rb").read() == hosts_before)
        emit({"event": "selftest", "passed": self.passed, "failed": self.failed})
        return 0 if self.failed == 0 else 1


def main():
    args = sys.argv[1:]
    if args == ["--selftest"]:
        sys.exit(SelfTest().run())
    options = {"a": "cone", "b": "cone", "turn-secret": DEFAULT_SECRET}
    turn_verbose = "--turn-verbose" in args
    args = [arg for arg in args if arg != "--turn-verbose"]
    i = 0
    while i < len(args):
        key = args[i][2:] if args[i].startswith("--") else None
        if key not in options or i + 1 >= len(args):
            emit({"event": "error", "message": f"usage: nat_lab.py --a MODE --b MODE [--turn-secret S] [--turn-verbose] | --selftest "
                                               f"(modes: {', '.join(MODES)}); bad option {args[i]}"})
            sys.exit(1)
        options[key] = args[i + 1]
        i += 2
    for side in ("a", "b"):
        if options[side] not in MODES:
            emit({"event": "error", "message": f"--{side}: mode must be one of {', '.join(MODES)}"})
            sys.exit(1)
    secret = options["turn-secret"]
    if not secret or any(ch.isspace() for ch in secret):
        emit({"event": "error", "message": "--turn-secret must be non-empty without whitespace"})
        sys.exit(1)
    if os.geteuid() != 0:
        emit({"event": "error", "message": "needs root (namespaces, nftables, mounts)"})
        sys.exit(1)
    serve(options["a"], options["b"], secret, turn_verbose)


if __name__ == "__main__":
    main()
