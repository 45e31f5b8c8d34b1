#!/usr/bin/env bash
# Installs payvost/payvost-php with Composer into a scratch project, as a user
# would (a path repository, Packagist off: no network), then runs the command
# given with PAYVOST_PHP_AUTOLOAD and PAYVOST_WASMTIME_LIB pointing at it.
set -euo pipefail
cd "$(dirname "$0")/.."
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
export PAYVOST_WASMTIME_LIB="$PWD/target/wasmtime/libwasmtime.so"
exec "$@"
