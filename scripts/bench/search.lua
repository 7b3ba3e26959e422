-- Load for the site search API: GET /api/search cycling through the
-- benchmark's queries (the list of internal/search/searchbench/queries.go,
-- which a test keeps equal to this one), URL-encoded, each request from
-- another client network so that the per-network limit never answers 429.
-- Usage: wrk -t1 -c1 -d10s -s search.lua http://127.0.0.1:PORT
-- The server must trust X-Forwarded-For from 127.0.0.1 for the networks to
-- vary (noren serve --trusted-proxies 127.0.0.0/8).
local queries = {
  "創業支援",
  "補助金",
  "京都",
  "子育て 支援",
  "\"防災訓練\"",
  "マイナンバーカード 申請",
  "ソウギョウ",
  "そうぎょう",
  "ｿｳｷﾞｮｳ",
  "スタートアップ セミナー",
  "空き家 対策 補助",
  "ミナトペイ",
  "粗大ごみ",
  "startup support",
  "subsidy",
  "subsidu",
  "\"disaster drill\"",
  "recycling",
  "library services",
  "mentoring programme",
  "incubaton",
  "bulky waste collection",
  "small business loan",
  "vaccination",
}

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for i, q in ipairs(queries) do
  paths[i] = "/api/search?q=" .. encode(q)
end

local n = 0
request = function()
  n = n + 1
  wrk.headers["X-Forwarded-For"] = string.format("10.%d.%d.1", math.floor(n / 256) % 256, n % 256)
  return wrk.format("GET", paths[(n % #paths) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("requests/s %.0f\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("non-2xx %d, socket errors %d\n", summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
