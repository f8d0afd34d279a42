-- A real editor drives `accessc lsp`: Neovim's built-in LSP client, headless (tools/editor/nvim-test.sh).
-- Opens an example file, introduces a typo and waits for the E207 diagnostic with its
-- did-you-mean, then asks a hover on a `read` grant and checks its expansion. Exits 0 on
-- success, 1 with a message otherwise. Works with Neovim 0.7 and later.
local root = assert(os.getenv("ACCESSC_ROOT"))
local accessc = assert(os.getenv("ACCESSC"))

local function fail(msg)
  io.stderr:write("nvim-test: " .. msg .. "\n")
  vim.cmd("cquit 1")
end

vim.cmd("edit " .. vim.fn.fnameescape(root .. "/payments/checkout.access"))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ name = "accessc", cmd = { accessc, "lsp" }, root_dir = root })
if not id then fail("the client did not start") end
vim.lsp.buf_attach_client(buf, id)
if not vim.wait(20000, function()
  local c = vim.lsp.get_client_by_id(id)
  return c ~= nil and c.initialized == true
end, 50) then
  fail("the server did not initialize")
end

-- The typo.
local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
local typo_line
for i, l in ipairs(lines) do
  if l:find("sqs:SendMessage", 1, true) then
    typo_line = i - 1
    local new = l:gsub("sqs:SendMessage", "sqs:SendMesage")
    vim.api.nvim_buf_set_lines(buf, typo_line, typo_line + 1, false, { new })
    break
  end
end
if not typo_line then fail("no sqs:SendMessage in the example") end

local found
local function code_of(d)
  if d.code then return d.code end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end
if not vim.wait(30000, function()
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if code_of(d) == "E207" then
      found = d
      return true
    end
  end
  return false
end, 50) then
  fail("no E207 diagnostic after the typo")
end
if found.lnum ~= typo_line then fail("E207 on line " .. found.lnum .. ", not " .. typo_line) end
if not found.message:find("did you mean `sqs:SendMessage`", 1, true) then
  fail("E207 without its did-you-mean: " .. found.message)
end
io.stdout:write("nvim: E207 on line " .. (typo_line + 1) .. ": " .. found.message:gsub("\n.*", "") .. "\n")

-- Hover on `read "arn:aws:s3:::receipts/*"`.
local read_line, read_col
for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
  local c = l:find('read  "arn:aws:s3:::receipts/*"', 1, true)
  if c then
    read_line, read_col = i - 1, c
    break
  end
end
if not read_line then fail("no read grant in the example") end
local res = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = read_line, character = read_col },
}, 20000)
local text
for _, r in pairs(res or {}) do
  if r.result and r.result.contents then text = r.result.contents.value end
end
if not text then fail("no hover on the read grant") end
if not (text:find("expands to", 1, true) and text:find("s3:GetObject", 1, true)) then
  fail("the hover does not show the expansion: " .. text)
end
io.stdout:write("nvim: hover on read: " .. text:gsub("\n.*", "") .. "\n")
vim.lsp.stop_client(id)
vim.cmd("qall!")
