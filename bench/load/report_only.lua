-- wrk script: wrk's default request (GET of the URL), plus the JSON report.
if os.getenv("WRK_REPORT") then dofile(os.getenv("WRK_REPORT")) end
