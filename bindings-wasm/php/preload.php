<?php

// opcache.preload for ffi.enable=preload (see README). Outside the CLI, PHP
// then lets only preloaded code use FFI's static API (FFI::addr, FFI::string),
// so the package's classes are compiled and linked here, at server start.
// The engine's declarations come from the ffi.preload line: FFI::load() here
// would be refused wherever opcache.preload_user is set, as under PHP-FPM
// started as root.

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'Payvost\\')) {
        require __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen('Payvost\\'))) . '.php';
    }
});
foreach (new RecursiveIteratorIterator(new RecursiveDirectoryIterator(__DIR__ . '/src', FilesystemIterator::SKIP_DOTS)) as $file) {
    $class = 'Payvost\\' . str_replace('/', '\\', substr($file->getPathname(), strlen(__DIR__ . '/src/'), -4));
    // The PSR-15 middleware only where PSR-15's interfaces are installed.
    if (str_starts_with($class, 'Payvost\\Psr\\') && !interface_exists('Psr\\Http\\Server\\MiddlewareInterface')) {
        continue;
    }
    class_exists($class) || interface_exists($class);
}
