-- wrk script for studio-gate-bench (issue 6, item 5).
--
--   wrk -t<threads> -c<conns> -d<cap> -s wrk.lua <url> -- <tokens.txt> <repeat|fresh> <threads>
--
-- repeat: every request carries the first token of the file.
-- fresh:  the file is split between the threads and each token is sent once;
--         a thread stops when it has an answer for each of its tokens (the few
--         requests already in flight then carry tokens of its share again).
-- Prints one line "WRKJSON {...}" with the counts and latency percentiles in µs.
--
-- wrk itself always runs for the whole -d, so in fresh mode its duration would
-- count the idle time after the last token; each thread records (with
-- clock_gettime through LuaJIT's ffi) when it sent its first request and got
-- its last answer, and the reported duration is from the first to the last.

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
  int clock_gettime(int clock, wrk_timespec *out);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("wrk_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000000 + math.floor(tonumber(timespec.tv_nsec) / 1000)
end

local made = 0
local threads = {}

function setup(thread)
  made = made + 1
  thread:set("id", made)
  threads[made] = thread
end

function init(args)
  local path, mode_arg, threads_arg = args[1], args[2], args[3]
  mode = mode_arg
  local all = {}
  for line in io.lines(path) do
    if #line > 0 then
      all[#all + 1] = line
    end
  end
  local threads = tonumber(threads_arg) or 1
  mine = {}
  if mode == "repeat" then
    mine[1] = all[1]
  else
    for i = id, #all, threads do
      mine[#mine + 1] = all[i]
    end
  end
  sent = 0
  answered = 0
end

function request()
  sent = sent + 1
  if sent == 1 then
    first_us = now_us()
  end
  local token = mine[((sent - 1) % #mine) + 1]
  return wrk.format("GET", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Accept"] = "application/json",
  })
end

function response(status, headers, body)
  answered = answered + 1
  if mode == "fresh" and answered >= #mine then
    last_us = now_us()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local duration = summary.duration
  -- Only when every thread answered its whole share; else wrk's own duration.
  local first, last, finished = nil, nil, #threads > 0
  for _, thread in ipairs(threads) do
    local f, l = thread:get("first_us"), thread:get("last_us")
    if thread:get("mode") ~= "fresh" or not f or not l then
      finished = false
    else
      if first == nil or f < first then first = f end
      if last == nil or l > last then last = l end
    end
  end
  if finished and last > first then
    duration = last - first
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"not_ok":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
