-- tools/bench "lua5.4" workload: tables, string building and closures
-- in the Lua VM (deterministic output).
local syl = {"ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "xa", "zo", "str", "ing"}
local x = 7
local counts, order = {}, {}
for _ = 1, 300000 do
  x = (x * 1103515245 + 12345) & 0x7FFFFFFF
  local k = 1 + (x >> 8) % 3
  local parts = {}
  for j = 0, k - 1 do parts[#parts + 1] = syl[(x >> (4 * j + 12)) % #syl + 1] end
  local w = table.concat(parts)
  if counts[w] == nil then order[#order + 1] = w; counts[w] = 0 end
  counts[w] = counts[w] + 1
end
table.sort(order, function(a, b)
  if counts[a] ~= counts[b] then return counts[a] > counts[b] end
  return a < b
end)
print("distinct", #order, order[1], counts[order[1]], order[#order])

-- Fibonacci through closures and memo tables, integer loops.
local function memo(f)
  local cache = {}
  return function(n)
    local v = cache[n]
    if v == nil then v = f(n); cache[n] = v end
    return v
  end
end
local fib
fib = memo(function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end)
local s = 0
for i = 1, 2000000 do s = (s + i * i) % 1000000007 end
print("fib", fib(80), "sum", s)

-- String formatting, gsub and find.
local buf = {}
for i = 1, 60000 do buf[#buf + 1] = string.format("%05d:%s", i, order[i % #order + 1]) end
local text = table.concat(buf, " ")
local n = select(2, text:gsub("str", "S"))
print("len", #text, "gsub", n, "find", text:find("zostr", 1, true))
