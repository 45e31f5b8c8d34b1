<?php

declare(strict_types=1);

// The package as Composer installed it into a scratch project (make test sets
// PAYVOST_PHP_AUTOLOAD), or this checkout's vendor/ for local runs.
require getenv('PAYVOST_PHP_AUTOLOAD') ?: dirname(__DIR__) . '/vendor/autoload.php';

const PAYVOST_ROOT = __DIR__ . '/../../..';

require __DIR__ . '/BuiltInServer.php';
