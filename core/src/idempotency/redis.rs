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
        "  if r[1] == 'in_progress' and tonumber(r[3]) > now then return {'in_progress', attempt} end\n",
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
        "redis.call('HDEL', KEYS[1], 'body', 'header')\n",
        "redis.call('PEXPIRE', KEYS[1], ARGV[2])\n",
        "return tonumber(r[3])\n"
    ),
    args: &["token", "retention_ms"],
};

/// Marks the record failed after its delivery was answered (acknowledged
/// first), keeping its raw body and header for a retry: its attempt, or 0
/// when the lease was lost. A claim of the same body takes it again.
pub const FAIL: RedisScript = RedisScript {
    source: concat!(
        "local r = redis.call('HMGET', KEYS[1], 'state', 'token', 'attempt')\n",
        "if r[1] ~= 'in_progress' or r[2] ~= ARGV[1] then return 0 end\n",
        "redis.call('HSET', KEYS[1], 'state', 'failed', 'token', '', 'lease_until', 0, 'body', ARGV[2], 'header', ARGV[3])\n",
        "return tonumber(r[3])\n"
    ),
    args: &["token", "body", "header"],
};

/// The failed records whose keys start with `ARGV[1]` (`<namespace>:`), by
/// key: `{key, attempt, body, header, ...}` flat. No key is given (a
/// record's key is not known before), so it scans: an operator's step, not
/// a delivery's.
pub const FAILED: RedisScript = RedisScript {
    source: concat!(
        "local pattern = string.gsub(ARGV[1], '([%*%?%[%]\\\\])', '\\\\%1') .. '*'\n",
        "local found, cursor = {}, '0'\n",
        "repeat\n",
        "  local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)\n",
        "  cursor = page[1]\n",
        "  for _, key in ipairs(page[2]) do\n",
        "    if redis.call('TYPE', key).ok == 'hash' then\n",
        "      local r = redis.call('HMGET', key, 'state', 'attempt', 'body', 'header')\n",
        "      if r[1] == 'failed' then table.insert(found, {key, tonumber(r[2]), r[3] or '', r[4] or ''}) end\n",
        "    end\n",
        "  end\n",
        "until cursor == '0'\n",
        "table.sort(found, function(a, b) return a[1] < b[1] end)\n",
        "local flat = {}\n",
        "for _, row in ipairs(found) do for _, value in ipairs(row) do table.insert(flat, value) end end\n",
        "return flat\n"
    ),
    args: &["prefix"],
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
        "{{\"claim\": {},\n      \"renew\": {},\n      \"release\": {},\n      \"complete\": {},\n      \"fail\": {},\n      \"failed\": {}}}",
        script_json(CLAIM),
        script_json(RENEW),
        script_json(RELEASE),
        script_json(COMPLETE),
        script_json(FAIL),
        script_json(FAILED),
    )
}
