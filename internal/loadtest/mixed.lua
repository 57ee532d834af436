-- wrk script for the HTTP benchmark's mixed gets (see BENCHMARKS.md): sends
-- the paths listed in the file $WRK_PATHS (one a line; allowed and denied in
-- turn) round-robin, each wrk thread from its own offset. The -H headers
-- (the bearer token) go with every request.
local paths = {}
for line in io.lines(os.getenv("WRK_PATHS") or "paths.txt") do paths[#paths + 1] = line end
local i = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("start", threads * 997)
end

function init(args)
  i = start or 0
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
