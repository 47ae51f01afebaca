// Test harness for the AWS SDK for JavaScript v3 suite: starts the real
// sluice binary (env SLUICE_BIN, default <repo>/build/sluice) on port 0 with
// --in-memory and --ready-file, and builds SDK clients pointed at it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

// Never reach a real AWS endpoint or a proxy.
for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'AWS_PROFILE',
  'AWS_ENDPOINT_URL']) delete process.env[k];
process.env.AWS_EC2_METADATA_DISABLED = 'true';

export function sluiceBin() {
  return path.resolve(process.env.SLUICE_BIN || path.join(REPO, 'build', 'sluice'));
}

export async function waitFor(pred, { timeout = 15000, interval = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

// One sluice process. start() resolves once it serves; stop() sends SIGTERM
// and rejects unless it exits 0 within 5 s.
export class Sluice {
  constructor(extraArgs = []) {
    this.extraArgs = extraArgs;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-js-'));
    this.proc = null;
  }

  async start() {
    const bin = sluiceBin();
    fs.accessSync(bin, fs.constants.X_OK);
    const ready = path.join(this.tmp, 'ready');
    this.logPath = path.join(this.tmp, 'server.log');
    const log = fs.openSync(this.logPath, 'w');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLUICE_')));
    this.proc = spawn(bin, ['--host', '127.0.0.1', '--port', '0', '--in-memory', '--ready-file', ready,
      '--log-level', 'warn', '--sandbox', process.env.SLUICE_E2E_SANDBOX || 'off', ...this.extraArgs], { cwd: this.tmp, env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    let exitedEarly = null;
    this.exited.then((r) => { exitedEarly = r; });
    const text = await waitFor(() => {
      if (exitedEarly) throw new Error(`sluice exited (${JSON.stringify(exitedEarly)}) before ready:\n${this.logTail()}`);
      try {
        const t = fs.readFileSync(ready, 'utf8');
        return t.endsWith('\n') ? t : null;
      } catch { return null; }
    }, { timeout: 10000, interval: 10, what: 'sluice to be ready' });
    const hostport = text.trim();
    this.port = Number(hostport.slice(hostport.lastIndexOf(':') + 1));
    this.endpoint = `http://127.0.0.1:${this.port}`;
    return this;
  }

  logTail(n = 4000) {
    try { return fs.readFileSync(this.logPath, 'utf8').slice(-n); } catch { return ''; }
  }

  // The client configuration every test uses: one HTTP request per call.
  config(extra = {}) {
    return { endpoint: this.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1, ...extra };
  }

  async http(method, urlPath, body) {
    const r = await fetch(this.endpoint + urlPath, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, headers: r.headers, text, json: () => JSON.parse(text) };
  }

  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`sluice had already exited:\n${this.logTail()}`);
    }
    proc.kill('SIGTERM');
    let timer;
    const res = await Promise.race([this.exited,
      new Promise((resolve) => { timer = setTimeout(resolve, 5000, null); })]);
    clearTimeout(timer);
    if (res === null) {
      proc.kill('SIGKILL');
      throw new Error(`sluice did not exit within 5 s of SIGTERM:\n${this.logTail()}`);
    }
    if (res.code !== 0) throw new Error(`sluice exited with ${JSON.stringify(res)}:\n${this.logTail()}`);
    const log = this.logTail(1 << 20);
    for (const m of ['AddressSanitizer', 'LeakSanitizer', 'UndefinedBehaviorSanitizer', 'runtime error:']) {
      if (log.includes(m)) throw new Error(`sanitizer report in the sluice log:\n${log}`);
    }
    if (process.env.SLUICE_E2E_KEEP !== '1') fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

// --- a small zip writer (deflate via node:zlib; CRC-32 computed here, since
// zlib.crc32 only exists from Node 20.15 / 22.2) ---------------------------
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Returns a Buffer holding a zip of FILES ({name: string|Buffer}), deflated,
// dated 2024-01-01 00:00, mode 0644.
export function makeZip(files) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  const dosTime = 0;
  const dosDate = ((2024 - 1980) << 9) | (1 << 5) | 1;
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const nameBuf = Buffer.from(name, 'utf8');
    const packed = zlib.deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, packed);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

// Calls FN and returns the error it rejects with (fails if it resolves).
export async function rejection(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
