"""The checks of a built binary that need no way to run it (format,
architecture, exports, dynamic libraries, glibc symbol versions), and the
ways to run one that is not for this machine: qemu-aarch64 and Wine."""

import os
import re
import subprocess
from pathlib import Path

from .common import ENV, ROOT, CheckError, run

SYSROOT = subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip()
LLVM = Path(SYSROOT) / "lib" / "rustlib" / "x86_64-unknown-linux-gnu" / "bin"
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
