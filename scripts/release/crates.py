"""The crates, packaged as crates.io would take them, and the CLI installed
from its packaged crate as `cargo install payvost-cli` would."""

import shutil
import tarfile

from .cli import run_cli
from .common import DIST, ENV, ROOT, VERSION, CheckError, record, run

# In the order they publish: each depends on the ones before it.
CRATES = ["payvost-webhooks", "payvost-axum", "payvost-cli"]


def dist_crates():
    # Packaged together, each crate's dependency on another of them resolves
    # to that one's package (cargo's local overlay), as crates.io will once
    # they are published in this order; each is then built from its package
    # alone (the verification cargo publish runs).
    run("cargo", "package", "--allow-dirty", *[arg for crate in CRATES for arg in ("-p", crate)])
    for crate in CRATES:
        packaged = ROOT / "target" / "package" / f"{crate}-{VERSION}.crate"
        dest = DIST / "crates" / packaged.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(packaged, dest)
        with tarfile.open(dest) as tar:
            names = set(tar.getnames())
        for needed in ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "Cargo.toml"]:
            if f"{crate}-{VERSION}/{needed}" not in names:
                raise CheckError(f"the crate {crate} lacks {needed}")
        checks = ["cargo package: packaged and built from the package alone, beside the crates before it",
                  "README.md, LICENSE-MIT, LICENSE-APACHE inside"]
        if crate == "payvost-cli":
            checks.append(install_cli())
        record(dest, f"{crate} (crates.io)", "source", checks)


def install_cli():
    """`cargo install` of the packaged CLI, its dependencies on the other two
    taken from their packages (as crates.io would serve them), then the
    binary it installed signs a body (`run_cli`, as each archive's does)."""
    packages = ROOT / "target" / "package"
    root = ROOT / "target" / "dist-cargo-install"
    shutil.rmtree(root, ignore_errors=True)
    patches = [f'patch.crates-io.{crate}.path="{packages / f"{crate}-{VERSION}"}"' for crate in CRATES[:-1]]
    run("cargo", "install", "--quiet", "--path", packages / f"payvost-cli-{VERSION}", "--root", root,
        *[arg for patch in patches for arg in ("--config", patch)],
        env={**ENV, "CARGO_TARGET_DIR": str(ROOT / "target" / "dist-cargo-install-build")})
    return "cargo install from the packaged crate: " + run_cli(root / "bin" / "payvost", "native")
