"""The CLI's prebuilt archives, one per target, each run where it can be."""

import hmac
import tarfile
import zipfile

from .binaries import check_binary, qemu_arm64, wine
from .common import DIST, ENV, ROOT, TOOLS, VERSION, CheckError, attempt, record, run, selected

CLI_TARGETS = [
    ("x86_64-unknown-linux-musl", "native"),
    ("aarch64-unknown-linux-musl", "qemu"),
    ("x86_64-apple-darwin", "structural"),
    ("aarch64-apple-darwin", "structural"),
    ("x86_64-pc-windows-gnu", "wine"),
]


def dist_cli():
    out = DIST / "cli"
    out.mkdir(parents=True, exist_ok=True)
    for rust_target, runner in selected(CLI_TARGETS, lambda row: row[1]):
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
