#!/usr/bin/python3
"""The benchmark suite of mutua, run by bench/run.sh (which builds the Release binaries first).

On loopback, in a fresh data directory: seeds 10,000 listings, 200 borrowers and a few
members who log in; measures listing get, search, availability, reservation create
(durable) and a mixed member workload, each beside its ceiling measured in the same run;
RSS after warm-up and after a soak; start-up time with 100,000 listings. Writes the figures
into docs/BENCHMARKS.md between the markers of bench/run.sh (the rest of the page is kept).

usage: run.py --build DIR [--quick] [--out FILE] [--mixed-rate N]
"""
import argparse
import csv
import datetime
import http.client
import io
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- bench/run.sh: begin (generated, replaced by every run) -->"
END = "<!-- bench/run.sh: end -->"

# The two profiles. Seconds are per measurement; the whole run takes about 15 minutes
# (full) or 3 minutes (--quick) on a 2-vCPU machine, most of it the soak.
PROFILES = {
    "full": dict(seconds=10, fsync_seconds=5, soak=600, startup_listings=100000,
                 startup_runs=3, mixed_rate=40),
    "quick": dict(seconds=3, fsync_seconds=2, soak=60, startup_listings=100000,
                  startup_runs=1, mixed_rate=40),
}
LISTINGS = 10000
BORROWERS = 200
LOGIN_MEMBERS = 10
CONNECTIONS = 32
PACED_CONNECTIONS = 64  # enough that a slow answer does not hold back the schedule
PACED_SHARE = 0.5  # fixed-rate runs ask for half of the closed-loop throughput
PASSWORD = "bench-password-123"
ADMIN_EMAIL = "admin@bench.test"
CHEAP_HASHING = ["--password-opslimit", "1", "--password-memlimit-kib", "8"]


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mutuad:
    """One mutuad process on loopback (port 0, read back from --port-file)."""

    def __init__(self, build, data_dir, extra):
        self.build, self.data_dir, self.extra = build, data_dir, extra
        self.proc = None
        self.port = None

    def start(self):
        port_file = os.path.join(self.data_dir, "..", os.path.basename(self.data_dir) + ".port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        env = dict(os.environ, MUTUA_ADMIN_EMAIL=ADMIN_EMAIL, MUTUA_ADMIN_PASSWORD=PASSWORD)
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [os.path.join(self.build, "server", "mutuad"), "--listen", "127.0.0.1:0",
             "--data-dir", self.data_dir, "--port-file", port_file, "--log-level", "warn",
             "--max-active-reservations", "1000", "--reservations-per-hour", "0"] + self.extra,
            env=env, stdout=subprocess.DEVNULL, stderr=open(self.data_dir + ".err", "ab"))
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if self.proc.poll() is not None or time.monotonic() - started > 300:
                sys.exit("bench: mutuad did not start (see " + self.data_dir + ".err)")
            time.sleep(0.002)
        self.port = int(open(port_file).read())
        listening = time.monotonic() - started
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    conn.close()
                    break
                conn.close()
            except OSError:
                pass
            if time.monotonic() - started > 300:
                sys.exit("bench: mutuad never became ready")
            time.sleep(0.002)
        return listening, time.monotonic() - started

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_s(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Api:
    """Calls on one keep-alive connection; exits on an unexpected status."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method, path, body=None, token=None, content_type="application/json",
             expect=(200, 201), raw=False):
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        if body is not None:
            headers["Content-Type"] = content_type
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status not in expect:
            sys.exit(f"bench: {method} {path}: {resp.status} {data[:300]!r}")
        if raw:
            return data, resp.getheaders()
        return json.loads(data) if data else None

    def login(self, email, password=PASSWORD):
        return self.call("POST", "/v1/auth/login", {"email": email, "password": password})["token"]

    def signup(self, admin, email, name, network):
        member = self.call("POST", "/v1/auth/signup", {
            "email": email, "password": PASSWORD, "name": name,
            "member": {"name": name, "kind": "association",
                       "territory": {"departement": "59", "commune": "Lille"},
                       "networks": [network]}})["member"]["id"]
        self.call("POST", f"/v1/admin/members/{member}/approve", token=admin)
        return member


def seed_listings(api, admin, owner, count):
    """Imports the seeded listings (bench/seed_listings.py) in chunks of 5000 rows."""
    text = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "seed_listings.py"),
                           owner, str(count)], check=True, capture_output=True).stdout
    lines = text.split(b"\r\n")
    header, rows = lines[0], [line for line in lines[1:] if line]
    for first in range(0, len(rows), 5000):
        chunk = b"\r\n".join([header] + rows[first:first + 5000]) + b"\r\n"
        api.call("POST", "/v1/admin/import/listings", chunk, admin, "text/csv")


def owner_listings(api, owner, token, query=""):
    ids, cursor = [], None
    while True:
        page = api.call("GET", f"/v1/listings?owner={owner}&sort=recent&limit=100{query}"
                        + (f"&cursor={cursor}" if cursor else ""), token=token)
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def set_up_network(api, with_owner=True):
    admin = api.login(ADMIN_EMAIL)
    network = api.call("POST", "/v1/networks", {"slug": "bench", "name": "Réseau de test"},
                       admin)["id"]
    owner = api.signup(admin, "owner@bench.test", "Ressourcerie du banc d'essai", network)
    return admin, network, owner


def to_ms(value):
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url, seconds, connections, env, script=True):
    """Runs wrk; returns requests/s, p50 and p99 in ms. Exits on a non-2xx answer."""
    threads = min(connections, os.cpu_count() or 1)
    env = dict(os.environ, BENCH_THREADS=str(threads), **env)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "10s"]
    if script:
        command += ["-s", os.path.join(ROOT, "bench", "load.lua")]
    done = subprocess.run(command + [url], env=env, check=True, capture_output=True, text=True)
    out = done.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        sys.exit(f"bench: {errors.group(1)} answers were not 2xx:\n{out}{done.stderr}")
    socket_errors = re.search(r"Socket errors: (.*)", out)
    lat = dict(re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out))
    return dict(rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
                p50=to_ms(lat["50"]), p99=to_ms(lat["99"]),
                requests=int(re.search(r"(\d+) requests in", out).group(1)),
                socket_errors=socket_errors.group(1) if socket_errors else "")


def fsync_ceiling(build, directory, seconds):
    out = subprocess.run([os.path.join(build, "bench", "bench_fsync_ceiling"), directory,
                          str(seconds), "append"], check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    fields = dict(kv.split("=") for kv in out.split()[1:])
    return dict(rps=float(fields["writes_per_s"]), p50_us=float(fields["p50_us"]),
                p99_us=float(fields["p99_us"]))


# Headers evhttp writes itself on every reply (and the ceiling's own Content-Type argument).
CEILING_OWN_HEADERS = {"date", "content-length", "connection", "transfer-encoding",
                       "content-type"}


class Ceiling:
    """bench_ceiling answering the bytes of @body with @headers (the status line's headers
    mutuad sent, as (name, value) pairs), as many threads as cores."""

    def __init__(self, build, work, name, body, headers):
        path = os.path.join(work, name + ".body")
        open(path, "wb").write(body)
        headers_path = os.path.join(work, name + ".headers")
        content_type = "application/json; charset=utf-8"
        with open(headers_path, "w") as out:
            for key, value in headers:
                if key.lower() == "content-type":
                    content_type = value
                elif key.lower() not in CEILING_OWN_HEADERS:
                    out.write(f"{key}: {value}\n")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [os.path.join(build, "bench", "bench_ceiling"), str(self.port),
             str(os.cpu_count() or 1), path, content_type, headers_path],
            stdout=subprocess.PIPE)
        self.proc.stdout.readline()  # "ceiling listening on ..."

    def cpu_s(self):
        fields = open(f"/proc/{self.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def measured(server, run):
    """Runs @run() and adds the server's CPU use (vCPUs busy on average) to its result."""
    cpu, started = server.cpu_s(), time.monotonic()
    result = run()
    result["cpu"] = (server.cpu_s() - cpu) / (time.monotonic() - started)
    return result


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(open("/proc/meminfo").readline().split()[1])
    virt = subprocess.run(["systemd-detect-virt"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("systemd-detect-virt") else ""
    fs = subprocess.run(["df", "-hT", tempfile.gettempdir()], capture_output=True,
                        text=True).stdout.splitlines()[-1].split()
    sqlite = subprocess.run(["pkg-config", "--modversion", "sqlite3"], capture_output=True,
                            text=True).stdout.strip()
    libevent = subprocess.run(["pkg-config", "--modversion", "libevent"], capture_output=True,
                              text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True,
                                 text=True).stdout.split()[1] if shutil.which("wrk") else ""
    return (f"{os.cpu_count()} vCPUs ({cpu}){', ' + virt if virt and virt != 'none' else ''}, "
            f"{mem_kib / 1048576:.0f} GiB of memory, data directory on {fs[0]} ({fs[1]}), "
            f"kernel {platform.release()}, SQLite {sqlite}, libevent {libevent}, wrk "
            f"{wrk_version}; load average before the run: "
            f"{' / '.join(open('/proc/loadavg').read().split()[:3])}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    parser.add_argument("--mixed-rate", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    profile = dict(PROFILES["quick" if args.quick else "full"])
    if args.mixed_rate:
        profile["mixed_rate"] = args.mixed_rate
    seconds = profile["seconds"]
    build = os.path.abspath(args.build)
    work = tempfile.mkdtemp(prefix="mutua-bench-")
    began = time.monotonic()
    rows, notes = [], {}
    servers = []
    try:
        host = machine()
        commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()

        # 1. Set-up with cheap password hashing (hundreds of sign-ups), then a restart with
        # the default Argon2id cost: the members who log in during the mixed workload sign
        # up after the restart, so their logins cost what a real login costs.
        data = os.path.join(work, "data")
        setup = Mutuad(build, data, CHEAP_HASHING)
        servers.append(setup)
        setup.start()
        api = Api(setup.port)
        admin, network, owner = set_up_network(api)
        owner_token = api.login("owner@bench.test")
        log(f"seeding {LISTINGS} listings")
        seed_listings(api, admin, owner, LISTINGS)
        goods = owner_listings(api, owner, owner_token, "&kind=good")
        log(f"{len(goods)} goods; signing up {BORROWERS} borrowers")
        tokens = []
        for i in range(BORROWERS):
            api.signup(admin, f"borrower{i}@bench.test", f"Association emprunteuse {i}", network)
            tokens.append(api.login(f"borrower{i}@bench.test"))
        setup.stop()
        servers.remove(setup)

        server = Mutuad(build, data, [])
        servers.append(server)
        server.start()
        api = Api(server.port)
        admin = api.login(ADMIN_EMAIL)
        logins = []
        for i in range(LOGIN_MEMBERS):
            api.signup(admin, f"member{i}@bench.test", f"Structure {i}", network)
            logins.append(f"member{i}@bench.test {PASSWORD}")
        files = {}
        for name, lines in (("tokens", tokens), ("listings", goods), ("logins", logins)):
            files[name] = os.path.join(work, name + ".txt")
            open(files[name], "w").write("\n".join(lines) + "\n")
        url = f"http://127.0.0.1:{server.port}"

        # 2. Reads, each alone: closed loop on mutuad and on the ceiling answering the same
        # bytes, then both at a fixed rate (half of mutuad's closed-loop throughput).
        public = api.call("GET", "/v1/listings?kind=good&sort=recent&limit=1")["items"][0]["id"]
        tomorrow = (int(time.time()) // 86400 + 1) * 86400
        day = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        reads = [
            ("listing get", f"/v1/listings/{public}"),
            ("search, text (10,000 listings)", "/v1/listings?q=velo%20cargo&limit=20"),
            ("search, filtered (10,000 listings)",
             "/v1/listings?kind=good&departement=59&sort=recent&limit=20"),
            ("availability (30 days)", f"/v1/listings/{public}/availability?from="
             f"{day(tomorrow)}&to={day(tomorrow + 30 * 86400)}"),
        ]
        # The availability read has busy days to report: reserve the listing on 10 of them.
        for i in range(10):
            api.call("POST", "/v1/reservations", {
                "listing_id": public, "start": day(tomorrow + 2 * i * 86400),
                "end": day(tomorrow + (2 * i + 1) * 86400)}, tokens[i])
        log("warm-up")
        for _, path in reads:
            open(os.path.join(work, "warm.txt"), "w").write(path + "\n")
            wrk(url, 2, CONNECTIONS, dict(BENCH_READS=os.path.join(work, "warm.txt")))
        rss_warm = server.rss_kib()
        for index, (name, path) in enumerate(reads):
            log(name)
            reads_file = os.path.join(work, f"read{index}.txt")
            open(reads_file, "w").write(path + "\n")
            body, headers = api.call("GET", path, raw=True)
            ceiling = Ceiling(build, work, f"read{index}", body, headers)
            env = dict(BENCH_READS=reads_file)
            m = measured(server, lambda: wrk(url, seconds, CONNECTIONS, env))
            c = measured(ceiling, lambda: wrk(f"http://127.0.0.1:{ceiling.port}", seconds,
                                              CONNECTIONS, env))
            rate = max(1, int(m["rps"] * PACED_SHARE))
            paced = dict(env, BENCH_RATE=str(rate))
            mp = measured(server, lambda: wrk(url, seconds, PACED_CONNECTIONS, paced))
            cp = measured(ceiling, lambda: wrk(f"http://127.0.0.1:{ceiling.port}", seconds,
                                               PACED_CONNECTIONS, paced))
            ceiling.stop()
            rows.append(dict(name=name, path=path, size=len(body), m=m, c=c, rate=rate, mp=mp,
                             cp=cp))

        # 3. Reservations (durable): closed loop beside the fsync ceiling measured just
        # before and just after, then a fixed rate. Slots start in 40 days (the reads'
        # reservations are in the first 20).
        log("reservations")
        base = tomorrow + 40 * 86400
        before = fsync_ceiling(build, work, profile["fsync_seconds"])
        env = dict(BENCH_WEIGHTS="0,1,0", BENCH_TOKENS=files["tokens"],
                   BENCH_LISTINGS=files["listings"], BENCH_BASE=str(base))
        r = measured(server, lambda: wrk(url, seconds, CONNECTIONS, env))
        after = fsync_ceiling(build, work, profile["fsync_seconds"])
        made = r["requests"]
        # The paced run continues the slots after the closed loop's (every thread's counter
        # starts again at 0, so move the base past the days already used).
        base2 = base + (made // len(goods) + 2) * 86400
        rate = max(1, int(r["rps"] * PACED_SHARE))
        rp = measured(server, lambda: wrk(url, seconds, PACED_CONNECTIONS,
                                          dict(env, BENCH_BASE=str(base2),
                                               BENCH_RATE=str(rate))))
        reservations = dict(r=r, rp=rp, rate=rate, before=before, after=after)

        # 4. Mixed member workload at a fixed rate for the soak: 80 % reads (listing get,
        # search, availability, as a member), 15 % reservations, 5 % logins (Argon2id at its
        # default cost). RSS sampled all along.
        log(f"mixed workload, soak of {profile['soak']} s at {profile['mixed_rate']} req/s")
        mixed_reads = os.path.join(work, "mixed_reads.txt")
        paths = []
        for i, listing in enumerate(goods[:500]):
            paths.append(f"/v1/listings/{listing}")
            paths.append(f"/v1/listings/{listing}/availability?from={day(tomorrow)}"
                         f"&to={day(tomorrow + 30 * 86400)}")
            if i % 4 == 0:
                paths.append("/v1/listings?q=" + ["velo", "tente", "perceuse%20visseuse",
                                                  "vaisselle", "formation"][i % 5] + "&limit=20")
        open(mixed_reads, "w").write("\n".join(paths) + "\n")
        base3 = base2 + (rp["requests"] // len(goods) + 2) * 86400
        env = dict(BENCH_WEIGHTS="16,3,1", BENCH_READS=mixed_reads, BENCH_READ_AUTH="1",
                   BENCH_TOKENS=files["tokens"], BENCH_LISTINGS=files["listings"],
                   BENCH_LOGINS=files["logins"], BENCH_BASE=str(base3),
                   BENCH_RATE=str(profile["mixed_rate"]), BENCH_CHECK="1")
        # Warm-up: the same workload for a sixth of the soak (at most a minute), then RSS
        # once it is over: Argon2id holds 64 MiB per login in progress, so RSS is read when
        # no request is in flight, after the warm-up and again after the soak.
        warm_after = int(min(60, profile["soak"] / 6))
        wrk(url, warm_after, PACED_CONNECTIONS, dict(env, BENCH_BASE=str(base3 + 400 * 86400)))
        time.sleep(1)
        rss_soak_warm = server.rss_kib()
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.wait(5):
                try:
                    samples.append((time.monotonic(), server.rss_kib()))
                except (OSError, AttributeError):
                    return
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            mixed = measured(server, lambda: wrk(url, profile["soak"], PACED_CONNECTIONS, env))
        finally:
            stop.set()
        sampler.join()
        time.sleep(1)
        rss_end = server.rss_kib()
        rss_max = max([kib for _, kib in samples] + [rss_end])
        server.stop()
        servers.remove(server)

        # 5. Start-up time with 100,000 listings: a second data directory seeded through the
        # import, then mutuad started again and timed to its first 200 on /readyz.
        count = profile["startup_listings"]
        log(f"seeding {count} listings for the start-up time")
        big = Mutuad(build, os.path.join(work, "big"), CHEAP_HASHING)
        servers.append(big)
        big.start()
        api = Api(big.port)
        admin, _, owner = set_up_network(api)
        seed_listings(api, admin, owner, count)
        big.stop()
        startups = []
        for _ in range(profile["startup_runs"]):
            listening, ready = big.start()
            startups.append((listening, ready, big.rss_kib()))
            big.stop()
        servers.remove(big)
        store_mib = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in
                        os.walk(os.path.join(work, "big")) for f in fs) / 1048576

        elapsed = time.monotonic() - began
        text = report(args, profile, host, commit, elapsed, rows, reservations, mixed,
                      dict(warm=rss_warm, soak_warm=rss_soak_warm, end=rss_end, max=rss_max,
                           warm_after=warm_after),
                      startups, count, store_mib, len(goods))
        write(args.out, text)
        print(text)
        log(f"done in {elapsed / 60:.1f} minutes; figures written to {args.out}")
    finally:
        for s in servers:
            s.stop()
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def pct(x):
    return f"{x:.0%}"


def report(args, profile, host, commit, elapsed, rows, res, mixed, rss, startups, count,
           store_mib, goods):
    cores = os.cpu_count() or 1
    out = []
    w = out.append
    w(BEGIN)
    w("")
    w(f"**Command:** `bench/run.sh{' --quick' if args.quick else ''}` "
      f"({'quick' if args.quick else 'full'} run: {profile['seconds']} s per measurement, "
      f"soak {profile['soak']} s; took {elapsed / 60:.1f} minutes), "
      f"{datetime.date.today().isoformat()}, tree {commit}.")
    w("")
    w(f"**Machine:** {host}. wrk runs on the same vCPUs as the server, so every figure "
      f"includes the load generator's share of them.")
    w("")
    w("### Reads (closed loop: 32 connections, as fast as answers come)")
    w("")
    w("Each read alone, anonymous, one URL; the ceiling is `bench_ceiling` answering the very "
      "bytes mutuad answered, its body and its headers (an evhttp server with mutuad's socket "
      "settings, one loop per core). CPU: the server's average use during the run, in vCPUs.")
    w("")
    w("| request | body | mutuad req/s | p50 / p99 | mutuad CPU | ceiling req/s | p50 / p99 "
      "| ceiling CPU | ratio |")
    w("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        m, c = row["m"], row["c"]
        w(f"| {row['name']} | {row['size']:,} B | {m['rps']:,.0f} | {m['p50']:.2f} / "
          f"{m['p99']:.2f} ms | {m['cpu']:.2f} | {c['rps']:,.0f} | {c['p50']:.2f} / "
          f"{c['p99']:.2f} ms | {c['cpu']:.2f} | **{pct(m['rps'] / c['rps'])}** |")
    w("")
    w(f"### Reads at a fixed rate ({PACED_CONNECTIONS} connections, half of mutuad's "
      "closed-loop throughput)")
    w("")
    w("| request | rate asked | mutuad: achieved, p50 / p99 | ceiling: achieved, p50 / p99 |")
    w("|---|---|---|---|")
    for row in rows:
        mp, cp = row["mp"], row["cp"]
        w(f"| {row['name']} | {row['rate']:,}/s | {mp['rps']:,.0f}/s, {mp['p50']:.2f} / "
          f"{mp['p99']:.2f} ms | {cp['rps']:,.0f}/s, {cp['p50']:.2f} / {cp['p99']:.2f} ms |")
    w("")
    r, rp, b, a = res["r"], res["rp"], res["before"], res["after"]
    w("### Reservation create (durable)")
    w("")
    w(f"`POST /v1/reservations` by {BORROWERS} borrowers over {goods:,} goods, no two asking "
      "for the same units (every answer 201). The ceiling is `bench_fsync_ceiling`: 512-byte "
      "appends, each followed by `fdatasync`, in the data directory's file system, measured "
      "just before and just after the closed-loop run.")
    w("")
    w("| run | reservations/s | p50 / p99 | mutuad CPU | fsync ceiling before / after "
      "| ratio to the ceiling (mean of before and after) |")
    w("|---|---|---|---|---|---|")
    w(f"| closed loop, {CONNECTIONS} connections | {r['rps']:,.0f} | {r['p50']:.2f} / "
      f"{r['p99']:.2f} ms | {r['cpu']:.2f} | {b['rps']:,.0f} / {a['rps']:,.0f} writes/s "
      f"(p50 {b['p50_us']:.0f} / {a['p50_us']:.0f} µs) | "
      f"**{pct(r['rps'] / ((b['rps'] + a['rps']) / 2))}** |")
    w(f"| fixed rate {res['rate']:,}/s, {PACED_CONNECTIONS} connections | {rp['rps']:,.0f} | "
      f"{rp['p50']:.2f} / {rp['p99']:.2f} ms | {rp['cpu']:.2f} | | |")
    w("")
    w(f"### Mixed member workload at a fixed rate, and the soak")
    w("")
    w(f"{profile['mixed_rate']} requests/s asked for {profile['soak']} s "
      f"({PACED_CONNECTIONS} connections): 80 % reads with a member's token (listing get, "
      "availability over 30 days, text search, over 500 goods), 15 % reservations, 5 % "
      f"logins of {LOGIN_MEMBERS} members (Argon2id at mutuad's default cost, 64 MiB). "
      "RSS is mutuad's VmRSS.")
    w("")
    w("| figure | value |")
    w("|---|---|")
    w(f"| achieved | {mixed['rps']:,.1f} requests/s ({mixed['requests']:,} requests, all 2xx"
      f"{'; socket errors: ' + mixed['socket_errors'] if mixed['socket_errors'] else ''}) |")
    w(f"| latency p50 / p99 | {mixed['p50']:.2f} / {mixed['p99']:.2f} ms |")
    w(f"| mutuad CPU | {mixed['cpu']:.2f} of {cores} vCPUs |")
    w(f"| RSS after the warm-up of the reads | {rss['warm'] / 1024:.1f} MiB |")
    w(f"| RSS after a warm-up of {rss['warm_after']:.0f} s of this workload, idle | "
      f"{rss['soak_warm'] / 1024:.1f} MiB |")
    w(f"| RSS after the soak, idle (highest sample during it, every 5 s) | "
      f"{rss['end'] / 1024:.1f} MiB ({rss['max'] / 1024:.1f} MiB) |")
    w(f"| growth during the soak (idle after vs idle before) | "
      f"**{(rss['end'] - rss['soak_warm']) / rss['soak_warm']:+.1%}** |")
    w("")
    w(f"### Start-up with {count:,} listings")
    w("")
    w(f"A store of {count:,} listings ({store_mib:.0f} MiB on disk), mutuad started "
      f"{len(startups)} time(s) and timed from `exec` to the port file (listening) and to "
      "the first 200 on `/readyz`.")
    w("")
    w("| run | listening | ready | RSS when ready |")
    w("|---|---|---|---|")
    for i, (listening, ready, kib) in enumerate(startups, 1):
        w(f"| {i} | {listening * 1000:.0f} ms | {ready * 1000:.0f} ms | {kib / 1024:.1f} MiB |")
    w("")
    w(END)
    return "\n".join(out) + "\n"


def write(path, text):
    old = open(path).read() if os.path.exists(path) else "# Benchmarks\n\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        new = head + text.rstrip("\n") + rest.split(END, 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(path + ".tmp", "w") as f:
        f.write(new)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
