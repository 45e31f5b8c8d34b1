#!/usr/bin/env bash
# Runs the PHPUnit suite against payvost/payvost-php as Composer installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
# No PHPStan here (docs/machine.md): at least every file must parse.
find bindings-wasm/php -name '*.php' -not -path '*/vendor/*' -print0 | xargs -0 -n1 php -l -d display_errors=stderr >/dev/null
scripts/php-env.sh phpunit -c bindings-wasm/php/phpunit.xml
