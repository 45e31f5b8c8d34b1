#!/usr/bin/env bash
# Runs the PHPUnit suite against payvost/payvost-php as Composer installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
# No PHPStan here (docs/machine.md): at least every file must parse.
find bindings-wasm/php -name '*.php' -not -path '*/vendor/*' -print0 | xargs -0 -n1 php -l -d display_errors=stderr >/dev/null
# The php-psr extension gives the PSR-15 tests their interfaces (scripts/php-env.sh).
# shellcheck disable=SC2016
scripts/php-env.sh bash -c 'exec php -d "extension=$PAYVOST_PSR_EXTENSION" "$(command -v phpunit)" -c bindings-wasm/php/phpunit.xml "$@"' phpunit "$@"
