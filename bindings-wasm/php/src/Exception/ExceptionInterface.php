<?php

declare(strict_types=1);

namespace Payvost\Exception;

/**
 * Every exception the package throws. getErrorCode() is the stable code of
 * the Payvost webhook specification, the same string in every Payvost SDK.
 */
interface ExceptionInterface extends \Throwable
{
    public function getErrorCode(): string;
}
