-- bench/soak.lua - wrk script for bench/soak: POST the JSON body read
-- from a file (as bench/post.lua) and count the responses by status and,
-- for non-2xx answers, by the "error" code of the module's JSON body.
--
--   wrk -s bench/soak.lua URL -- BODYFILE
--
-- done() prints one line per key, for bench/soak to parse:
--   soak-status STATUS COUNT
--   soak-error STATUS CODE COUNT     (CODE "-" when the body has none)
--   soak-sec EPOCH STATUS COUNT      (responses per second of arrival)

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   local name = args[1]
   if not name then
      error("soak.lua: give the body file after --")
   end
   local f = assert(io.open(name, "rb"))
   wrk.body = f:read("*a")
   f:close()
   statuses = {}
   errors = {}
   persec = {}
end

function response(status, headers, body)
   local s = tostring(status)
   statuses[s] = (statuses[s] or 0) + 1
   local ks = os.time() .. " " .. s
   persec[ks] = (persec[ks] or 0) + 1
   if status < 200 or status > 299 then
      local code = body and string.match(body, '"error"%s*:%s*"([%w_%-]+)"')
      local k = s .. " " .. (code or "-")
      errors[k] = (errors[k] or 0) + 1
   end
end

function done(summary, latency, requests)
   local st, er, ps = {}, {}, {}
   for _, t in ipairs(threads) do
      for k, v in pairs(t:get("statuses") or {}) do
         st[k] = (st[k] or 0) + v
      end
      for k, v in pairs(t:get("errors") or {}) do
         er[k] = (er[k] or 0) + v
      end
      for k, v in pairs(t:get("persec") or {}) do
         ps[k] = (ps[k] or 0) + v
      end
   end
   for k, v in pairs(st) do
      io.write(string.format("soak-status %s %d\n", k, v))
   end
   for k, v in pairs(er) do
      io.write(string.format("soak-error %s %d\n", k, v))
   end
   for k, v in pairs(ps) do
      io.write(string.format("soak-sec %s %d\n", k, v))
   end
end
