/**
 * The browser terminal page. It lives in strings (not .html/.js files beside this module) so
 * `tsc` carries it into dist/ with the daemon: nothing to copy at build time, nothing fetched
 * from a CDN. The script is served as a file of its own so the page's CSP can forbid inline
 * scripts.
 */

/** Paths the page refers to; the routes serve exactly these. */
export const TERMINAL_PAGE_PATH = '/terminal'
export const TERMINAL_ASSETS_PREFIX = '/terminal/assets/'
export const TERMINAL_WS_PATH = '/api/v1/terminal/ws'

export const TERMINAL_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>gpu-shopper terminal</title>
<link rel="stylesheet" href="${TERMINAL_ASSETS_PREFIX}xterm.css">
<style>
  html, body { height: 100%; margin: 0; background: #101010; color: #ddd; }
  body { display: flex; flex-direction: column; font: 13px/1.4 system-ui, sans-serif; }
  #status { padding: 4px 10px; background: #222; border-bottom: 1px solid #333; white-space: pre-wrap; }
  #status.ok { color: #8fd18f; }
  #status.error { color: #ff8a80; background: #3a1414; }
  #terminal { flex: 1; min-height: 0; padding: 4px; }
</style>
</head>
<body>
<div id="status" role="status" aria-live="polite">connecting…</div>
<div id="terminal"></div>
<script src="${TERMINAL_ASSETS_PREFIX}xterm.js"></script>
<script src="${TERMINAL_ASSETS_PREFIX}addon-fit.js"></script>
<script src="${TERMINAL_ASSETS_PREFIX}terminal-page.js"></script>
</body>
</html>
`

/**
 * Input goes out as binary frames and resizes as JSON text frames (see control-message.ts);
 * output comes back as binary and is handed to xterm.js as bytes, which decodes UTF-8 itself.
 */
export const TERMINAL_PAGE_SCRIPT = `(function () {
  'use strict';
  var statusEl = document.getElementById('status');
  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind || '';
  }
  var token = new URLSearchParams(location.search).get('token') || '';
  // The token is single use: keep it out of the address bar, the history and any bookmark.
  history.replaceState(null, '', location.pathname);

  var term = new Terminal({
    cursorBlink: true,
    scrollback: 5000,
    fontSize: 14,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace'
  });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById('terminal'));
  fit.fit();
  term.focus();

  if (!token) {
    setStatus('No terminal token in the address. Mint one (POST /api/v1/sessions/<id>/terminal-token) and open its page_url.', 'error');
    return;
  }

  var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  var ws = new WebSocket(scheme + '//' + location.host + '${TERMINAL_WS_PATH}?token=' + encodeURIComponent(token) +
    '&cols=' + term.cols + '&rows=' + term.rows);
  ws.binaryType = 'arraybuffer';
  var encoder = new TextEncoder();
  var live = false;

  ws.onopen = function () { setStatus('connected; starting the shell…'); };
  ws.onmessage = function (event) {
    if (!live) {
      live = true;
      setStatus('connected', 'ok');
    }
    term.write(typeof event.data === 'string' ? event.data : new Uint8Array(event.data));
  };
  ws.onclose = function (event) {
    var why = event.reason || (event.code === 1006 ? 'the connection to the daemon was lost' : 'no reason given');
    setStatus('Terminal closed (code ' + event.code + '): ' + why, event.code === 1000 ? '' : 'error');
    term.write('\\r\\n\\x1b[1;31m[terminal closed: ' + why + ']\\x1b[0m\\r\\n');
    term.options.disableStdin = true;
  };

  function send(data) {
    if (ws.readyState === WebSocket.OPEN) ws.send(data);
  }
  term.onData(function (data) { send(encoder.encode(data)); });
  // Some mouse reports are raw bytes, not UTF-8 text.
  term.onBinary(function (data) {
    var bytes = new Uint8Array(data.length);
    for (var i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
    send(bytes);
  });
  term.onResize(function (size) { send(JSON.stringify({ type: 'resize', cols: size.cols, rows: size.rows })); });

  var refit = 0;
  window.addEventListener('resize', function () {
    clearTimeout(refit);
    refit = setTimeout(function () { fit.fit(); }, 50);
  });
})();
`
