-- Headless Neovim (a real LSP client nobody here wrote): open a file with AD Lens attached,
-- hover once as soon as the server is up, and write what came back (test_neovim.py).
-- Arguments, "|"-separated in $ADLENS_NVIM_ARGS: file, output file, python, line, column.
local file, out, python, line, col = unpack(vim.split(vim.env.ADLENS_NVIM_ARGS, "|", true))
local id = vim.lsp.start_client({
  name = "adlens",
  cmd = { python, "-m", "lsp_server" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
  init_options = { trusted = true },
})
vim.cmd("edit " .. file)
vim.lsp.buf_attach_client(0, id)
local t0 = vim.loop.hrtime()
vim.wait(30000, function()
  local c = vim.lsp.get_client_by_id(id)
  return c ~= nil and c.initialized
end, 10)
local params = {
  textDocument = { uri = vim.uri_from_bufnr(0) },
  position = { line = tonumber(line), character = tonumber(col) },
}
local t1 = vim.loop.hrtime()
local results = vim.lsp.buf_request_sync(0, "textDocument/hover", params, 30000) or {}
local t2 = vim.loop.hrtime()
local text = ""
for _, r in pairs(results) do
  if r.result and r.result.contents then
    text = text .. (r.result.contents.value or vim.inspect(r.result.contents))
  end
end
local f = io.open(out, "w")
f:write(string.format("initialized_ms=%d\nhover_ms=%d\n", (t1 - t0) / 1e6, (t2 - t1) / 1e6))
f:write(text)
f:close()
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 10)
vim.cmd("qa!")
