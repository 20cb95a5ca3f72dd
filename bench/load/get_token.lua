-- wrk script: POST /get_token with the body in the environment (BODY).
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/json"
