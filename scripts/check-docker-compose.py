#!/usr/bin/python3
"""Structural checks of docker/ that need no Docker engine (run by scripts/check-docker.sh).

Compose files (compose.yml, compose.test.yml merged over it, compose.sqlite.yml):
  every service has an image or a build whose context, Dockerfile and target exist; every
  long-running service (restart other than "no") has a health check; depends_on names
  services that exist, with a condition they can meet (completed: a one-shot service;
  healthy: a health check); named volumes and networks are declared, bind-mounted files
  exist; every ${VAR} is documented in docker/.env.example, every variable there is used,
  and the required ones (${VAR:?...}) are left empty there.
Consistency with mutuad and haproxy: MUTUA_TRUSTED_PROXIES is haproxy's fixed address,
inside the app subnet, like MUTUA_UPSTREAM_PROXY; haproxy's servers are the mutuad services; its body limit is
mutuad's default max_body_bytes (server/config.c); the MongoDB URI lists the replica set
members that mongo-init.sh initiates, under the --replSet name of the members.
Dockerfile: COPY sources exist; the build stage copies every directory that the top-level
CMakeLists.txt adds.
Prints one line per problem; exit 1 when there is any.
"""
import ipaddress
import re
import sys
from pathlib import Path

import yaml

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
docker = root / "docker"
problems = []


def problem(text):
    problems.append(text)
    print(f"check-docker: {text}")


def load(name):
    return yaml.safe_load((docker / name).read_text())


def merge(base, extra):
    """compose's merge of a second -f file: services and top-level maps are unioned."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?([^}]*)\}")


def variables(text):
    """{name: (operator, default)} of every ${...} in @text."""
    return {m.group(1): (m.group(2) or "", m.group(3)) for m in VAR.finditer(text)}


def env_example():
    values = {}
    for line in (docker / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def expand(text, env):
    """${VAR:-default} and friends with @env (the .env.example values, else the default; a
    required variable left empty becomes "required")."""

    def value(m):
        if env.get(m.group(1)):
            return env[m.group(1)]
        return "required" if (m.group(2) or "").endswith("?") else m.group(3)

    return VAR.sub(value, text)


def dockerfile_stages():
    stages = []
    for line in (docker / "Dockerfile").read_text().splitlines():
        m = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if m:
            stages.append(m.group(1))
    return stages


def check_services(name, doc):
    services = doc.get("services") or {}
    volumes = set((doc.get("volumes") or {}).keys())
    networks = set((doc.get("networks") or {}).keys())
    stages = dockerfile_stages()
    for sname, svc in services.items():
        where = f"{name}: service {sname}"
        if "image" not in svc and "build" not in svc:
            problem(f"{where} has neither image nor build")
        build = svc.get("build")
        if isinstance(build, dict):
            context = (docker / build.get("context", ".")).resolve()
            if not context.is_dir():
                problem(f"{where}: build context {context} does not exist")
            if not (context / build.get("dockerfile", "Dockerfile")).is_file():
                problem(f"{where}: Dockerfile {build.get('dockerfile')} does not exist")
            if "target" in build and build["target"] not in stages:
                problem(f"{where}: build target {build['target']} is no stage of the Dockerfile")
        one_shot = str(svc.get("restart", "no")) == "no"
        health = svc.get("healthcheck") or {}
        if not one_shot and (health.get("disable") or not health.get("test")):
            problem(f"{where} runs for long but has no health check")
        for dep, how in (svc.get("depends_on") or {}).items():
            if dep not in services:
                problem(f"{where} depends on {dep}, which is no service")
                continue
            condition = (how or {}).get("condition", "service_started")
            target = services[dep]
            if condition == "service_completed_successfully" and str(
                target.get("restart", "no")
            ) != "no":
                problem(f"{where} waits for {dep} to complete, but {dep} restarts")
            if condition == "service_healthy" and not (target.get("healthcheck") or {}).get(
                "test"
            ):
                problem(f"{where} waits for {dep} to be healthy, but {dep} has no health check")
        for volume in svc.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                if not (docker / source).exists():
                    problem(f"{where}: bind-mounted {source} does not exist")
            elif source not in volumes:
                problem(f"{where}: volume {source} is not declared")
        service_networks = svc.get("networks") or []
        for network in service_networks:
            if network not in networks:
                problem(f"{where}: network {network} is not declared")


def check_variables(texts):
    documented = env_example()
    used = {}
    for text in texts:
        used.update(variables(text))
    for var, (operator, _) in sorted(used.items()):
        if var not in documented:
            problem(f"${{{var}}} is used but not documented in docker/.env.example")
        elif operator.endswith("?") and documented[var]:
            problem(f"{var} is required: docker/.env.example must leave it empty")
    for var in sorted(set(documented) - set(used)):
        problem(f"docker/.env.example documents {var}, which no compose file uses")


def mutuad_default(option):
    text = (root / "server" / "config.c").read_text()
    m = re.search(r"OPT_I \(" + option + r', "(\d+)"', text)
    return int(m.group(1)) if m else None


def check_consistency(doc, env):
    services = doc["services"]
    mutuads = sorted(n for n, s in services.items() if "MUTUA_STORE" in (s.get("environment") or {}))
    if len(mutuads) < 2:
        problem(f"compose.yml: {len(mutuads)} mutuad services, 2 expected")
    haproxy = services.get("haproxy") or {}
    lb = expand(str(haproxy.get("networks", {}).get("app", {}).get("ipv4_address", "")), env)
    subnet = expand(str(doc["networks"]["app"]["ipam"]["config"][0]["subnet"]), env)
    try:
        if ipaddress.ip_address(lb) not in ipaddress.ip_network(subnet):
            problem(f"haproxy's address {lb} is outside the app subnet {subnet}")
    except ValueError as e:
        problem(f"haproxy's address or the app subnet is invalid: {e}")
    upstream = expand(str((haproxy.get("environment") or {}).get("MUTUA_UPSTREAM_PROXY")), env)
    try:
        if ipaddress.ip_address(upstream) not in ipaddress.ip_network(subnet):
            problem(f"MUTUA_UPSTREAM_PROXY {upstream} is outside the app subnet {subnet}")
    except ValueError as e:
        problem(f"MUTUA_UPSTREAM_PROXY is invalid: {e}")
    cfg = (docker / "haproxy.cfg").read_text()
    servers = re.findall(r"^\s*server\s+(\S+)\s+(\S+):8080", cfg, re.MULTILINE)
    if sorted(host for _, host in servers) != mutuads:
        problem(f"haproxy.cfg's servers {servers} are not the mutuad services {mutuads}")
    limit = re.search(r"req\.hdr_val\(content-length\) gt (\d+)", cfg)
    body = mutuad_default("max_body_bytes")
    if not limit or int(limit.group(1)) != body:
        problem(f"haproxy.cfg's body limit is not mutuad's max_body_bytes ({body})")
    members = sorted(n for n, s in services.items() if "--replSet" in (s.get("command") or []))
    init = (docker / "mongo-init.sh").read_text()
    for mname in members:
        rs = services[mname]["command"][services[mname]["command"].index("--replSet") + 1]
        if f'_id: "{rs}"' not in init or f"{mname}:27017" not in init:
            problem(f"mongo-init.sh does not initiate {mname} in the replica set {rs}")
    for sname in mutuads:
        environment = services[sname]["environment"]
        if expand(str(environment.get("MUTUA_TRUSTED_PROXIES")), env) != lb:
            problem(f"{sname}: MUTUA_TRUSTED_PROXIES is not haproxy's address {lb}")
        uri = expand(str(environment.get("MUTUA_MONGODB_URI")), env)
        hosts = re.match(r"mongodb://(?:[^@/]*@)?([^/]*)/", uri)
        listed = sorted(h.split(":")[0] for h in hosts.group(1).split(",")) if hosts else []
        if listed != members or "replicaSet=rs0" not in uri or "w=majority" not in uri:
            problem(f"{sname}: the MongoDB URI does not name the replica set {members}")
        if not any(v.endswith(":/var/lib/mutua/keys:ro") for v in services[sname]["volumes"]):
            problem(f"{sname}: the shared keys volume is not mounted read-only")


def check_dockerfile():
    text = (docker / "Dockerfile").read_text()
    copied = set()
    for m in re.finditer(r"^COPY\s+((?:--\S+\s+)*)(\S+)\s+\S+\s*$", text, re.MULTILINE):
        flags, source = m.group(1), m.group(2)
        if "--from" in flags:
            continue
        copied.add(source.rstrip("/"))
        if not (root / source).exists():
            problem(f"Dockerfile: COPY source {source} does not exist")
    cmake = (root / "CMakeLists.txt").read_text()
    for sub in re.findall(r"^\s*add_subdirectory\((\S+?)\)", cmake, re.MULTILINE):
        top = sub.split("/")[0]
        if top != "tests" and top not in copied:
            problem(f"Dockerfile: the build stage does not copy {top}/ (CMakeLists.txt adds {sub})")


main = load("compose.yml")
merged = merge(main, load("compose.test.yml"))
env = env_example()
check_services("compose.yml + compose.test.yml", merged)
check_services("compose.sqlite.yml", load("compose.sqlite.yml"))
check_variables(
    [(docker / f).read_text() for f in ("compose.yml", "compose.test.yml", "compose.sqlite.yml")]
)
check_consistency(main, env)
check_dockerfile()
sys.exit(1 if problems else 0)
