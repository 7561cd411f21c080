-- bench/post.lua - wrk script: POST the JSON body read from a file.
--
--   wrk -s bench/post.lua URL -- BODYFILE
--
-- The request is formatted once per thread (wrk.init does that after
-- init()), so the body is not copied per request.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
   local name = args[1]
   if not name then
      error("post.lua: give the body file after --")
   end
   local f = assert(io.open(name, "rb"))
   wrk.body = f:read("*a")
   f:close()
end
