-- wrk script: POST /get_token with the body in the environment (BODY), the
-- same body (so the same OpenID token) every time.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
if os.getenv("WRK_REPORT") then dofile(os.getenv("WRK_REPORT")) end
