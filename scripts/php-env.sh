#!/usr/bin/env bash
# Installs payvost/payvost-php with Composer into a scratch project, as a user
# would (a path repository, Packagist off: no network), then runs the command
# given with PAYVOST_PHP_AUTOLOAD pointing at it. The package's own Wasmtime
# engine for this machine is built first (scripts/php-engine.sh), so nothing
# names the engine: the package finds the one it bundles.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/php-engine.sh >/dev/null
scratch=target/php-scratch
rm -rf "$scratch" && mkdir -p "$scratch"
cat > "$scratch/composer.json" <<'JSON'
{
    "name": "payvost/scratch",
    "require": { "payvost/payvost-php": "*@dev" },
    "repositories": [
        { "type": "path", "url": "../../bindings-wasm/php", "options": { "symlink": false } },
        { "packagist.org": false }
    ]
}
JSON
(cd "$scratch" && COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --quiet)
export PAYVOST_PHP_AUTOLOAD="$PWD/$scratch/vendor/autoload.php"
exec "$@"
