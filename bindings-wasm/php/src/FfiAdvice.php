<?php

declare(strict_types=1);

namespace Payvost;

/**
 * What to do when PHP's FFI extension is not loaded, for the platform the
 * package finds itself on: the official `php` Docker images build it with
 * `docker-php-ext-install`, Heroku's buildpack has none, Bref's Lambda
 * layers have it, and a distribution's PHP ships it as a package.
 *
 * @internal the message of {@see Instance}'s `engine_unavailable`
 */
final class FfiAdvice
{
    /**
     * @param array<string, string> $env the environment (getenv())
     * @param callable(string): bool $isFile whether a file exists (is_file)
     */
    public static function message(array $env, callable $isFile): string
    {
        $lead = "PHP's FFI extension is not loaded, and the package runs its checks through it. ";
        if (isset($env['DYNO'])) {
            return $lead . "Heroku's PHP buildpack builds PHP without FFI, so the package cannot run on it: deploy the app "
                . 'as a container image instead (an official php image, with `docker-php-ext-install ffi`).';
        }
        if (isset($env['LAMBDA_TASK_ROOT'])) {
            return $lead . "Bref's layers carry it: load it with `extension=ffi` in the project's php/conf.d/ffi.ini "
                . '(and ffi.enable=true there for the FPM layer).';
        }
        foreach (explode(PATH_SEPARATOR, $env['PATH'] ?? '') as $dir) {
            if ($dir !== '' && $isFile($dir . '/docker-php-ext-install')) {
                return $lead . 'In this official php Docker image, build it in the Dockerfile: '
                    . '`RUN apt-get update && apt-get install -y libffi-dev && docker-php-ext-install ffi` '
                    . '(`apk add libffi-dev` on the Alpine images), and for PHP-FPM set ffi.enable=true (see the package README).';
            }
        }
        if ($isFile('/etc/debian_version')) {
            return $lead . "On Debian and Ubuntu it is part of the phpX.Y-common package: check that ffi.ini is enabled "
                . '(`phpenmod ffi`), and for PHP-FPM set ffi.enable=true (see the package README).';
        }
        return $lead . 'Install your PHP distribution\'s FFI package (php-ffi on Fedora and RHEL, php83-ffi on Alpine) '
            . 'or build PHP --with-ffi, and for PHP-FPM set ffi.enable=true (see the package README).';
    }
}
