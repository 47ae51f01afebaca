'use strict';
/*
 * Tests for runtime/nodejs/bootstrap.js against a mock Lambda Runtime API.
 *
 * Each test writes handler code to a temporary directory, starts a mock
 * Runtime API (node:http) and runs the bootstrap as sluice does: `node
 * bootstrap.js` with cwd = the code directory and the Lambda variables set.
 * Run: node runtime/nodejs/tests/test_bootstrap.js (exits non-zero on
 * failure). SLUICE_TEST_NODE=/path/to/node runs the bootstrap under another
 * interpreter.
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const BOOTSTRAP = path.resolve(__dirname, '..', 'bootstrap.js');
const NODE = process.env.SLUICE_TEST_NODE || process.execPath;
const API = '/2018-06-01/runtime';
const WAIT_MS = 10000;
const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:fn';

/* ------------------------------------------------------------------------ */
/* Mock Runtime API                                                         */
/* ------------------------------------------------------------------------ */

class MockRuntimeApi {
  constructor() {
    this.queue = []; /* invocations not yet handed out */
    this.waitingNext = []; /* GET /next responses held open */
    this.posts = []; /* {kind, id, headers, body, at} */
    this.postWaiters = [];
    this.nextCount = 0;
    this.sockets = new Set();
    this.seq = 0;
    /* Test knobs: status codes to answer with. */
    this.nextStatus = 200;
    this.responseStatus = 202;
    this.errorStatus = 202;
  }

  start() {
    this.server = http.createServer((req, res) => this.route(req, res));
    this.server.requestTimeout = 0;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    return new Promise((resolve) =>
      this.server.listen(0, '127.0.0.1', () => {
        this.port = this.server.address().port;
        resolve();
      }),
    );
  }

  get address() {
    return `127.0.0.1:${this.port}`;
  }

  route(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'GET' && req.url === `${API}/invocation/next`) {
        this.nextCount++;
        if (this.nextStatus !== 200) {
          res.writeHead(this.nextStatus, { 'Content-Type': 'application/json' });
          res.end('{"errorMessage":"mock failure","errorType":"Mock"}');
          return;
        }
        const inv = this.queue.shift();
        if (inv) this.hand(res, inv);
        else this.waitingNext.push(res);
        return;
      }
      let m;
      let kind;
      let id = null;
      let status = 202;
      if (req.method === 'POST' && req.url === `${API}/init/error`) {
        kind = 'init-error';
      } else if (
        req.method === 'POST' &&
        (m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(
          req.url,
        ))
      ) {
        id = decodeURIComponent(m[1]);
        kind = m[2];
        status = kind === 'response' ? this.responseStatus : this.errorStatus;
      } else {
        res.writeHead(404);
        res.end();
        return;
      }
      const post = { kind, id, headers: req.headers, body, at: Date.now() };
      this.posts.push(post);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(status === 202 ? '{"status":"OK"}' : '{"errorType":"Mock"}');
      for (const w of this.postWaiters.slice()) {
        if (w.match(post)) {
          this.postWaiters.splice(this.postWaiters.indexOf(w), 1);
          w.resolve(post);
        }
      }
    });
  }

  hand(res, inv) {
    const headers = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': inv.id,
      'Lambda-Runtime-Deadline-Ms': String(inv.deadline),
      'Lambda-Runtime-Invoked-Function-Arn': inv.arn,
    };
    if (inv.traceId) headers['Lambda-Runtime-Trace-Id'] = inv.traceId;
    if (inv.clientContext) {
      headers['Lambda-Runtime-Client-Context'] = inv.clientContext;
    }
    if (inv.cognitoIdentity) {
      headers['Lambda-Runtime-Cognito-Identity'] = inv.cognitoIdentity;
    }
    inv.handedAt = Date.now();
    res.writeHead(200, headers);
    res.end(inv.body);
  }

  /* Queues an invocation; resolves with the response or error post for it. */
  invoke(event, opts = {}) {
    const inv = {
      id: opts.id || `req-${++this.seq}-${process.pid}`,
      body: opts.rawBody !== undefined ? opts.rawBody : JSON.stringify(event),
      deadline: opts.deadline || Date.now() + 30000,
      arn: opts.arn || ARN,
      traceId: opts.traceId,
      clientContext: opts.clientContext,
      cognitoIdentity: opts.cognitoIdentity,
    };
    const done = this.waitPost((p) => p.id === inv.id, opts.timeout);
    const res = this.waitingNext.shift();
    if (res) this.hand(res, inv);
    else this.queue.push(inv);
    return done.then((post) => Object.assign(post, { inv }));
  }

  waitPost(match, timeout = WAIT_MS) {
    const found = this.posts.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { match, resolve };
      this.postWaiters.push(w);
      setTimeout(() => {
        const i = this.postWaiters.indexOf(w);
        if (i >= 0) {
          this.postWaiters.splice(i, 1);
          reject(new Error(`no matching post within ${timeout} ms`));
        }
      }, timeout).unref();
    });
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/* ------------------------------------------------------------------------ */
/* Running the bootstrap                                                    */
/* ------------------------------------------------------------------------ */

function writeFiles(dir, files) {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

function lambdaEnv(dir, handler, api, extra = {}) {
  return Object.assign(
    {
      PATH: process.env.PATH,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_RUNTIME_API: api,
      _HANDLER: handler,
      LAMBDA_TASK_ROOT: dir,
      AWS_LAMBDA_FUNCTION_NAME: 'fn',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn',
      AWS_LAMBDA_LOG_STREAM_NAME:
        '2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    },
    extra,
  );
}

function spawnBootstrap(dir, env) {
  const child = spawn(NODE, [BOOTSTRAP], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (out.stdout += d));
  child.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, out, exited };
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/* Runs `body(rt)` with a bootstrap serving `handler` from `files`. */
async function withRuntime(files, handler, opts, body) {
  if (typeof opts === 'function') {
    body = opts;
    opts = {};
  }
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-js-')));
  writeFiles(dir, files);
  const api = new MockRuntimeApi();
  await api.start();
  const env = lambdaEnv(dir, handler, opts.api || api.address, opts.env);
  const proc = spawnBootstrap(dir, env);
  const rt = {
    dir,
    api,
    proc,
    get stdout() {
      return proc.out.stdout;
    },
    get stderr() {
      return proc.out.stderr;
    },
    exited: () => withTimeout(proc.exited, WAIT_MS, 'bootstrap exit'),
    invoke: (event, o) => api.invoke(event, o),
    /* Waits until stdout holds `text` (output arrives through a pipe). */
    waitStdout: async (text) => {
      const until = Date.now() + WAIT_MS;
      while (!proc.out.stdout.includes(text)) {
        if (Date.now() > until) throw new Error(`stdout never had ${text}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  try {
    await body(rt);
  } catch (err) {
    err.message += `\n--- stdout ---\n${proc.out.stdout}\n--- stderr ---\n${proc.out.stderr}`;
    throw err;
  } finally {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
    }
    await proc.exited;
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const LOG_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\t([^\t]*)\t(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\t([\s\S]*)$/;

function logLines(stdout) {
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const m = LOG_LINE.exec(l);
      return m
        ? { raw: l, time: m[1], requestId: m[2], level: m[3], message: m[4] }
        : { raw: l };
    });
}

function findLog(stdout, pred) {
  return logLines(stdout).find(pred);
}

/* ------------------------------------------------------------------------ */
/* Handlers: results                                                        */
/* ------------------------------------------------------------------------ */

test('async CommonJS handler: result, warm reuse, one process', async () => {
  await withRuntime(
    {
      'index.js': `
        let count = 0;
        const started = Date.now();
        exports.handler = async (event) => {
          count += 1;
          return { count, echo: event, pid: process.pid, started };
        };`,
    },
    'index.handler',
    async (rt) => {
      const a = await rt.invoke({ hello: 'wörld', n: [1, 2, 3] });
      assert.equal(a.kind, 'response');
      assert.equal(a.headers['content-type'], 'application/json');
      const ra = JSON.parse(a.body);
      assert.deepEqual(ra.echo, { hello: 'wörld', n: [1, 2, 3] });
      assert.equal(ra.count, 1);
      const b = await rt.invoke({});
      const rb = JSON.parse(b.body);
      assert.equal(rb.count, 2, 'module state persists across invokes');
      assert.equal(rb.pid, ra.pid);
      assert.equal(rb.started, ra.started, 'module loaded once');
      assert.equal(rt.proc.child.pid, ra.pid);
    },
  );
});

test('undefined result posts null; strings and numbers are JSON', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.none = async () => {};
        exports.text = async () => 'text';
        exports.num = async () => 0;
        exports.handler = async (e) => exports[e.which]();`,
    },
    'index.handler',
    async (rt) => {
      assert.equal((await rt.invoke({ which: 'none' })).body, 'null');
      assert.equal((await rt.invoke({ which: 'text' })).body, '"text"');
      assert.equal((await rt.invoke({ which: 'num' })).body, '0');
    },
  );
});

test('synchronous handler that returns a value posts null, like AWS', async () => {
  await withRuntime(
    { 'index.js': 'exports.handler = (event) => 42;' },
    'index.handler',
    async (rt) => {
      assert.equal((await rt.invoke({})).body, 'null');
      assert.equal((await rt.invoke({})).body, 'null');
    },
  );
});

test('callback result waits for the event loop to empty', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = (event, context, callback) => {
          setTimeout(() => console.log('timer fired'), 300);
          callback(null, { via: 'callback' });
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'response');
      assert.deepEqual(JSON.parse(p.body), { via: 'callback' });
      assert.ok(p.at - p.inv.handedAt >= 250, `posted after ${p.at - p.inv.handedAt} ms`);
      assert.ok(rt.stdout.includes('timer fired'));
    },
  );
});

test('callbackWaitsForEmptyEventLoop = false posts at once', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = (event, context, callback) => {
          context.callbackWaitsForEmptyEventLoop = false;
          setTimeout(() => console.log('late timer'), 1500);
          callback(null, 'fast');
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.body, '"fast"');
      assert.ok(p.at - p.inv.handedAt < 1000, `posted after ${p.at - p.inv.handedAt} ms`);
      const q = await rt.invoke({});
      assert.equal(q.body, '"fast"');
    },
  );
});

test('callback handler that never calls back succeeds with null', async () => {
  await withRuntime(
    { 'index.js': 'exports.handler = (event, context, callback) => {};' },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'response');
      assert.equal(p.body, 'null');
      assert.equal((await rt.invoke({})).body, 'null');
    },
  );
});

test('only the first callback counts', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = (event, context, callback) => {
          callback(null, 'first');
          callback(null, 'second');
          callback(new Error('third'));
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.body, '"first"');
      assert.equal((await rt.invoke({})).body, '"first"');
      assert.equal(rt.api.posts.length, 2);
    },
  );
});

test('context.succeed / done / fail (legacy)', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = (event, context) => {
          if (event.op === 'succeed') context.succeed({ ok: 1 });
          if (event.op === 'done') context.done(null, 'done-result');
          if (event.op === 'doneErr') context.done(new Error('done failed'));
          if (event.op === 'fail') context.fail(new Error('failed'));
          if (event.op === 'failEmpty') context.fail();
        };`,
    },
    'index.handler',
    async (rt) => {
      assert.equal((await rt.invoke({ op: 'succeed' })).body, '{"ok":1}');
      assert.equal((await rt.invoke({ op: 'done' })).body, '"done-result"');
      const de = await rt.invoke({ op: 'doneErr' });
      assert.equal(de.kind, 'error');
      assert.equal(JSON.parse(de.body).errorMessage, 'done failed');
      const f = await rt.invoke({ op: 'fail' });
      assert.equal(f.kind, 'error');
      assert.equal(JSON.parse(f.body).errorMessage, 'failed');
      const fe = await rt.invoke({ op: 'failEmpty' });
      assert.deepEqual(JSON.parse(fe.body), {
        errorType: 'string',
        errorMessage: 'handled',
        trace: [],
      });
    },
  );
});

test('non-serializable result is an error', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = async (e) => {
          if (e.kind === 'bigint') return { n: 10n };
          const a = {}; a.self = a; return a;
        };`,
    },
    'index.handler',
    async (rt) => {
      for (const kind of ['circular', 'bigint']) {
        const p = await rt.invoke({ kind });
        assert.equal(p.kind, 'error');
        const body = JSON.parse(p.body);
        assert.equal(body.errorType, 'Error');
        assert.equal(body.errorMessage, 'Unable to stringify response body');
        assert.equal(body.trace[0], 'Error: Unable to stringify response body');
      }
    },
  );
});

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

test('thrown error: exact body, header and Invoke Error log line', async () => {
  await withRuntime(
    {
      /* A plain `handler` binding: V8 prints the frame as
       * "Runtime.handler", the receiver's class and the name, exactly as
       * under the AWS runtime (which also calls this.handler on a Runtime). */
      'index.js':
        "const handler = async (event) => {\n  throw new Error('boom');\n};\nmodule.exports = { handler };\n",
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'error');
      assert.equal(p.headers['lambda-runtime-function-error-type'], 'Error');
      assert.equal(p.headers['content-type'], 'application/json');
      const body = JSON.parse(p.body);
      assert.deepEqual(Object.keys(body), ['errorType', 'errorMessage', 'trace']);
      assert.equal(body.errorType, 'Error');
      assert.equal(body.errorMessage, 'boom');
      assert.equal(body.trace[0], 'Error: boom');
      assert.match(
        body.trace[1],
        new RegExp(`^    at Runtime\\.handler \\(${rt.dir}/index\\.js:2:9\\)$`),
      );
      await rt.waitStdout('Invoke Error');
      const line = findLog(rt.stdout, (l) => l.level === 'ERROR');
      assert.equal(line.requestId, p.id);
      assert.ok(line.message.startsWith('Invoke Error \t{'), line.message);
      const logged = JSON.parse(line.message.slice('Invoke Error \t'.length));
      assert.equal(logged.errorType, 'Error');
      assert.equal(logged.errorMessage, 'boom');
      assert.deepEqual(logged.stack, body.trace);
      /* The process survives a handled error. */
      assert.equal((await rt.invoke({})).kind, 'error');
    },
  );
});

test('synchronous throw, custom error class, enumerable properties', async () => {
  await withRuntime(
    {
      'index.js': `
        class ValidationError extends Error {
          constructor(m) { super(m); this.name = 'ValidationError'; this.field = 'email'; }
        }
        exports.handler = function (event) {
          if (event.sync) throw new TypeError('sync bad');
          return Promise.reject(new ValidationError('invalid email'));
        };`,
    },
    'index.handler',
    async (rt) => {
      const s = await rt.invoke({ sync: true });
      const sb = JSON.parse(s.body);
      assert.equal(sb.errorType, 'TypeError');
      assert.equal(sb.errorMessage, 'sync bad');
      assert.equal(s.headers['lambda-runtime-function-error-type'], 'TypeError');
      /* V8 prints an inferred qualified name without the receiver. */
      assert.match(sb.trace[1], /^    at exports\.handler \(/);

      const v = await rt.invoke({});
      const vb = JSON.parse(v.body);
      assert.equal(vb.errorType, 'ValidationError');
      assert.equal(vb.errorMessage, 'invalid email');
      assert.equal(vb.trace[0], 'ValidationError: invalid email');
      assert.equal(vb.field, undefined, 'the posted body has only the three keys');
      await rt.waitStdout('invalid email');
      const line = findLog(rt.stdout, (l) => l.message?.includes('invalid email'));
      const logged = JSON.parse(line.message.slice('Invoke Error \t'.length));
      assert.equal(logged.field, 'email');
    },
  );
});

test('callback errors: Error, string, object', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = (event, context, callback) => {
          if (event.k === 'error') return callback(new Error('cb boom'));
          if (event.k === 'string') return callback('plain failure');
          callback({ code: 7 });
        };`,
    },
    'index.handler',
    async (rt) => {
      const e = await rt.invoke({ k: 'error' });
      assert.equal(e.kind, 'error');
      const eb = JSON.parse(e.body);
      assert.equal(eb.errorType, 'Error');
      assert.equal(eb.errorMessage, 'cb boom');
      assert.equal(eb.trace[0], 'Error: cb boom');

      const s = await rt.invoke({ k: 'string' });
      assert.deepEqual(JSON.parse(s.body), {
        errorType: 'string',
        errorMessage: 'plain failure',
        trace: [],
      });
      assert.equal(s.headers['lambda-runtime-function-error-type'], 'string');

      const o = await rt.invoke({ k: 'object' });
      assert.deepEqual(JSON.parse(o.body), {
        errorType: 'object',
        errorMessage: '[object Object]',
        trace: [],
      });
    },
  );
});

test('async handler whose promise never settles: Runtime.NodeJsExit', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = async (e) => {
          if (e.ok) return 'fine';
          await new Promise(() => {});
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'error');
      const body = JSON.parse(p.body);
      assert.equal(body.errorType, 'Runtime.NodeJsExit');
      assert.match(body.errorMessage, /Promise that was never settled/);
      assert.equal((await rt.invoke({ ok: true })).body, '"fine"');
    },
  );
});

test('unhandled rejection during an invoke: reported, then exit 128', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = async () => {
          Promise.reject(new Error('later'));
          await new Promise((r) => setTimeout(r, 200));
          return 'should not be posted';
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'error');
      const body = JSON.parse(p.body);
      assert.equal(body.errorType, 'Runtime.UnhandledPromiseRejection');
      assert.equal(body.errorMessage, 'Error: later');
      assert.equal(body.trace[0], 'Runtime.UnhandledPromiseRejection: Error: later');
      assert.equal(
        p.headers['lambda-runtime-function-error-type'],
        'Runtime.UnhandledPromiseRejection',
      );
      const { code } = await rt.exited();
      assert.equal(code, 128);
      assert.equal(rt.api.posts.length, 1, 'nothing posted after the error');
      assert.ok(rt.stdout.includes('\tERROR\tUnhandled Promise Rejection \t{'));
    },
  );
});

test('uncaught exception during an invoke: reported, then exit 129', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = (event, context, callback) => {
          setTimeout(() => { throw new RangeError('kaboom'); }, 20);
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'error');
      const body = JSON.parse(p.body);
      assert.equal(body.errorType, 'RangeError');
      assert.equal(body.errorMessage, 'kaboom');
      const { code } = await rt.exited();
      assert.equal(code, 129);
      const line = findLog(rt.stdout, (l) => l.level === 'ERROR');
      assert.equal(line.requestId, p.id);
      assert.ok(line.message.startsWith('Uncaught Exception \t{"errorType":"RangeError"'));
    },
  );
});

test('malformed event JSON is reported as an invocation error', async () => {
  await withRuntime(
    { 'index.js': 'exports.handler = async (e) => e;' },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke(null, { rawBody: '{not json' });
      assert.equal(p.kind, 'error');
      assert.equal(JSON.parse(p.body).errorType, 'SyntaxError');
      assert.equal((await rt.invoke({ a: 1 })).body, '{"a":1}');
    },
  );
});

/* ------------------------------------------------------------------------ */
/* Context and environment                                                  */
/* ------------------------------------------------------------------------ */

test('context fields, remaining time, trace id, identity, client context', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = async (event, context) => ({
          keys: Object.keys(context),
          json: JSON.parse(JSON.stringify(context)),
          functionName: context.functionName,
          functionVersion: context.functionVersion,
          invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB,
          awsRequestId: context.awsRequestId,
          logGroupName: context.logGroupName,
          logStreamName: context.logStreamName,
          identity: context.identity === undefined ? 'undefined' : context.identity,
          clientContext: context.clientContext === undefined ? 'undefined' : context.clientContext,
          remaining: context.getRemainingTimeInMillis(),
          waits: context.callbackWaitsForEmptyEventLoop,
          trace: process.env._X_AMZN_TRACE_ID === undefined ? 'undefined' : process.env._X_AMZN_TRACE_ID,
          region: process.env.AWS_REGION,
          initType: process.env.AWS_LAMBDA_INITIALIZATION_TYPE,
          cwd: process.cwd(),
          custom: process.env.MY_SETTING,
        });`,
    },
    'index.handler',
    { env: { MY_SETTING: 'from-function-config' } },
    async (rt) => {
      const deadline = Date.now() + 5000;
      const p = await rt.invoke(
        {},
        {
          id: 'c0ffee00-0000-4000-8000-000000000001',
          deadline,
          arn: `${ARN}:live`,
          traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
          cognitoIdentity: '{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}',
          clientContext: '{"client":{"app_title":"t"},"custom":{"k":"v"},"env":{"platform":"x"}}',
        },
      );
      const c = JSON.parse(p.body);
      assert.equal(c.functionName, 'fn');
      assert.equal(c.functionVersion, '$LATEST');
      assert.equal(c.invokedFunctionArn, `${ARN}:live`);
      assert.equal(c.memoryLimitInMB, '256', 'a string, as in AWS');
      assert.equal(c.awsRequestId, 'c0ffee00-0000-4000-8000-000000000001');
      assert.equal(c.logGroupName, '/aws/lambda/fn');
      assert.equal(c.logStreamName, '2026/01/02/[$LATEST]0123456789abcdef0123456789abcdef');
      assert.deepEqual(c.identity, { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' });
      assert.deepEqual(c.clientContext, {
        client: { app_title: 't' },
        custom: { k: 'v' },
        env: { platform: 'x' },
      });
      assert.ok(c.remaining > 3000 && c.remaining <= 5000, `remaining ${c.remaining}`);
      assert.equal(c.waits, true);
      assert.equal(c.trace, 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1');
      assert.equal(c.region, 'us-east-1');
      assert.equal(c.initType, 'on-demand');
      assert.equal(c.cwd, rt.dir);
      assert.equal(c.custom, 'from-function-config');
      assert.deepEqual(c.keys, [
        'callbackWaitsForEmptyEventLoop',
        'succeed',
        'fail',
        'done',
        'functionVersion',
        'functionName',
        'memoryLimitInMB',
        'logGroupName',
        'logStreamName',
        'clientContext',
        'identity',
        'invokedFunctionArn',
        'awsRequestId',
        'tenantId',
        'getRemainingTimeInMillis',
      ]);
      assert.deepEqual(Object.keys(c.json), [
        'callbackWaitsForEmptyEventLoop',
        'functionVersion',
        'functionName',
        'memoryLimitInMB',
        'logGroupName',
        'logStreamName',
        'clientContext',
        'identity',
        'invokedFunctionArn',
        'awsRequestId',
      ]);

      /* Next invoke without the optional headers. */
      const q = JSON.parse((await rt.invoke({}, { deadline: Date.now() + 60000 })).body);
      assert.equal(q.identity, 'undefined');
      assert.equal(q.clientContext, 'undefined');
      assert.equal(q.trace, 'undefined', '_X_AMZN_TRACE_ID is cleared');
      assert.ok(q.remaining > 55000 && q.remaining <= 60000);
    },
  );
});

/* ------------------------------------------------------------------------ */
/* Logging                                                                  */
/* ------------------------------------------------------------------------ */

test('console methods are patched like the RIC LogPatch', async () => {
  await withRuntime(
    {
      'index.js': `
        console.log('loading');
        exports.handler = async () => {
          console.log('hello %s', 'world', 42);
          console.info('info line');
          console.warn('warn line');
          console.error('error line', new Error('inner'));
          console.debug('debug line');
          console.trace('trace line');
          console.log('multi\\nline');
          console.log({ a: 1 });
          return 'ok';
        };`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      await rt.waitStdout('{ a: 1 }');
      const lines = logLines(rt.stdout);
      for (const l of lines) assert.ok(l.level, `not a log record: ${JSON.stringify(l.raw)}`);
      const by = (text) => lines.find((l) => l.message.startsWith(text));
      assert.equal(by('loading').requestId, 'undefined');
      assert.equal(by('loading').level, 'INFO');
      assert.equal(by('hello world 42').requestId, p.id);
      assert.equal(by('hello world 42').level, 'INFO');
      assert.equal(by('info line').level, 'INFO');
      assert.equal(by('warn line').level, 'WARN');
      assert.equal(by('error line').level, 'ERROR');
      assert.match(by('error line').message, /^error line Error: inner\r    at /);
      assert.equal(by('debug line').level, 'DEBUG');
      assert.equal(by('trace line').level, 'TRACE');
      assert.equal(by('multi').message, 'multi\rline');
      assert.equal(by('{ a: 1 }').level, 'INFO');
      const t = Date.parse(by('hello world 42').time);
      assert.ok(Math.abs(Date.now() - t) < 60000);
      assert.equal(rt.stderr, '');
    },
  );
});

test('AWS_LAMBDA_LOG_FORMAT=JSON and AWS_LAMBDA_LOG_LEVEL', async () => {
  await withRuntime(
    {
      'index.js': `
        exports.handler = async () => {
          console.info('dropped');
          console.warn('kept', 1);
          console.error({ k: 'v' });
          throw new Error('json boom');
        };`,
    },
    'index.handler',
    { env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'WARN' } },
    async (rt) => {
      const p = await rt.invoke({});
      await rt.waitStdout('json boom');
      const records = rt.stdout.trim().split('\n').map((l) => JSON.parse(l));
      assert.ok(!records.some((r) => r.message === 'dropped'));
      const kept = records.find((r) => r.message === 'kept 1');
      assert.equal(kept.level, 'WARN');
      assert.equal(kept.requestId, p.id);
      assert.deepEqual(records.find((r) => r.message?.k).message, { k: 'v' });
      const err = records.find((r) => r.message?.errorMessage === 'json boom');
      assert.equal(err.level, 'ERROR');
      assert.equal(err.message.errorType, 'Error');
    },
  );
});

/* ------------------------------------------------------------------------ */
/* Module resolution                                                        */
/* ------------------------------------------------------------------------ */

test('ES module handler (.mjs) with top-level await and warm state', async () => {
  await withRuntime(
    {
      'app.mjs': `
        import { basename } from 'node:path';
        const config = await Promise.resolve({ name: basename('/x/cfg') });
        let calls = 0;
        export const handler = async (event, context) => {
          calls += 1;
          return { esm: true, calls, config, fn: context.functionName, event };
        };`,
    },
    'app.handler',
    async (rt) => {
      const a = JSON.parse((await rt.invoke({ x: 1 })).body);
      assert.deepEqual(a, { esm: true, calls: 1, config: { name: 'cfg' }, fn: 'fn', event: { x: 1 } });
      const b = JSON.parse((await rt.invoke({ x: 2 })).body);
      assert.equal(b.calls, 2);
    },
  );
});

test('package.json "type":"module" makes .js an ES module', async () => {
  await withRuntime(
    {
      'package.json': '{"name":"f","type":"module"}',
      'index.js': `
        export const handler = async () => ({ isEsm: typeof require === 'undefined' });
        export function boom() { throw new Error('esm boom'); }`,
    },
    'index.handler',
    async (rt) => {
      assert.deepEqual(JSON.parse((await rt.invoke({})).body), { isEsm: true });
    },
  );
});

test('ES module error trace uses file URLs', async () => {
  await withRuntime(
    {
      'index.mjs': "export const handler = async () => {\n  throw new Error('esm boom');\n};\n",
    },
    'index.handler',
    async (rt) => {
      const body = JSON.parse((await rt.invoke({})).body);
      assert.equal(body.errorMessage, 'esm boom');
      assert.match(
        body.trace[1],
        new RegExp(`^    at Runtime\\.handler \\(file://${rt.dir}/index\\.mjs:2:9\\)$`),
      );
    },
  );
});

test('CommonJS .js without package.json uses require(); .cjs works', async () => {
  await withRuntime(
    {
      'a.js': "exports.handler = async () => ({ cjs: typeof require === 'function', file: __filename });",
      'b.cjs': "module.exports.handler = async () => 'cjs ext';",
      'pkg/package.json': '{"type":"module"}',
      'pkg/c.cjs': "exports.handler = async () => 'cjs inside module package';",
    },
    'a.handler',
    async (rt) => {
      const a = JSON.parse((await rt.invoke({})).body);
      assert.deepEqual(a, { cjs: true, file: path.join(rt.dir, 'a.js') });
    },
  );
  await withRuntime(
    { 'b.cjs': "module.exports.handler = async () => 'cjs ext';" },
    'b.handler',
    async (rt) => assert.equal((await rt.invoke({})).body, '"cjs ext"'),
  );
  await withRuntime(
    {
      'pkg/package.json': '{"type":"module"}',
      'pkg/c.cjs': "exports.handler = async () => 'cjs inside module package';",
    },
    'pkg/c.handler',
    async (rt) => assert.equal((await rt.invoke({})).body, '"cjs inside module package"'),
  );
});

test('nested handler paths: directories, nested properties, node_modules', async () => {
  await withRuntime(
    { 'src/handlers/app.js': "exports.handler = async () => 'nested file';" },
    'src/handlers/app.handler',
    async (rt) => assert.equal((await rt.invoke({})).body, '"nested file"'),
  );
  await withRuntime(
    {
      'app.js': "exports.api = { v1: { get: async () => 'deep property' } };",
    },
    'app.api.v1.get',
    async (rt) => assert.equal((await rt.invoke({})).body, '"deep property"'),
  );
  await withRuntime(
    { 'lib/index.js': "exports.handler = async () => 'directory module';" },
    'lib.handler',
    async (rt) => assert.equal((await rt.invoke({})).body, '"directory module"'),
  );
  await withRuntime(
    {
      'node_modules/my-pkg/package.json': '{"name":"my-pkg","main":"main.js"}',
      'node_modules/my-pkg/main.js': "exports.handler = async () => 'from node_modules';",
    },
    'my-pkg.handler',
    async (rt) => assert.equal((await rt.invoke({})).body, '"from node_modules"'),
  );
  await withRuntime(
    {
      'src/package.json': '{"type":"module"}',
      'src/esm.js': "export const handler = async () => 'nested esm';",
    },
    'src/esm.handler',
    async (rt) => assert.equal((await rt.invoke({})).body, '"nested esm"'),
  );
});

/* ------------------------------------------------------------------------ */
/* Init errors                                                              */
/* ------------------------------------------------------------------------ */

async function expectInitError(files, handler, check) {
  await withRuntime(files, handler, async (rt) => {
    const p = await rt.api.waitPost((x) => x.kind === 'init-error');
    const { code } = await rt.exited();
    const body = JSON.parse(p.body);
    assert.deepEqual(Object.keys(body), ['errorType', 'errorMessage', 'trace']);
    assert.equal(p.headers['lambda-runtime-function-error-type'], body.errorType);
    assert.equal(rt.api.nextCount, 0, 'no invocation fetched after a failed init');
    const line = findLog(rt.stdout, (l) => l.level === 'ERROR');
    assert.equal(line.requestId, 'undefined');
    assert.ok(line.message.startsWith('Uncaught Exception \t{'), line.message);
    const logged = JSON.parse(line.message.slice('Uncaught Exception \t'.length));
    assert.equal(logged.errorType, body.errorType);
    await check(body, code, rt);
  });
}

test('init error: missing module → Runtime.ImportModuleError', async () => {
  await expectInitError({}, 'app.handler', (body, code) => {
    assert.equal(body.errorType, 'Runtime.ImportModuleError');
    assert.equal(
      body.errorMessage,
      `Error: Cannot find module 'app'\nRequire stack:\n- ${BOOTSTRAP}`,
    );
    assert.deepEqual(body.trace.slice(0, 3), [
      "Runtime.ImportModuleError: Error: Cannot find module 'app'",
      'Require stack:',
      `- ${BOOTSTRAP}`,
    ]);
    assert.equal(code, 129);
  });
});

test('init error: missing dependency of the handler module', async () => {
  await expectInitError(
    { 'app.js': "const dep = require('no-such-dep');\nexports.handler = async () => dep;" },
    'app.handler',
    (body, code, rt) => {
      assert.equal(body.errorType, 'Runtime.ImportModuleError');
      assert.ok(
        body.errorMessage.startsWith(
          `Error: Cannot find module 'no-such-dep'\nRequire stack:\n- ${rt.dir}/app.js\n`,
        ),
        body.errorMessage,
      );
    },
  );
});

test('init error: handler not exported / not a function → Runtime.HandlerNotFound', async () => {
  await expectInitError(
    { 'app.js': 'exports.handler = async () => 1;' },
    'app.nope',
    (body) => {
      assert.equal(body.errorType, 'Runtime.HandlerNotFound');
      assert.equal(body.errorMessage, 'app.nope is undefined or not exported');
      assert.equal(body.trace[0], 'Runtime.HandlerNotFound: app.nope is undefined or not exported');
    },
  );
  await expectInitError({ 'app.js': 'exports.value = 42;' }, 'app.value', (body) => {
    assert.equal(body.errorType, 'Runtime.HandlerNotFound');
    assert.equal(body.errorMessage, 'app.value is not a function');
  });
  await expectInitError(
    { 'app.mjs': 'export const other = 1;' },
    'app.handler',
    (body) => assert.equal(body.errorMessage, 'app.handler is undefined or not exported'),
  );
});

test('init error: malformed handler names → Runtime.MalformedHandlerName', async () => {
  await expectInitError({ 'app.js': '' }, 'app', (body) => {
    assert.equal(body.errorType, 'Runtime.MalformedHandlerName');
    assert.equal(body.errorMessage, 'Bad handler');
  });
  await expectInitError({}, '../app.handler', (body) => {
    assert.equal(body.errorType, 'Runtime.MalformedHandlerName');
    assert.equal(
      body.errorMessage,
      "'../app.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    );
  });
});

test('init error: syntax errors → Runtime.UserCodeSyntaxError (CommonJS and ESM)', async () => {
  await expectInitError(
    { 'app.js': 'exports.handler = async () => {\n  return 1;\n' },
    'app.handler',
    (body, code) => {
      assert.equal(body.errorType, 'Runtime.UserCodeSyntaxError');
      assert.match(body.errorMessage, /^SyntaxError: /);
      assert.equal(body.trace[0], `Runtime.UserCodeSyntaxError: ${body.errorMessage}`);
      assert.equal(code, 129);
    },
  );
  await expectInitError(
    { 'app.mjs': 'export const handler = async () => {;\n' },
    'app.handler',
    (body) => {
      assert.equal(body.errorType, 'Runtime.UserCodeSyntaxError');
      assert.match(body.errorMessage, /^SyntaxError: /);
    },
  );
});

test('init error: exception thrown by module code keeps its own type', async () => {
  await expectInitError(
    { 'app.js': "throw new TypeError('bad config');" },
    'app.handler',
    (body, code) => {
      assert.equal(body.errorType, 'TypeError');
      assert.equal(body.errorMessage, 'bad config');
      assert.equal(body.trace[0], 'TypeError: bad config');
      assert.equal(code, 129);
    },
  );
});

test('init error: unhandled rejection at load → exit 128', async () => {
  await withRuntime(
    {
      'app.js': "Promise.reject(new Error('init reject'));\nexports.handler = async () => 1;",
    },
    'app.handler',
    async (rt) => {
      const p = await rt.api.waitPost((x) => x.kind === 'init-error');
      const body = JSON.parse(p.body);
      assert.equal(body.errorType, 'Runtime.UnhandledPromiseRejection');
      assert.equal(body.errorMessage, 'Error: init reject');
      assert.equal((await rt.exited()).code, 128);
    },
  );
});

/* ------------------------------------------------------------------------ */
/* Runtime API failures                                                     */
/* ------------------------------------------------------------------------ */

test('Runtime API: 5xx on next → exit non-zero', async () => {
  await withRuntime(
    { 'index.js': 'exports.handler = async () => 1;' },
    'index.handler',
    async (rt) => {
      rt.api.nextStatus = 500;
      const { code } = await rt.exited();
      assert.notEqual(code, 0);
      assert.ok(rt.api.nextCount >= 1);
    },
  );
});

test('Runtime API: connection refused → exit non-zero', async () => {
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  await withRuntime(
    { 'index.js': 'exports.handler = async () => 1;' },
    'index.handler',
    { api: `127.0.0.1:${port}` },
    async (rt) => {
      const { code } = await rt.exited();
      assert.notEqual(code, 0);
      assert.match(rt.stderr, /ECONNREFUSED/);
    },
  );
});

test('Runtime API: 5xx on response → exit non-zero; 413 → next invocation', async () => {
  await withRuntime(
    { 'index.js': 'exports.handler = async (e) => e;' },
    'index.handler',
    async (rt) => {
      rt.api.responseStatus = 413;
      assert.equal((await rt.invoke({ n: 1 })).kind, 'response');
      rt.api.responseStatus = 202;
      assert.equal((await rt.invoke({ n: 2 })).body, '{"n":2}');
      rt.api.responseStatus = 500;
      await rt.invoke({ n: 3 });
      const { code } = await rt.exited();
      assert.notEqual(code, 0);
    },
  );
});

/* ------------------------------------------------------------------------ */
/* Response streaming                                                       */
/* ------------------------------------------------------------------------ */

test('awslambda.streamifyResponse handlers are buffered into one response', async () => {
  await withRuntime(
    {
      'index.mjs': `
        export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
          responseStream.setContentType('text/plain');
          responseStream.write('hello ');
          await new Promise((r) => setTimeout(r, 20));
          responseStream.end('world ' + context.awsRequestId);
        });`,
    },
    'index.handler',
    async (rt) => {
      const p = await rt.invoke({});
      assert.equal(p.kind, 'response');
      assert.equal(p.headers['content-type'], 'text/plain');
      assert.equal(p.body, `hello world ${p.id}`);
      const q = await rt.invoke({});
      assert.equal(q.body, `hello world ${q.id}`);
    },
  );
});
