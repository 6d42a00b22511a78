-- wrk script of bench/reservations.sh: POST /v1/reservations that never conflict.
--
-- Request g (numbered across every wrk thread: thread i sends i, i + T, i + 2T...) reserves
-- listing g mod L for the one-day slot floor(g / L) after BASE (listings of quantity 1, no
-- buffer: back-to-back slots of one listing fit), as borrower g mod B. So no two requests
-- ask for the same units at the same time, and every answer must be 201.
--
--   wrk -s bench/reservations.lua URL -- TOKENS_FILE LISTINGS_FILE THREADS BASE_EPOCH
--
-- done() prints "created=N other=M" (M answers that were not 201; wrk also reports them as
-- "Non-2xx or 3xx responses").

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then
      lines[#lines + 1] = line
    end
  end
  return lines
end

function init(args)
  tokens = read_lines(args[1])
  listings = read_lines(args[2])
  thread_count = tonumber(args[3])
  base = tonumber(args[4])
  counter = 0
  created = 0
  other = 0
end

function request()
  local g = thread_index + thread_count * counter
  counter = counter + 1
  local listing = listings[(g % #listings) + 1]
  local start = base + math.floor(g / #listings) * 86400
  local body = string.format('{"listing_id":"%s","start":"%s","end":"%s"}', listing,
    os.date("!%Y-%m-%dT%H:%M:%SZ", start), os.date("!%Y-%m-%dT%H:%M:%SZ", start + 86400))
  return wrk.format("POST", "/v1/reservations", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(g % #tokens) + 1],
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  else
    other = other + 1
    if other <= 3 then
      io.stderr:write("reservation answered " .. status .. ": " .. body .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local total_created, total_other = 0, 0
  for _, thread in ipairs(threads) do
    total_created = total_created + thread:get("created")
    total_other = total_other + thread:get("other")
  end
  io.write(string.format("created=%d other=%d\n", total_created, total_other))
end
