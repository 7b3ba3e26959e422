-- Load for the CSP report endpoint: POST /api/csp-report with report-uri
-- bodies as Chromium sends them, naming 20,000 blocked hosts on 1,000
-- pages in turn, so that the distinct keys far exceed what the endpoint
-- holds between flushes. The document's host is the one wrk connects to,
-- so that the reports count as the site's own.
-- Usage: wrk -t2 -c64 -d60s -s csp-report.lua http://127.0.0.1:PORT [-- PATH]
-- PATH (default /api/csp-report) lets the same load hit a bare handler's
-- /api/event as the baseline. The server's per-network limit must be off
-- (NOREN_CSP_REPORTS_RATE_LIMIT=0), as every request comes from loopback.
local path = "/api/csp-report"
local n = 0
local host = "127.0.0.1"

function init(args)
  if args[1] then
    path = args[1]
  end
  n = math.random(1, 1000000)
end

function setup(thread)
  thread:set("id", tostring(thread))
end

function request()
  n = n + 1
  local body = string.format(
    '{"csp-report":{"document-uri":"http://%s/ja/page%d/?utm_source=x","referrer":"",' ..
    '"violated-directive":"script-src-elem","effective-directive":"script-src-elem",' ..
    '"original-policy":"script-src \'self\'; report-uri /api/csp-report","disposition":"enforce",' ..
    '"blocked-uri":"https://tag%d.example/t.js?uid=%d","status-code":200,"script-sample":""}}',
    host, n % 1000, n % 20000, n)
  return wrk.format("POST", path, {["Content-Type"] = "application/csp-report"}, body)
end
