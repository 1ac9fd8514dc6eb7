-- The one request wrk repeats, configured by scripts/bench.d/api.sh through the environment:
--   BENCH_METHOD        GET (default) or POST
--   BENCH_TOKEN         sent as Authorization: Bearer …, when set
--   BENCH_BODY          a file whose bytes are the request body, when set
--   BENCH_CONTENT_TYPE  the body's Content-Type (default text/csv)
-- No response() callback: it would make wrk hand every response to Lua and measure wrk instead of the
-- server. wrk counts statuses >= 400 itself ("Non-2xx or 3xx responses"), and api.sh fails on any.
wrk.method = os.getenv("BENCH_METHOD") or "GET"
local token = os.getenv("BENCH_TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  local file = assert(io.open(body, "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = os.getenv("BENCH_CONTENT_TYPE") or "text/csv"
end
