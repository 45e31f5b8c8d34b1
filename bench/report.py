#!/usr/bin/env python3
"""Reads criterion's estimates and `openssl speed`, and writes the ratio
tables between the markers of bench/README.md."""
import json
import pathlib
import platform
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
README = ROOT / "bench" / "README.md"
SIZES = [256, 1024, 16 * 1024, 256 * 1024]


def mean_ns(group: str, name: str) -> float:
    path = CRITERION / group / name / "new" / "estimates.json"
    return json.loads(path.read_text())["mean"]["point_estimate"]


def openssl_bytes_per_sec(size: int) -> float:
    out = subprocess.run(["openssl", "speed", "-evp", "sha256", "-bytes", str(size), "-seconds", "2", "-mr"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"^\+F:\d+:sha256:([\d.]+)", out, re.M).group(1))


def human(size: int) -> str:
    return "%d KiB" % (size // 1024) if size >= 1024 else "%d B" % size


def gbps(size: int, ns: float) -> float:
    return size / ns  # bytes per nanosecond == GB/s


def cpu() -> str:
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def core_table() -> str:
    rows = ["| size | `verify` | `check_json_limits` | `construct_raw_event` | `construct_event` | sha2 SHA-256 | OpenSSL SHA-256 | verify / OpenSSL (target ≥ 0.9 at 16 and 256 KiB) | verify / sha2 (target ≥ 0.75 at 256 B) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for size in SIZES:
        group = str(size)
        v, l, r, c, s = (mean_ns(group, n) for n in ("verify", "check_json_limits", "construct_raw_event", "construct_event", "sha256"))
        o = openssl_bytes_per_sec(size) / 1e9
        rows.append("| %s | %.0f ns (%.2f GB/s) | %.0f ns (%.2f GB/s) | %.0f ns (%.2f GB/s) | %.0f ns (%.3f GB/s) | %.0f ns (%.2f GB/s) | %.2f GB/s | **%.2fx** | **%.2fx** |"
                    % (human(size), v, gbps(size, v), l, gbps(size, l), r, gbps(size, r), c, gbps(size, c), s, gbps(size, s), o,
                       gbps(size, v) / o, s / v))
    return "\n".join(rows)


def profile_table() -> str:
    names = ["sha256 of the payload", "header parse", "header parse + decode v1",
             "hmac from keyed state", "verify"]
    rows = ["| step (256 B event) | time |", "| --- | --- |"]
    for name in names:
        rows.append("| %s | %.0f ns |" % (name, mean_ns("profile-256", name)))
    return "\n".join(rows)


def replace(text: str, marker: str, table: str) -> str:
    begin, end = "<!-- %s:begin -->" % marker, "<!-- %s:end -->" % marker
    head, rest = text.split(begin)
    _, tail = rest.split(end)
    return head + begin + "\n" + table + "\n" + end + tail


if __name__ == "__main__":
    text = README.read_text()
    text = replace(text, "machine", "Measured on: %s, %s, rustc %s." % (
        cpu(), subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
        subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.split()[1]))
    text = replace(text, "core", core_table())
    text = replace(text, "profile", profile_table())
    README.write_text(text)
    print(core_table())
    print()
    print(profile_table())
