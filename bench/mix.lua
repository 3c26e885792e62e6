-- mix.lua - wrk script for litecrm's write, mixed and soak scenarios. Usage:
--   [LITECRM_BENCH_RATE=R] wrk -s bench/mix.lua -H 'Authorization: Bearer T' URL \
--     -- MODE SEED MINID MAXID OWNERS COMPANIES THREADS
-- MODE:
--   create  POST /api/v1/deals (a new deal, random company, stage and owner)
--   move    POST /api/v1/deals/{id}/move to a random open stage
--   mixed   90% reads (45% a deal by id, 45% a 50-row list by owner and
--           stage), 8% writes (4% create, 4% move), 2% reports (the summary)
-- LITECRM_BENCH_RATE (environment): requests per second over all THREADS
-- threads; unset: as fast as the server goes. A rate is held with wrk's
-- delay(), defined only then: each thread sends on a fixed schedule
-- (R / THREADS per second) and catches up, without bursting, when late.
-- OWNERS names the owners s001..sOWNERS; companies have ids 1..COMPANIES.
-- In mixed mode every class's latency is timed here (wrk times them all
-- together), which needs one connection per thread (-t N -c N): done()
-- prints one line per class: "class NAME requests N errors E 5xx F p50 MS p99 MS".
-- Everything is drawn from SEED + the thread's number: a run is repeatable.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lc_timespec;
int clock_gettime(int clk, lc_timespec *ts);
]]
local ts = ffi.new("lc_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e3 + tonumber(ts.tv_nsec) / 1e6
end

local OPEN = { "prospecting", "qualification", "needs_analysis", "value_proposition",
  "id_decision_makers", "perception_analysis", "proposal_price_quote", "negotiation_review" }

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local mode, interval, lo, hi, owners, companies
local next_at, sent_class, sent_at
-- hist[class][bucket] = count, a bucket per 10 microseconds; stats[class] =
-- {requests, errors, 5xx}. done() reads them as globals hist_CLASS and
-- stats_CLASS: wrk's thread:get() copies flat tables only.
local hist, stats = {}, {}

function init(args)
  mode = args[1] or "mixed"
  local rate = tonumber(os.getenv("LITECRM_BENCH_RATE") or "0") or 0
  local seed = tonumber(args[2]) or 42
  lo = tonumber(args[3]) or 1
  hi = tonumber(args[4]) or lo
  owners = tonumber(args[5]) or 1
  companies = tonumber(args[6]) or 1
  local nthreads = tonumber(args[7]) or 1
  if mode ~= "create" and mode ~= "move" and mode ~= "mixed" then
    error("mix.lua: unknown mode " .. mode)
  end
  math.randomseed(seed + (tid or 0))
  if rate > 0 then interval = 1000 * nthreads / rate end
  for _, c in ipairs({ "read", "write", "report" }) do
    hist[c] = {}
    stats[c] = { 0, 0, 0 }
    _G["hist_" .. c] = hist[c]
    _G["stats_" .. c] = stats[c]
  end
end

-- wrk.format replaces wrk.headers (the -H options) with the table it is given.
local function json_headers()
  local h = { ["Content-Type"] = "application/json" }
  for k, v in pairs(wrk.headers) do h[k] = v end
  return h
end

local function owner()
  return string.format("s%03d", math.random(1, owners))
end

local function create()
  local n = math.random(1, 1e9)
  local body = string.format(
    '{"company_id":%d,"name":"Bench 新案 %d","amount":%d,"stage":"%s","owner":"%s","close_date":"2027-%02d-%02d"}',
    math.random(1, companies), n, 1000 * math.random(1, 5000), OPEN[math.random(1, 3)], owner(),
    math.random(1, 12), math.random(1, 28))
  return wrk.format("POST", "/api/v1/deals", json_headers(), body)
end

local function move()
  local body = '{"stage":"' .. OPEN[math.random(1, #OPEN)] .. '"}'
  return wrk.format("POST", "/api/v1/deals/" .. math.random(lo, hi) .. "/move",
    json_headers(), body)
end

local function byid()
  return wrk.format("GET", "/api/v1/deals/" .. math.random(lo, hi))
end

local function list()
  return wrk.format("GET", "/api/v1/deals?owner=" .. owner() .. "&stage=" .. OPEN[math.random(1, #OPEN)] ..
    "&limit=50")
end

function request()
  if mode == "create" then return create() end
  if mode == "move" then return move() end
  local r = math.random(1, 100)
  if r <= 45 then
    sent_class = "read"; return byid()
  elseif r <= 90 then
    sent_class = "read"; return list()
  elseif r <= 94 then
    sent_class = "write"; return create()
  elseif r <= 98 then
    sent_class = "write"; return move()
  end
  sent_class = "report"
  return wrk.format("GET", "/api/v1/reports/summary")
end

-- request() builds the request as it is written; time from there.
local build = request
request = function()
  local req = build()
  sent_at = now_ms()
  return req
end

function response(status, headers, body)
  if mode ~= "mixed" or not sent_class then return end
  local ms = now_ms() - sent_at
  local b = math.floor(ms * 100)
  local h = hist[sent_class]
  h[b] = (h[b] or 0) + 1
  local s = stats[sent_class]
  s[1] = s[1] + 1
  if status >= 400 then s[2] = s[2] + 1 end
  if status >= 500 then s[3] = s[3] + 1 end
  sent_class = nil
end

if os.getenv("LITECRM_BENCH_RATE") then
  function delay()
    if not interval then return 0 end
    local t = now_ms()
    if not next_at or next_at < t - 1000 then next_at = t end
    next_at = next_at + interval
    local d = next_at - t
    return d > 0 and d or 0
  end
end

local function pct(h, n, p)
  local keys = {}
  for k in pairs(h) do table.insert(keys, k) end
  table.sort(keys)
  local want, seen = math.ceil(n * p), 0
  for _, k in ipairs(keys) do
    seen = seen + h[k]
    if seen >= want then return (k + 0.5) / 100 end
  end
  return 0
end

-- done() runs in wrk's main Lua state, where init() did not run: only the
-- threads know the mode; their stats are empty unless it was mixed.
function done(summary, latency, requests)
  for _, c in ipairs({ "read", "write", "report" }) do
    local h, n, e, e5 = {}, 0, 0, 0
    for _, t in ipairs(threads) do
      local th, ts_ = t:get("hist_" .. c), t:get("stats_" .. c)
      for k, v in pairs(th) do h[k] = (h[k] or 0) + v end
      n, e, e5 = n + ts_[1], e + ts_[2], e5 + ts_[3]
    end
    if n == 0 then return end
    io.write(string.format("class %s requests %d errors %d 5xx %d p50 %.2f p99 %.2f\n", c, n, e, e5,
      pct(h, n, 0.5), pct(h, n, 0.99)))
  end
end
