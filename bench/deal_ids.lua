-- deal_ids.lua - wrk script: GET /api/v1/deals/{id} with ids drawn at random,
-- deterministically, from [min, max]. Usage:
--   wrk -s bench/deal_ids.lua -H 'Authorization: Bearer T' URL -- MIN MAX SEED
-- Each wrk thread gets its own seed (SEED + thread number), so a run is
-- repeatable for a given thread count.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local lo, hi

function init(args)
  lo = tonumber(args[1]) or 1
  hi = tonumber(args[2]) or lo
  local seed = tonumber(args[3]) or 42
  math.randomseed(seed + (tid or 0))
end

function request()
  local id = math.random(lo, hi)
  return wrk.format("GET", "/api/v1/deals/" .. id)
end
