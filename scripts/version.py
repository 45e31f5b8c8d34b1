#!/usr/bin/env python3
"""One version for every package: the workspace's, in Cargo.toml
([workspace.package] version), is the source; this writes it into every
other manifest that states it.

    scripts/version.py 1.2.3    (make version V=1.2.3): write it everywhere
    scripts/version.py --check  (make versions-check, part of make test):
                                exit 1 naming each manifest that disagrees

Cargo.lock follows by itself at the next cargo command. CHANGELOG.md gets
its dated entry by hand.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


def workspace_version(text):
    section = re.search(r"^\[workspace\.package\]\n(.*?)(?=^\[)", text, re.M | re.S).group(1)
    return re.search(r'^version = "([^"]+)"', section, re.M).group(1)


def cargo_toml(text, version):
    """The workspace's version, and the version of each of its crates that another depends on."""
    text = re.sub(r'(^\[workspace\.package\]\n(?:.*\n)*?version = ")[^"]+(")', rf"\g<1>{version}\g<2>", text, count=1, flags=re.M)
    return re.sub(r'^(payvost-[a-z]+ = \{ path = "[^"]+", version = ")[^"]+(")', rf"\g<1>{version}\g<2>", text, flags=re.M)


def plain_toml(text, version):
    """A manifest of its own: its [package] or [project] version."""
    return re.sub(r'(^\[(?:package|project)\]\n(?:.*\n)*?version = ")[^"]+(")', rf"\g<1>{version}\g<2>", text, count=1, flags=re.M)


def package_json(text, version):
    """An npm manifest: its version; an example's dependency on an SDK package: ^version."""
    manifest = json.loads(text)
    if "version" in manifest:
        manifest["version"] = version
    for name in list(manifest.get("dependencies", {})):
        if name.startswith("@payvost/"):
            manifest["dependencies"][name] = f"^{version}"
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def manifests():
    """(path, rewrite) of every manifest that states the version."""
    yield ROOT / "Cargo.toml", cargo_toml
    yield ROOT / "bindings-python" / "pyproject.toml", plain_toml
    yield ROOT / "bindings-wasm" / "php" / "engine" / "Cargo.toml", plain_toml
    yield ROOT / "bindings-node" / "package.json", package_json
    yield from ((path, package_json) for path in sorted((ROOT / "bindings-node" / "npm").glob("*/package.json")))
    yield ROOT / "bindings-wasm" / "npm" / "package.json", package_json
    yield from ((path, package_json) for path in sorted((ROOT / "examples").glob("*/package.json")))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", nargs="?", help="the new version, x.y.z")
    parser.add_argument("--check", action="store_true", help="only say which manifests disagree")
    args = parser.parse_args()
    if args.check == (args.version is not None):
        parser.error("give a version, or --check")
    if args.version is not None and not SEMVER.match(args.version):
        parser.error(f"{args.version!r} is not a version x.y.z")
    version = args.version or workspace_version((ROOT / "Cargo.toml").read_text())
    wrong = []
    for path, rewrite in manifests():
        text = path.read_text()
        new = rewrite(text, version)
        if new != text:
            wrong.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(new)
    if args.check:
        for path in wrong:
            print(f"versions-check: {path} does not say {version} (the workspace's): run make version V={version}")
        print(f"versions-check: {len(list(manifests())) - len(wrong)} manifests at {version}, {len(wrong)} disagree")
        return 1 if wrong else 0
    print(f"version {version}: {len(wrong)} manifests written" + "".join(f"\n  {path}" for path in wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
