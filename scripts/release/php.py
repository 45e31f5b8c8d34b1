"""The Composer package: the plain module, preload.php and a Wasmtime
engine per platform, installed from the archive and served."""

import json
import shutil
import zipfile

from .binaries import check_binary
from .common import DIST, ENV, ROOT, VERSION, CheckError, attempt, record, run, selected
from .registry import composer_validate

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


def php_engines():
    """The engines to bundle: every one, or this machine's with --host."""
    return selected(PHP_ENGINES, lambda row: row[2])


def dist_php():
    package = ROOT / "bindings-wasm" / "php"
    engines = [composer_validate(package)]
    for rust_target, platform, runner in php_engines():
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
                for _, platform, _ in php_engines()] if p not in names]
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
    # The archive, and what the server tests need beside it (a PSR-7
    # implementation for the PSR-15 one), as make test's install has them.
    test = json.loads((ROOT / "scripts" / "php-test-packages.json").read_text())
    (scratch / "composer.json").write_text(json.dumps({
        "name": "payvost/dist-scratch",
        "require": test["require"],
        "repositories": [{"type": "artifact", "url": "artifacts/"}, *test["repositories"], {"packagist.org": False}],
    }, indent=4))
    env = {**ENV, "COMPOSER_ALLOW_SUPERUSER": "1"}
    run("composer", "require", "--no-interaction", "--quiet", f"payvost/payvost-php:{VERSION}", cwd=scratch, env=env)
    # PSR-15's interfaces come from the php-psr extension here (scripts/php-env.sh), in the tests and their FPM.
    psr = next((ROOT / "target" / "php-psr").glob("usr/lib/php/*/psr.so"))
    env = {**ENV, "PAYVOST_PHP_AUTOLOAD": str(scratch / "vendor" / "autoload.php"), "PAYVOST_PSR_EXTENSION": str(psr)}
    env.pop("PAYVOST_WASMTIME_LIB", None)
    out = run("php", "-d", f"extension={psr}", shutil.which("phpunit"), "-c", ROOT / "bindings-wasm" / "php" / "phpunit.xml",
              "--filter", "ServerTest|Bundled", env=env, capture=True)
    return f"installed by composer require from an artifact repository; {out.strip().splitlines()[-1]} " \
           "(the docs' snippet under PHP-FPM and php -S, the bundled engine found with nothing configured)"
