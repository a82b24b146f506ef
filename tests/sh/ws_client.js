// WebSocket echo check against a ws/wss listener: sends N random bytes as binary messages and
// expects them back byte-identical. Usage: NODE_PATH=/usr/share/nodejs node ws_client.js URL [BYTES]
// Exit 0 on a full echo, 1 otherwise. wss accepts self-signed certificates (gost's default).
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const url = process.argv[2];
const total = parseInt(process.argv[3] || '1048576', 10);
const chunk = 32 * 1024;
const data = crypto.randomBytes(total);
const got = [];
let gotLen = 0;

const ws = new WebSocket(url, { rejectUnauthorized: false });
const timer = setTimeout(() => { console.error('timeout after ' + gotLen + ' bytes'); process.exit(1); }, 20000);
ws.binaryType = 'nodebuffer';
ws.on('open', () => {
  for (let off = 0; off < total; off += chunk) ws.send(data.subarray(off, Math.min(total, off + chunk)));
});
ws.on('message', (msg) => {
  got.push(msg);
  gotLen += msg.length;
  if (gotLen >= total) {
    clearTimeout(timer);
    const ok = gotLen === total && Buffer.concat(got).equals(data);
    console.log(ok ? 'ok ' + total : 'mismatch');
    ws.close(1000);
    ws.on('close', () => process.exit(ok ? 0 : 1));
  }
});
ws.on('error', (e) => { console.error('error: ' + e.message); process.exit(1); });
