#!/usr/bin/env bash
# Installs payvost/payvost-php with Composer into a scratch project, as a user
# would (a path repository, Packagist off: no network), then runs the command
# given with PAYVOST_PHP_AUTOLOAD pointing at it. The package's own Wasmtime
# engine for this machine is built first (scripts/php-engine.sh), so nothing
# names the engine: the package finds the one it bundles.
#
# The PSR-7 implementations the PSR tests use and the PSR-3 logger of the
# delivery tests are installed into the same project from Debian's copies
# (scripts/php-test-packages.json), and PAYVOST_PSR_EXTENSION names the php-psr extension that holds PSR-15's
# interfaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/php-engine.sh >/dev/null
scratch=target/php-scratch
rm -rf "$scratch" && mkdir -p "$scratch"
# payvost/payvost-php from the source tree (a path repository, copied as
# Composer installs it), with the tests' own packages (php-test-packages.json).
python3 - "$scratch/composer.json" <<'PY'
import json, sys
test = json.load(open("scripts/php-test-packages.json"))
json.dump({
    "name": "payvost/scratch",
    "require": {"payvost/payvost-php": "*@dev", **test["require"]},
    "repositories": [{"type": "path", "url": "../../bindings-wasm/php", "options": {"symlink": False}},
                     *test["repositories"], {"packagist.org": False}],
}, open(sys.argv[1], "w"), indent=4)
PY
(cd "$scratch" && COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --quiet)
export PAYVOST_PHP_AUTOLOAD="$PWD/$scratch/vendor/autoload.php"
PAYVOST_PSR_EXTENSION=$(ls "$PWD"/target/php-psr/usr/lib/php/*/psr.so)
export PAYVOST_PSR_EXTENSION
exec "$@"
