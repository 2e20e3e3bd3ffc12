-- wrk script for studio-gate-bench (issue 6, item 5).
--
--   wrk -t<threads> -c<conns> -d<cap> -s wrk.lua <url> -- <tokens.txt> <repeat|fresh> <threads>
--
-- repeat: every request carries the first token of the file.
-- fresh:  the file is split between the threads and each token is sent once;
--         a thread stops when it has an answer for each of its tokens (the few
--         requests already in flight then carry tokens of its share again).
-- Prints one line "WRKJSON {...}" with the counts and latency percentiles in µs.

local made = 0

function setup(thread)
  made = made + 1
  thread:set("id", made)
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
  local token = mine[((sent - 1) % #mine) + 1]
  return wrk.format("GET", nil, {
    ["Authorization"] = "Bearer " .. token,
    ["Accept"] = "application/json",
  })
end

function response(status, headers, body)
  answered = answered + 1
  if mode == "fresh" and answered >= #mine then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"not_ok":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
