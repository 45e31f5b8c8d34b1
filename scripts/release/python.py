"""The Python wheels, one per platform, and the sdist built from source."""

import base64
import csv
import hashlib
import hmac
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path

from .binaries import check_binary
from .common import DIST, ENV, PLATFORMS, ROOT, TOOLS, CheckError, attempt, record, run, selected
from .registry import pypi_registry_checks


def wheel_checks(wheel):
    """The tags, RECORD's hashes, the extension's entry point, abi3audit and auditwheel."""
    with zipfile.ZipFile(wheel) as z:
        info = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/WHEEL"))).decode()
        record_name = next(n for n in z.namelist() if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(z.read(record_name).decode())))
        for name, digest, _ in rows:
            if name == record_name:
                continue
            algo, _, expected = digest.partition("=")
            actual = base64.urlsafe_b64encode(hashlib.new(algo, z.read(name)).digest()).rstrip(b"=").decode()
            if actual != expected:
                raise CheckError(f"{wheel.name}: RECORD hash of {name} is wrong")
        native = next(n for n in z.namelist() if re.search(r"payvost/_native\.(abi3\.so|pyd)$", n))
        extracted = Path(tempfile.mkdtemp()) / Path(native).name
        extracted.write_bytes(z.read(native))
    tags = re.findall(r"^Tag: (\S+)", info, re.M)
    if not tags or not all(t.startswith("cp39-abi3-") for t in tags):
        raise CheckError(f"{wheel.name}: tags {tags}, expected cp39-abi3")
    checks = [f"tags {', '.join(tags)}", f"RECORD hashes match ({len(rows) - 1} files)"]
    abi3 = run(TOOLS / "abi3audit", "--strict", "--report", wheel, capture=True)
    checks.append("abi3audit --strict: only the Python 3.9 limited API" if '"non_abi3_symbols": []' in abi3
                  or "{}" in abi3 else abi3.strip())
    return checks, extracted

def dist_python():
    out = DIST / "python"
    out.mkdir(parents=True, exist_ok=True)
    for rust_target, platform, _, compat, runner in selected(PLATFORMS, lambda row: row[4]):
        def build(rust_target=rust_target, compat=compat, runner=runner, platform=platform):
            before = set(out.glob("*.whl"))
            zig = [] if "windows" in rust_target else ["--zig"]
            run(TOOLS / "maturin", "build", "--release", *zig, "--target", rust_target, *compat, "--out", out,
                cwd=ROOT / "bindings-python",
                env={**ENV, "CARGO_TARGET_DIR": str(ROOT / "target" / "dist-maturin")})
            (wheel,) = set(out.glob("*.whl")) - before
            checks, native = wheel_checks(wheel)
            checks += pypi_registry_checks(wheel)
            checks += check_binary(native, rust_target, exports=["PyInit__native"])
            if "linux-gnu" in rust_target:
                policy = run(TOOLS / "auditwheel", "show", wheel, capture=True)
                if "manylinux_2_17" not in policy:
                    raise CheckError(f"auditwheel show: {policy.strip()}")
                checks.append("auditwheel show: manylinux_2_17 (manylinux2014)")
            elif "musl" in rust_target:
                # auditwheel judges musllinux on a musl host only: here it follows
                # NEEDED libc.so to Debian's libc.so, a linker script, and fails.
                checks.append("auditwheel not run: it judges musllinux only on a musl host")
            if runner == "native":
                checks.append("tested by make test-python: pytest in a fresh venv, CPython 3.11")
            else:
                checks.append("structural only: no CPython for it on this machine")
            record(wheel, "payvost", platform, checks)
        attempt(f"wheel {platform}", "payvost", rust_target, build)

    def sdist():
        before = set(out.glob("*.tar.gz"))
        run(TOOLS / "maturin", "sdist", "--out", out, cwd=ROOT / "bindings-python")
        (archive,) = set(out.glob("*.tar.gz")) - before
        # Built from source in a fresh venv, as pip does where no wheel fits.
        venv = Path(tempfile.mkdtemp(prefix="payvost-sdist-"))
        run(sys.executable, "-m", "venv", venv)
        run(venv / "bin" / "pip", "install", "-q", "--no-binary", "payvost", archive,
            env={**ENV, "CARGO_TARGET_DIR": str(ROOT / "target" / "dist-sdist")})
        check = ("import payvost; h = payvost.WebhookSignature.generate_header(b'{}', 'whsec_sdist', timestamp=1764000000);"
                 "print(h)")
        header = run(venv / "bin" / "python", "-c", check, capture=True).strip()
        expected = hmac.new(b"whsec_sdist", b"1764000000.{}", "sha256").hexdigest()
        if header != "t=1764000000,v1=" + expected:
            raise CheckError(f"the sdist's build signed {header}")
        record(archive, "payvost", "source (any platform with Rust)",
               ["pip install --no-binary in a fresh venv built it from source", "the built module signs correctly"]
               + pypi_registry_checks(archive))
    attempt("sdist", "payvost", "source", sdist)
