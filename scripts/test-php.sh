#!/usr/bin/env bash
# Runs the PHPUnit suite against payvost/payvost-php as Composer installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/php-env.sh phpunit -c bindings-wasm/php/phpunit.xml
