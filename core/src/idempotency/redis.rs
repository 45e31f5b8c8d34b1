//! The Lua scripts the Redis store runs (`EVAL`/`EVALSHA`), one a step: a
//! record is a hash at its key, timed by the server's `TIME` in
//! milliseconds, and expired by Redis itself when its retention ends.
//! Every script takes the record's key as `KEYS[1]`.

use alloc::string::String;
use alloc::vec::Vec;

/// A script and the names of its `ARGV`, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedisScript {
    /// The Lua source.
    pub source: &'static str,
    /// What `ARGV[1]`, `ARGV[2]`... hold.
    pub args: &'static [&'static str],
}

/// The server's clock in milliseconds, as the first line of every script.
macro_rules! now {
    () => {
        "local t = redis.call('TIME')\nlocal now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    };
}

/// Claims the record, or says why not: `{outcome, attempt}`.
pub const CLAIM: RedisScript = RedisScript {
    source: concat!(
        now!(),
        "local r = redis.call('HMGET', KEYS[1], 'state', 'fingerprint', 'lease_until', 'attempt')\n",
        "local attempt = tonumber(r[4]) or 0\n",
        "if r[1] then\n",
        "  if r[2] ~= ARGV[1] then return {'reused', attempt} end\n",
        "  if r[1] == 'completed' then return {'duplicate', attempt} end\n",
        "  if tonumber(r[3]) > now then return {'in_progress', attempt} end\n",
        "end\n",
        "attempt = attempt + 1\n",
        "redis.call('HSET', KEYS[1], 'state', 'in_progress', 'fingerprint', ARGV[1], 'token', ARGV[2], ",
        "'lease_until', now + tonumber(ARGV[3]), 'attempt', attempt)\n",
        "redis.call('PEXPIRE', KEYS[1], ARGV[4])\n",
        "return {'claimed', attempt}\n"
    ),
    args: &["fingerprint", "token", "lease_ms", "retention_ms"],
};

/// Extends this worker's lease: its attempt, or 0 when the lease was lost.
pub const RENEW: RedisScript = RedisScript {
    source: concat!(
        now!(),
        "local r = redis.call('HMGET', KEYS[1], 'state', 'token', 'attempt')\n",
        "if r[1] ~= 'in_progress' or r[2] ~= ARGV[1] then return 0 end\n",
        "redis.call('HSET', KEYS[1], 'lease_until', now + tonumber(ARGV[2]))\n",
        "return tonumber(r[3])\n"
    ),
    args: &["token", "lease_ms"],
};

/// Ends this worker's lease now: its attempt, or 0 when the lease was lost.
pub const RELEASE: RedisScript = RedisScript {
    source: concat!(
        now!(),
        "local r = redis.call('HMGET', KEYS[1], 'state', 'token', 'attempt')\n",
        "if r[1] ~= 'in_progress' or r[2] ~= ARGV[1] then return 0 end\n",
        "redis.call('HSET', KEYS[1], 'lease_until', now)\n",
        "return tonumber(r[3])\n"
    ),
    args: &["token"],
};

/// Marks the record completed until the retention ends: its attempt, or 0
/// when the lease was lost.
pub const COMPLETE: RedisScript = RedisScript {
    source: concat!(
        "local r = redis.call('HMGET', KEYS[1], 'state', 'token', 'attempt')\n",
        "if r[1] ~= 'in_progress' or r[2] ~= ARGV[1] then return 0 end\n",
        "redis.call('HSET', KEYS[1], 'state', 'completed', 'token', '', 'lease_until', 0)\n",
        "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n",
        "return tonumber(r[3])\n"
    ),
    args: &["token", "retention_ms"],
};

fn script_json(script: RedisScript) -> String {
    let args: Vec<String> = script
        .args
        .iter()
        .map(|a| alloc::format!("\"{a}\""))
        .collect();
    alloc::format!(
        r#"{{"source": {}, "args": [{}]}}"#,
        crate::facts::text(script.source),
        args.join(", ")
    )
}

pub(super) fn json() -> String {
    alloc::format!(
        "{{\"claim\": {},\n      \"renew\": {},\n      \"release\": {},\n      \"complete\": {}}}",
        script_json(CLAIM),
        script_json(RENEW),
        script_json(RELEASE),
        script_json(COMPLETE),
    )
}
