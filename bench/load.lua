-- wrk script of bench/run.sh: reads, reservations and logins in a fixed proportion, either as
-- fast as the connections allow or paced at a fixed rate.
--
-- Configured by the environment (wrk gives script arguments to init() only, and whether
-- delay() exists is decided before init() runs):
--
--   BENCH_RATE       requests per second in all (0 or unset: no pacing, closed loop)
--   BENCH_THREADS    wrk's -t (the rate is shared between the threads)
--   BENCH_WEIGHTS    "reads,reservations,logins" per cycle, e.g. "16,3,1" (80/15/5 %)
--   BENCH_READS      file of paths to GET, one a line (taken in turn)
--   BENCH_READ_AUTH  1: reads carry a member's token (tokens taken in turn), 0: anonymous
--   BENCH_TOKENS     file of member tokens (borrowers), one a line
--   BENCH_LISTINGS   file of goods' ids (quantity >= 1, no buffer, no notice), one a line
--   BENCH_BASE       first day of the reservation slots (epoch seconds, midnight UTC)
--   BENCH_LOGINS     file of "email password" lines for POST /v1/auth/login
--
-- Reservation g (numbered across the threads: thread i makes i, i + T, i + 2T...) asks for
-- listing g mod L on the one-day slot floor(g / L) after BENCH_BASE, as borrower g mod B:
-- no two reservations want the same units, so every answer is 2xx unless something is wrong
-- (wrk counts the others as "Non-2xx or 3xx responses" and bench/run.sh fails on them).
--
-- Pacing: each thread keeps a schedule, one slot every THREADS / RATE seconds from its first
-- request; delay() waits for the next slot, whichever connection asks. A slow answer does not
-- delay the others' slots (another connection takes them), and the rate achieved is the rate
-- asked as long as there are enough connections. Latency is measured by wrk from the moment
-- the request is written.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime (int clock_id, bench_timespec *ts);
]]
local clock_ts = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, clock_ts) -- CLOCK_MONOTONIC
  return tonumber(clock_ts.tv_sec) * 1000 + tonumber(clock_ts.tv_nsec) / 1e6
end

local function read_lines(path)
  local lines = {}
  if path == nil or path == "" or path == "-" then
    return lines
  end
  for line in io.lines(path) do
    if #line > 0 then
      lines[#lines + 1] = line
    end
  end
  return lines
end

local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
local next_thread = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  reads = read_lines(os.getenv("BENCH_READS"))
  tokens = read_lines(os.getenv("BENCH_TOKENS"))
  listings = read_lines(os.getenv("BENCH_LISTINGS"))
  logins = read_lines(os.getenv("BENCH_LOGINS"))
  read_auth = os.getenv("BENCH_READ_AUTH") == "1"
  base = tonumber(os.getenv("BENCH_BASE") or "0") or 0
  cycle = {}
  local weights = {}
  for w in string.gmatch(os.getenv("BENCH_WEIGHTS") or "1,0,0", "%d+") do
    weights[#weights + 1] = tonumber(w)
  end
  for kind = 1, 3 do
    for _ = 1, (weights[kind] or 0) do
      cycle[#cycle + 1] = kind
    end
  end
  counter, reads_done, reservations_done, logins_done = 0, 0, 0, 0
  interval_ms = rate > 0 and (1000 * thread_count / rate) or 0
  next_slot = nil
end

if rate > 0 then
  function delay()
    local now = now_ms()
    if next_slot == nil then
      next_slot = now
    else
      next_slot = next_slot + interval_ms
    end
    local wait = next_slot - now
    return wait > 0 and math.floor(wait) or 0
  end
end

local function read_request()
  local path = reads[(reads_done % #reads) + 1]
  local headers = {}
  if read_auth then
    headers["Authorization"] = "Bearer " .. tokens[(reads_done % #tokens) + 1]
  end
  reads_done = reads_done + 1
  return wrk.format("GET", path, headers)
end

local function reservation_request()
  local g = thread_index + thread_count * reservations_done
  reservations_done = reservations_done + 1
  local listing = listings[(g % #listings) + 1]
  local start = base + math.floor(g / #listings) * 86400
  local body = string.format('{"listing_id":"%s","start":"%s","end":"%s"}', listing,
    os.date("!%Y-%m-%dT%H:%M:%SZ", start), os.date("!%Y-%m-%dT%H:%M:%SZ", start + 86400))
  return wrk.format("POST", "/v1/reservations", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(g % #tokens) + 1],
  }, body)
end

local function login_request()
  local line = logins[(logins_done % #logins) + 1]
  logins_done = logins_done + 1
  local email, password = string.match(line, "^(%S+)%s+(%S+)$")
  return wrk.format("POST", "/v1/auth/login", { ["Content-Type"] = "application/json" },
    string.format('{"email":"%s","password":"%s"}', email, password))
end

function request()
  local kind = cycle[(counter % #cycle) + 1]
  counter = counter + 1
  if kind == 2 then
    return reservation_request()
  elseif kind == 3 then
    return login_request()
  end
  return read_request()
end

-- BENCH_CHECK=1: count the answers by status and print the first few that were not 2xx (the
-- mixed workload, whose kinds of request do not all answer alike). Off otherwise: a Lua
-- response() makes wrk hand every answer to the script.
if os.getenv("BENCH_CHECK") == "1" then
  local shown = 0
  function response(status, headers, body)
    if status >= 300 and shown < 5 then
      shown = shown + 1
      io.stderr:write("answer " .. status .. ": " .. string.sub(body, 1, 300) .. "\n")
    end
  end
end
