#!/usr/bin/env bash
# Installs payvost/payvost-php with Composer into a scratch project, as a user
# would (a path repository, Packagist off: no network), then runs the command
# given with PAYVOST_PHP_AUTOLOAD pointing at it. The package's own Wasmtime
# engine for this machine is built first (scripts/php-engine.sh), so nothing
# names the engine: the package finds the one it bundles.
#
# The PSR-7 implementations the PSR tests use (nyholm/psr7, guzzlehttp/psr7)
# and the PSR-3 logger of the delivery tests (monolog/monolog)
# are installed into the same project from Debian's copies, as Composer
# packages of their own (scripts/ensure-tools.sh php installs them), and
# PAYVOST_PSR_EXTENSION names the php-psr extension that holds PSR-15's
# interfaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/php-engine.sh >/dev/null
scratch=target/php-scratch
rm -rf "$scratch" && mkdir -p "$scratch"
cat > "$scratch/composer.json" <<'JSON'
{
    "name": "payvost/scratch",
    "require": { "payvost/payvost-php": "*@dev", "nyholm/psr7": "1.5.1", "guzzlehttp/psr7": "2.4.5", "psr/http-message": "1.0.1", "monolog/monolog": "2.9.1" },
    "repositories": [
        { "type": "path", "url": "../../bindings-wasm/php", "options": { "symlink": false } },
        { "type": "package", "package": { "name": "nyholm/psr7", "version": "1.5.1",
            "dist": { "type": "path", "url": "/usr/share/php/Nyholm/Psr7" }, "autoload": { "psr-4": { "Nyholm\\Psr7\\": "" } } } },
        { "type": "package", "package": { "name": "guzzlehttp/psr7", "version": "2.4.5",
            "dist": { "type": "path", "url": "/usr/share/php/GuzzleHttp/Psr7" }, "autoload": { "psr-4": { "GuzzleHttp\\Psr7\\": "" } } } },
        { "type": "package", "package": { "name": "monolog/monolog", "version": "2.9.1",
            "dist": { "type": "path", "url": "/usr/share/php/Monolog" }, "autoload": { "psr-4": { "Monolog\\": "" } } } },
        { "type": "package", "package": { "name": "psr/http-message", "version": "1.0.1",
            "dist": { "type": "path", "url": "/usr/share/php/Psr/Http/Message" }, "autoload": { "psr-4": { "Psr\\Http\\Message\\": "" } } } },
        { "packagist.org": false }
    ]
}
JSON
(cd "$scratch" && COMPOSER_ALLOW_SUPERUSER=1 composer install --no-interaction --quiet)
export PAYVOST_PHP_AUTOLOAD="$PWD/$scratch/vendor/autoload.php"
PAYVOST_PSR_EXTENSION=$(ls "$PWD"/target/php-psr/usr/lib/php/*/psr.so)
export PAYVOST_PSR_EXTENSION
exec "$@"
