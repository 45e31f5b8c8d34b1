"""The crates, packaged as crates.io would take them."""

import shutil
import tarfile

from .common import DIST, ROOT, VERSION, CheckError, record, run


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
