"""The processes running on a fleet's hosts: every process in one of the fleet's network
namespaces. Shared by scripts/lib/fleet-cpu (which accounts their CPU) and
scripts/lib/fleet-pin (which places them on CPUs)."""
import glob
import hashlib
import os
import sys


def namespace_prefix(fleet_dir):
    """scripts/fleet names each host's network namespace hf<first 4 hex of sha256(dir)>-<host>."""
    return "hf" + hashlib.sha256(os.path.realpath(fleet_dir).encode()).hexdigest()[:4] + "-"


def fleet_pids(fleet_dir, caller):
    """The PIDs (strings) of every process on the fleet's hosts; exits naming CALLER when no
    fleet is up in FLEET_DIR."""
    namespaces = {os.stat(path).st_ino for path in glob.glob(f"/run/netns/{namespace_prefix(fleet_dir)}*")}
    if not namespaces:
        sys.exit(f"{caller}: no fleet is up in {os.path.realpath(fleet_dir)}")
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino in namespaces:
                pids.append(pid)
        except OSError:
            continue  # gone meanwhile
    return pids
