"""Each registry's own checks, run by `make dist` on what it built: a
finding fails the artifact. npm: publint (strict) on the tarball's files
and @arethetypeswrong/cli on every entry point, CommonJS and ES module,
node16 and bundler resolution. PyPI: twine check --strict and
check-wheel-contents. Packagist: composer validate --strict."""

import tarfile
import tempfile
from pathlib import Path

from .common import ENV, ROOT, TOOLS, BuildError, CheckError, run

NPM_CHECKS = ROOT / "scripts" / "release" / "npm-checks"


def npm_tools():
    """publint and attw, at the versions its package.json pins."""
    lock = NPM_CHECKS / "node_modules" / ".package-lock.json"
    if not lock.exists() or lock.stat().st_mtime < (NPM_CHECKS / "package-lock.json").stat().st_mtime:
        run("npm", "ci", "--silent", "--no-audit", "--no-fund", cwd=NPM_CHECKS)
    return NPM_CHECKS / "node_modules" / ".bin"


def checked(what, *command, **options):
    """Runs a check; its output is the finding when it fails."""
    try:
        return run(*command, capture=True, **options)
    except BuildError as error:  # the command's own words are the finding
        raise CheckError(f"{what} found a problem:\n{error}") from error


def npm_registry_checks(tarball, esm_only=False, assets=()):
    """publint --strict on the files the tarball holds, and attw on the
    tarball with the node16 profile (node16 from CommonJS and from ES
    modules, and bundler). An ES-module-only package (`esm_only`) is
    required only by Node's require(esm), which attw reports as "dynamic
    import only"; `assets` are subpaths that are not modules (a .wasm)."""
    tools = npm_tools()
    unpacked = Path(tempfile.mkdtemp(prefix="payvost-publint-"))
    with tarfile.open(tarball) as tar:
        tar.extractall(unpacked, filter="data")
    checked(f"publint on {tarball.name}", tools / "publint", unpacked / "package", "--pack", "false", "--strict")
    attw = [tools / "attw", tarball, "--profile", "node16", "--format", "ascii"]
    if esm_only:
        attw += ["--ignore-rules", "cjs-resolves-to-esm"]
    if assets:
        attw += ["--exclude-entrypoints", *assets]
    report = checked(f"attw on {tarball.name}", *attw)
    typed = "does not contain types" not in report
    return ["publint --strict: no finding",
            "attw --profile node16: every entry point resolves, CommonJS and ES module, node16 and bundler"
            + (" (ES module only: require(esm) allowed)" if esm_only else "")
            if typed else "attw: no types to resolve (a binary package: its addon is loaded by the main package)"]


def pypi_registry_checks(path):
    """twine check --strict (PyPI's rendering of the README, the metadata),
    and for a wheel check-wheel-contents."""
    checked(f"twine check on {path.name}", TOOLS / "twine", "check", "--strict", path)
    checks = ["twine check --strict passed"]
    if path.suffix == ".whl":
        checked(f"check-wheel-contents on {path.name}", TOOLS / "check-wheel-contents", path)
        checks.append("check-wheel-contents: OK")
    return checks


def composer_validate(package_dir):
    """composer validate --strict on the package's composer.json, as Packagist reads it."""
    checked("composer validate", "composer", "validate", "--strict", "--no-check-lock", cwd=package_dir,
            env={**ENV, "COMPOSER_ALLOW_SUPERUSER": "1"})
    return "composer validate --strict: valid"
