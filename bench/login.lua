-- login.lua - wrk script: POST /api/v1/login over and over (argon2id each time),
-- the load of the login-interference scenario. Usage:
--   wrk -s bench/login.lua URL -- WORKSPACE USERNAME PASSWORD

local body

function init(args)
  body = string.format('{"workspace":"%s","username":"%s","password":"%s"}', args[1], args[2], args[3])
end

function request()
  return wrk.format("POST", "/api/v1/login", { ["Content-Type"] = "application/json" }, body)
end
