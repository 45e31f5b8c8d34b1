<?php

declare(strict_types=1);

namespace Payvost;

/** What a successful verification proves. */
final class Verified
{
    public function __construct(
        /** The header's `t`, in unix seconds. */
        public readonly int $timestamp,
        /** Index, in the secrets given, of the secret that matched. */
        public readonly int $secretIndex,
    ) {
    }
}
