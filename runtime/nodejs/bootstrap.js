'use strict';
/*
 * sluice Node.js bootstrap: the language runtime for nodejs*.x functions.
 *
 * The environment manager (runtime/env.c) starts `node bootstrap.js` in the
 * unpacked code directory with AWS_LAMBDA_RUNTIME_API, _HANDLER and the other
 * Lambda variables set. This file loads the handler once, then loops over the
 * Lambda Runtime API (next / response / error), reproducing what the AWS
 * Node.js runtime interface client (RIC) does in everything a handler or a
 * caller can observe: module resolution, the context object, callback and
 * async handlers, error bodies, the console log format and the exit codes.
 *
 * Node.js built-ins only; runs on Node 18 and later.
 */

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { Writable } = require('stream');
const { pathToFileURL } = require('url');

/* ------------------------------------------------------------------------ */
/* Constants                                                                */
/* ------------------------------------------------------------------------ */

const API_BASE = '/2018-06-01/runtime';
const USER_AGENT = `aws-lambda-nodejs/${process.versions.node}-sluice`;
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

/* Global symbols the RIC uses; some libraries read the request id here. */
const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
const TENANT_ID_SYMBOL = Symbol.for('aws.lambda.runtime.tenantId');
const BEFORE_EXIT_SYMBOL = Symbol.for('aws.lambda.beforeExit');
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGHWATERMARK = Symbol.for(
  'aws.lambda.runtime.handler.streaming.highWaterMark',
);
const STREAM_RESPONSE = 'response';

/* Exit codes of the RIC after reporting an uncaught exception / rejection. */
const EXIT_UNCAUGHT_EXCEPTION = 129;
const EXIT_UNHANDLED_REJECTION = 128;
/* Our own code for "the Runtime API is gone or broken". */
const EXIT_RUNTIME_API_FAILURE = 1;

const NODEJS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

/* The class names matter: the JSON log format reports constructor.name, the
 * text format and the Runtime API report `name` ("Runtime.<class name>"). */
class ImportModuleError extends Error {}
class HandlerNotFound extends Error {}
class MalformedHandlerName extends Error {}
class UserCodeSyntaxError extends Error {}
class MalformedStreamingHandler extends Error {}
class InvalidStreamingOperation extends Error {}
class NodeJsExit extends Error {
  constructor() {
    super(NODEJS_EXIT_MESSAGE);
  }
}
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
for (const cls of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  NodeJsExit,
  UnhandledPromiseRejection,
]) {
  cls.prototype.name = `Runtime.${cls.name}`;
}

/* Failure talking to the Runtime API itself: never reported, the process
 * exits. */
class RuntimeApiError extends Error {}

function looksLikeError(value) {
  return Boolean(
    value &&
      typeof value.name === 'string' &&
      value.name &&
      typeof value.message === 'string' &&
      value.message &&
      typeof value.stack === 'string' &&
      value.stack,
  );
}

function intoError(value) {
  if (value instanceof Error) return value;
  try {
    return new Error(value);
  } catch (_) {
    return new Error(String(value));
  }
}

/* The body posted to /error and /init/error: {errorType, errorMessage,
 * trace}. Non-errors are reported by their typeof. */
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return {
      errorType: typeof error,
      errorMessage: error.toString(),
      trace: [],
    };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/* Errors in text logs: a tab, then JSON with errorType, errorMessage, code,
 * the enumerable properties and the stack as an array of lines. */
function errorJsonReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  const out = Object.assign(
    { errorType: value.name, errorMessage: value.message, code: value.code },
    value,
  );
  if (typeof value.stack === 'string') out.stack = value.stack.split('\n');
  return out;
}

function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, errorJsonReplacer);
  } catch (_) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

/* ------------------------------------------------------------------------ */
/* Console patch                                                            */
/* ------------------------------------------------------------------------ */

const structuredConsole = {};

const currentRequestId = () => global[REQUEST_ID_SYMBOL];
const currentTenantId = () => global[TENANT_ID_SYMBOL];

function jsonLogErrorReplacer(_key, value) {
  if (!(value instanceof Error)) return value;
  return Object.assign(
    {
      errorType: value?.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace:
        typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    },
    value,
  );
}

function formatJsonLog(requestId, timestamp, level, tenantId, params) {
  const record = { timestamp, level: level.name, requestId };
  if (tenantId !== undefined && tenantId !== null) record.tenantId = tenantId;
  if (params.length === 1) {
    record.message = params[0];
    try {
      return JSON.stringify(record, jsonLogErrorReplacer);
    } catch (_) {
      record.message = util.format(record.message);
      return JSON.stringify(record);
    }
  }
  record.message = util.format(...params);
  const err = params.find((p) => p instanceof Error);
  if (err) {
    record.errorType = err?.constructor?.name ?? 'UnknownError';
    record.errorMessage = err.message;
    record.stackTrace =
      typeof err.stack === 'string' ? err.stack.split('\n') : [];
  }
  return JSON.stringify(record);
}

/* One log record per line: embedded newlines become \r, as in the RIC. */
function writeLogLine(line) {
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
}

function logText(level, message, ...params) {
  const time = new Date().toISOString();
  writeLogLine(
    `${time}\t${currentRequestId()}\t${level.name}\t${util.format(
      message,
      ...params,
    )}`,
  );
}

function logJson(level, ...params) {
  const time = new Date().toISOString();
  writeLogLine(
    formatJsonLog(currentRequestId(), time, level, currentTenantId(), params),
  );
}

function patchConsole() {
  const levels = Object.freeze({
    TRACE: { name: 'TRACE', priority: 1 },
    DEBUG: { name: 'DEBUG', priority: 2 },
    INFO: { name: 'INFO', priority: 3 },
    WARN: { name: 'WARN', priority: 4 },
    ERROR: { name: 'ERROR', priority: 5 },
    FATAL: { name: 'FATAL', priority: 6 },
  });
  const json = process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const log = json ? logJson : logText;
  const minimum =
    levels[process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? levels.TRACE;
  const nop = () => {};
  const make = (level) =>
    level.priority >= minimum.priority
      ? (msg, ...params) => log(level, msg, ...params)
      : nop;

  console.trace = make(levels.TRACE);
  console.debug = make(levels.DEBUG);
  console.info = make(levels.INFO);
  console.log = console.info;
  console.warn = make(levels.WARN);
  console.error = make(levels.ERROR);
  console.fatal = (msg, ...params) => log(levels.FATAL, msg, ...params);

  structuredConsole.logError = json
    ? (_msg, err) => console.error(intoError(err))
    : (msg, err) => console.error(msg, toFormatted(intoError(err)));
}

/* ------------------------------------------------------------------------ */
/* beforeExit: "the event loop is empty"                                    */
/* ------------------------------------------------------------------------ */

const NO_OP = () => {};
const BeforeExitListener = {
  invoke: () => global[BEFORE_EXIT_SYMBOL](),
  reset: () => (global[BEFORE_EXIT_SYMBOL] = NO_OP),
  set: (listener) => (global[BEFORE_EXIT_SYMBOL] = listener),
};

/* ------------------------------------------------------------------------ */
/* Runtime API client                                                       */
/* ------------------------------------------------------------------------ */

/* Set once the process has decided to exit after reporting an error: from
 * then on nothing else is posted and no further invocation is fetched (the
 * RIC's native client posts synchronously and exits, so it never gets that
 * far). */
let terminating = false;

function fatal(message, code = EXIT_RUNTIME_API_FAILURE) {
  try {
    process.stderr.write(`sluice nodejs bootstrap: ${message}\n`);
  } finally {
    process.exit(code);
  }
}

function parseHostPort(value) {
  const at = value.lastIndexOf(':');
  if (at <= 0) return { hostname: value, port: 80 };
  let hostname = value.slice(0, at);
  if (hostname.startsWith('[') && hostname.endsWith(']')) {
    hostname = hostname.slice(1, -1);
  }
  return { hostname, port: parseInt(value.slice(at + 1), 10) };
}

/* A header value must be printable ASCII; error names are user data. */
function headerSafe(value) {
  const text = String(value ?? '');
  return /^[\x20-\x7e]{1,1024}$/.test(text) ? text : 'Unhandled';
}

function serializeResponse(body) {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch (_) {
    throw new Error('Unable to stringify response body');
  }
}

class RapidClient {
  constructor(hostPort) {
    const { hostname, port } = parseHostPort(hostPort);
    this.hostname = hostname;
    this.port = port;
    /* Idle keep-alive sockets are unref'd by the agent, so they never hold
     * the event loop open: "the loop is empty" keeps its meaning. */
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /* One HTTP exchange. Retried once when a reused keep-alive socket turns
   * out to have been closed by the server. */
  send(method, urlPath, headers, body, attempt = 0) {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          hostname: this.hostname,
          port: this.port,
          method,
          path: urlPath,
          /* The Node.js version, as AWS's runtime interface client
           * announces it; sluice notes a runtime/version mismatch. */
          headers: { 'User-Agent': USER_AGENT, ...headers },
          agent: this.agent,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode,
              headers: res.headers,
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
          res.on('close', () => {
            if (!res.complete) {
              reject(new Error('connection closed before the response ended'));
            }
          });
        },
      );
      req.on('error', (err) => {
        if (
          attempt === 0 &&
          req.reusedSocket &&
          (err.code === 'ECONNRESET' || err.code === 'EPIPE')
        ) {
          resolve(this.send(method, urlPath, headers, body, 1));
        } else {
          reject(err);
        }
      });
      req.end(body);
    });
  }

  async nextInvocation() {
    if (terminating) return new Promise(() => {});
    let res;
    try {
      res = await this.send('GET', `${API_BASE}/invocation/next`, {});
    } catch (err) {
      throw new RuntimeApiError(`GET next failed: ${err.message}`);
    }
    if (res.status !== 200) {
      throw new RuntimeApiError(
        `Failed to get next invocation, error ${res.status}`,
      );
    }
    if (terminating) return new Promise(() => {});
    return { bodyJson: res.body.toString('utf8'), headers: res.headers };
  }

  /* Posts a JSON body. The RIC ignores 4xx answers (400 for an unknown id,
   * 413 for an oversized response) and goes on; a 5xx or a transport error
   * means the Runtime API is broken and the runtime must exit. `final`
   * marks the last post before exiting: it runs its callback whatever
   * happens. */
  post(urlPath, bodyString, extraHeaders, callback, final = false) {
    if (terminating && !final) return;
    const headers = Object.assign(
      {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(bodyString),
      },
      extraHeaders,
    );
    this.send('POST', urlPath, headers, bodyString).then(
      (res) => {
        if (final) return callback();
        if (res.status >= 500) {
          fatal(`POST ${urlPath} answered ${res.status}`);
        }
        if (!terminating) callback();
      },
      (err) => {
        if (final) return callback();
        fatal(`POST ${urlPath} failed: ${err.message}`);
      },
    );
  }

  postInvocationResponse(response, id, callback) {
    const body = serializeResponse(response);
    this.post(
      `${API_BASE}/invocation/${encodeURIComponent(id)}/response`,
      body,
      {},
      callback,
    );
  }

  postRawInvocationResponse(buffer, contentType, id, callback) {
    if (terminating) return;
    this.send(
      'POST',
      `${API_BASE}/invocation/${encodeURIComponent(id)}/response`,
      { 'Content-Type': contentType, 'Content-Length': buffer.length },
      buffer,
    ).then(
      (res) => {
        if (res.status >= 500) fatal(`POST response answered ${res.status}`);
        if (!terminating) callback();
      },
      (err) => fatal(`POST response failed: ${err.message}`),
    );
  }

  postInvocationError(error, id, callback, final = false) {
    const response = toRapidResponse(error);
    this.post(
      `${API_BASE}/invocation/${encodeURIComponent(id)}/error`,
      serializeResponse(response),
      { [ERROR_TYPE_HEADER]: headerSafe(response.errorType) },
      callback,
      final,
    );
  }

  postInitError(error, callback, final = false) {
    const response = toRapidResponse(error);
    this.post(
      `${API_BASE}/init/error`,
      serializeResponse(response),
      { [ERROR_TYPE_HEADER]: headerSafe(response.errorType) },
      callback,
      final,
    );
  }
}

/* ------------------------------------------------------------------------ */
/* Invocation context                                                       */
/* ------------------------------------------------------------------------ */

const INVOKE_HEADER = {
  ClientContext: 'lambda-runtime-client-context',
  CognitoIdentity: 'lambda-runtime-cognito-identity',
  ARN: 'lambda-runtime-invoked-function-arn',
  AWSRequestId: 'lambda-runtime-aws-request-id',
  DeadlineMs: 'lambda-runtime-deadline-ms',
  XRayTrace: 'lambda-runtime-trace-id',
  TenantId: 'lambda-runtime-aws-tenant-id',
};

function parseHeaderJson(text, name) {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
  }
}

class InvokeContext {
  constructor(headers) {
    this.headers = {};
    for (const key of Object.keys(headers)) {
      this.headers[key.toLowerCase()] = headers[key];
    }
  }

  get invokeId() {
    const id = this.headers[INVOKE_HEADER.AWSRequestId];
    if (!id) throw new RuntimeApiError('invocation id is missing or invalid');
    return id;
  }

  get tenantId() {
    return this.headers[INVOKE_HEADER.TenantId];
  }

  updateLoggingContext() {
    global[REQUEST_ID_SYMBOL] = this.invokeId;
    global[TENANT_ID_SYMBOL] = this.tenantId;
  }

  /* Adds the environment and header data to the callback context: the
   * object handed to the handler. May throw on a malformed header. */
  attachEnvironmentData(callbackContext) {
    const trace = this.headers[INVOKE_HEADER.XRayTrace];
    if (trace) process.env._X_AMZN_TRACE_ID = trace;
    else delete process.env._X_AMZN_TRACE_ID;

    const deadline = Number(this.headers[INVOKE_HEADER.DeadlineMs]);
    return Object.assign(
      callbackContext,
      {
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      },
      {
        clientContext: parseHeaderJson(
          this.headers[INVOKE_HEADER.ClientContext],
          'ClientContext',
        ),
        identity: parseHeaderJson(
          this.headers[INVOKE_HEADER.CognitoIdentity],
          'CognitoIdentity',
        ),
        invokedFunctionArn: this.headers[INVOKE_HEADER.ARN],
        awsRequestId: this.headers[INVOKE_HEADER.AWSRequestId],
        tenantId: this.headers[INVOKE_HEADER.TenantId],
        getRemainingTimeInMillis: function () {
          return deadline - Date.now();
        },
      },
    );
  }
}

/* ------------------------------------------------------------------------ */
/* Callback context: callback(err, result), succeed / fail / done           */
/* ------------------------------------------------------------------------ */

/* Returns [callback, context, markCompleted]. Only the first call to any of
 * callback/succeed/fail/done counts; a call that throws (an unserializable
 * result) does not use up that chance, so the error that follows is
 * reported. */
function buildCallbackContext(client, id, scheduleNext) {
  const postError = (err, next) => {
    structuredConsole.logError('Invoke Error', err);
    client.postInvocationError(err, id, next);
  };

  let completed = false;
  const complete = (result, next) => {
    if (completed) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    completed = true;
    client.postInvocationResponse(result, id, next);
  };

  let waitForEmptyEventLoop = true;

  const callback = function (err, result) {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else if (!waitForEmptyEventLoop) {
      complete(result, scheduleNext);
    } else {
      BeforeExitListener.set(() => {
        setImmediate(() => complete(result, scheduleNext));
      });
    }
  };

  const done = (err, result) => {
    BeforeExitListener.reset();
    if (err !== undefined && err !== null) {
      postError(err, scheduleNext);
    } else {
      complete(result, scheduleNext);
    }
  };
  const succeed = (result) => done(null, result);
  const fail = (err) => {
    if (err === undefined || err === null) done('handled');
    else done(err, null);
  };

  let finished = false;
  const firstCallOnly = (fn) =>
    function () {
      if (!finished) {
        fn.apply(null, arguments);
        finished = true;
      }
    };

  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: firstCallOnly(succeed),
    fail: firstCallOnly(fail),
    done: firstCallOnly(done),
  };

  const markCompleted = () => {
    completed = true;
  };
  return [firstCallOnly(callback), context, markCompleted];
}

/* ------------------------------------------------------------------------ */
/* Response streaming (awslambda.streamifyResponse), buffered               */
/* ------------------------------------------------------------------------ */

/* sluice answers synchronous Invoke only, where AWS buffers a streamed
 * response too: the stream is collected and posted as one response. */
function createBufferedResponseStream(highWaterMark) {
  const chunks = [];
  let contentType = 'application/octet-stream';
  let writeCalled = false;

  const stream = new Writable({
    highWaterMark,
    write(chunk, _encoding, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });

  const baseWrite = stream.write.bind(stream);
  const baseEnd = stream.end.bind(stream);
  stream.write = function (chunk, encoding, cb) {
    if (
      typeof chunk !== 'string' &&
      !Buffer.isBuffer(chunk) &&
      chunk?.constructor !== Uint8Array
    ) {
      chunk = JSON.stringify(chunk);
    }
    if (!writeCalled && typeof stream._onBeforeFirstWrite === 'function') {
      stream._onBeforeFirstWrite((ch) => baseWrite(ch));
    }
    writeCalled = true;
    return baseWrite(chunk, encoding, cb);
  };
  stream.end = function (chunk, encoding, cb) {
    if (typeof chunk === 'function') return baseEnd(chunk);
    if (typeof encoding === 'function') {
      cb = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) stream.write(chunk, encoding);
    return baseEnd(cb);
  };
  stream.setContentType = function (value) {
    if (writeCalled) {
      throw new InvalidStreamingOperation('Cannot set content-type, too late.');
    }
    contentType = value;
  };

  return {
    stream,
    body: () => Buffer.concat(chunks),
    contentType: () => contentType,
  };
}

class HttpResponseStream {
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType(
      'application/vnd.awslambda.http-integration-response',
    );
    const metadata = JSON.stringify(prelude);
    underlyingStream._onBeforeFirstWrite = (write) => {
      write(metadata);
      write(new Uint8Array(8));
    };
    return underlyingStream;
  }
}

function installAwsLambdaGlobal() {
  const opt = process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA;
  if (opt === '1' || opt === 'true') return;
  globalThis.awslambda = {
    streamifyResponse: (handler, options) => {
      handler[HANDLER_STREAMING] = STREAM_RESPONSE;
      if (typeof options?.highWaterMark === 'number') {
        handler[HANDLER_HIGHWATERMARK] = parseInt(options.highWaterMark);
      }
      return handler;
    },
    HttpResponseStream,
  };
}

/* ------------------------------------------------------------------------ */
/* The invoke loop                                                          */
/* ------------------------------------------------------------------------ */

function isPromise(value) {
  return Boolean(value && value.then && typeof value.then === 'function');
}

class Runtime {
  constructor(client, handler, handlerMetadata, errorCallbacks) {
    this.client = client;
    /* Called as this.handler(...): stack traces show "Runtime.handler",
     * as they do in AWS. */
    this.handler = handler;
    this.handlerMetadata = handlerMetadata;
    this.errorCallbacks = errorCallbacks;
    this.handleOnce =
      handlerMetadata.streaming === STREAM_RESPONSE
        ? this.handleOnceStreaming
        : this.handleOnceNonStreaming;
  }

  scheduleIteration() {
    setImmediate(() => {
      this.handleOnce().then(
        () => {},
        (err) => {
          if (err instanceof RuntimeApiError) return fatal(err.message);
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        },
      );
    });
  }

  async handleOnceNonStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;

    const [callback, callbackContext, markCompleted] = buildCallbackContext(
      this.client,
      id,
      this.scheduleIteration.bind(this),
    );

    try {
      this.setErrorCallbacks(id);
      this.setDefaultExitListener(id, markCompleted);
      const result = this.handler(
        JSON.parse(bodyJson),
        invokeContext.attachEnvironmentData(callbackContext),
        callback,
      );
      if (isPromise(result)) {
        result
          .then(callbackContext.succeed, callbackContext.fail)
          .catch(callbackContext.fail);
      }
    } catch (err) {
      callback(err);
    }
  }

  async handleOnceStreaming() {
    const { bodyJson, headers } = await this.client.nextInvocation();
    const invokeContext = new InvokeContext(headers);
    invokeContext.updateLoggingContext();
    const id = invokeContext.invokeId;

    let waitForEmptyEventLoop = true;
    const scheduleNext = () => {
      BeforeExitListener.reset();
      if (!waitForEmptyEventLoop) {
        this.scheduleIteration();
      } else {
        BeforeExitListener.set(() => setImmediate(() => this.scheduleIteration()));
      }
    };
    const streamingContext = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
    };

    /* In AWS the open response connection keeps the process alive while the
     * handler streams; this timer stands in for it. */
    const keepAlive = setInterval(() => {}, 1 << 30);
    let settled = false;
    const finish = () => {
      settled = true;
      clearInterval(keepAlive);
    };
    const fail = (err) => {
      if (settled) return;
      finish();
      structuredConsole.logError('Invoke Error', err);
      this.client.postInvocationError(err, id, scheduleNext);
    };

    const response = createBufferedResponseStream(
      this.handlerMetadata.highWaterMark,
    );
    try {
      this.setErrorCallbacks(id);
      BeforeExitListener.set(() => this.scheduleIteration());

      const ctx = invokeContext.attachEnvironmentData(streamingContext);
      const handlerResult = this.handler(
        JSON.parse(bodyJson),
        response.stream,
        ctx,
      );
      if (!isPromise(handlerResult)) {
        fail('Streaming does not support non-async handlers.');
        return;
      }
      const result = await handlerResult;
      if (typeof result !== 'undefined') {
        console.warn('Streaming handlers ignore return values.');
      }
      await new Promise((resolve, reject) => {
        if (response.stream.writableFinished) return resolve();
        response.stream.once('finish', resolve);
        response.stream.once('error', reject);
        response.stream.once('close', () => {
          if (!response.stream.writableFinished) {
            reject(new Error('Response stream is not finished.'));
          }
        });
      });
      if (settled) return;
      finish();
      this.client.postRawInvocationResponse(
        response.body(),
        response.contentType(),
        id,
        scheduleNext,
      );
    } catch (err) {
      fail(err);
    }
  }

  /* Uncaught exceptions and unhandled rejections from now on belong to this
   * invocation: report them there, then exit. */
  setErrorCallbacks(id) {
    this.errorCallbacks.uncaughtException = (error) => {
      terminating = true;
      this.client.postInvocationError(
        error,
        id,
        () => process.exit(EXIT_UNCAUGHT_EXCEPTION),
        true,
      );
    };
    this.errorCallbacks.unhandledRejection = (error) => {
      terminating = true;
      this.client.postInvocationError(
        error,
        id,
        () => process.exit(EXIT_UNHANDLED_REJECTION),
        true,
      );
    };
  }

  /* The event loop emptied without the handler reporting: a callback-style
   * or synchronous handler succeeds with null, an async one whose promise
   * never settled fails with Runtime.NodeJsExit. */
  setDefaultExitListener(id, markCompleted) {
    BeforeExitListener.set(() => {
      markCompleted();
      if (this.handlerMetadata.isAsync) {
        const error = new NodeJsExit();
        structuredConsole.logError('Invoke Error', error);
        this.client.postInvocationError(error, id, () =>
          this.scheduleIteration(),
        );
      } else {
        this.client.postInvocationResponse(null, id, () =>
          this.scheduleIteration(),
        );
      }
    });
  }
}

/* ------------------------------------------------------------------------ */
/* Loading the handler                                                      */
/* ------------------------------------------------------------------------ */

/* "src/app.nested.fn" -> moduleRoot "src/", module "app", path "nested.fn" */
function parseHandlerString(fullHandler) {
  const base = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(base));
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match) throw new MalformedHandlerName('Bad handler');
  return { moduleRoot, moduleName: match[1], handlerPath: match[2] };
}

function resolveHandlerPath(object, handlerPath) {
  return handlerPath
    .split('.')
    .reduce((nested, key) => nested && nested[key], object);
}

function requireIfExists(file) {
  return fs.existsSync(file) ? require(file) : undefined;
}

async function importIfExists(file) {
  return fs.existsSync(file) ? await import(pathToFileURL(file).href) : undefined;
}

/* Nearest package.json decides whether .js is an ES module; a node_modules
 * folder or the file system root ends the search. */
function folderIsTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(
        `${pj} cannot be read, it will be ignored for ES module detection purposes.`,
        e,
      );
      return false;
    }
  }
  if (folder === '/') return false;
  return folderIsTypeModule(path.resolve(folder, '..'));
}

function runtimeSupportsTypeScript() {
  const major = parseInt(String(process.versions?.node).split('.')[0], 10);
  return !Number.isNaN(major) && major >= 24;
}

/* Same order as AWS: the exact path, then .js (CommonJS unless
 * "type":"module"), .mjs, .cjs, TypeScript on Node 24+, and finally node's
 * own resolution from the task root (node_modules, directories). */
async function tryLoadModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  const ts = runtimeSupportsTypeScript();

  const exact = requireIfExists(base);
  if (exact) return exact;

  const typeModule = folderIsTypeModule(path.resolve(path.dirname(base)));
  if (!typeModule) {
    const js = requireIfExists(base + '.js');
    if (js) return js;
  }

  const loaded =
    (typeModule && (await importIfExists(base + '.js'))) ||
    (await importIfExists(base + '.mjs')) ||
    requireIfExists(base + '.cjs') ||
    (ts && !typeModule && requireIfExists(base + '.ts')) ||
    (ts && typeModule && (await importIfExists(base + '.ts'))) ||
    (ts && (await importIfExists(base + '.mts'))) ||
    (ts && requireIfExists(base + '.cts'));
  if (loaded) return loaded;

  const resolved = require.resolve(moduleName, {
    paths: [appRoot, moduleRoot],
  });
  return require(resolved);
}

async function _loadUserApp(appRoot, moduleRoot, moduleName) {
  installAwsLambdaGlobal();
  try {
    return await tryLoadModule(appRoot, moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && e.code !== undefined && e.code === 'MODULE_NOT_FOUND') {
      throw new ImportModuleError(e);
    }
    throw e;
  }
}

async function loadUserFunction(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const { moduleRoot, moduleName, handlerPath } = parseHandlerString(fullHandler);
  const userApp = await _loadUserApp(appRoot, moduleRoot, moduleName);
  const handler = resolveHandlerPath(userApp, handlerPath);
  if (!handler) {
    throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new HandlerNotFound(`${fullHandler} is not a function`);
  }
  return handler;
}

function getHandlerMetadata(handler) {
  let streaming = false;
  const mark = handler[HANDLER_STREAMING];
  if (mark !== undefined && mark !== null && mark !== false) {
    if (mark !== STREAM_RESPONSE) {
      throw new MalformedStreamingHandler('Only response streaming is supported.');
    }
    streaming = STREAM_RESPONSE;
  }
  let highWaterMark;
  const hwm = handler[HANDLER_HIGHWATERMARK];
  if (hwm !== undefined && hwm !== null && hwm !== false) {
    const n = parseInt(hwm);
    highWaterMark = Number.isNaN(n) ? undefined : n;
  }
  let isAsync = false;
  try {
    isAsync = handler.constructor?.name === 'AsyncFunction';
  } catch (_) {
    isAsync = false;
  }
  return { streaming, highWaterMark, isAsync, argsNum: handler.length };
}

/* ------------------------------------------------------------------------ */
/* Start-up                                                                 */
/* ------------------------------------------------------------------------ */

async function run() {
  patchConsole();

  const api = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!api) fatal('AWS_LAMBDA_RUNTIME_API is not set');
  const client = new RapidClient(api);

  /* Until the first invocation arrives, errors are init errors. */
  const errorCallbacks = {
    uncaughtException: (error) => {
      terminating = true;
      client.postInitError(
        error,
        () => process.exit(EXIT_UNCAUGHT_EXCEPTION),
        true,
      );
    },
    unhandledRejection: (error) => {
      terminating = true;
      client.postInitError(
        error,
        () => process.exit(EXIT_UNHANDLED_REJECTION),
        true,
      );
    },
  };

  const onUncaughtException = (error) => {
    if (terminating) return;
    structuredConsole.logError('Uncaught Exception', error);
    errorCallbacks.uncaughtException(error);
  };
  process.on('uncaughtException', onUncaughtException);
  process.on('unhandledRejection', (reason, promise) => {
    if (terminating) return;
    let error;
    try {
      error = new UnhandledPromiseRejection(reason, promise);
    } catch (_) {
      error = new UnhandledPromiseRejection(String(reason), promise);
      error.reason = reason;
    }
    structuredConsole.logError('Unhandled Promise Rejection', error);
    errorCallbacks.unhandledRejection(error);
  });

  BeforeExitListener.reset();
  process.on('beforeExit', BeforeExitListener.invoke);

  /* AWS's runtime awaits the load at the top level of an ES module, so a
   * load failure surfaces as an uncaught exception: same log, same report. */
  let handler, metadata;
  try {
    const appRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
    handler = await loadUserFunction(appRoot, process.env._HANDLER ?? '');
    metadata = getHandlerMetadata(handler);
  } catch (err) {
    onUncaughtException(err);
    return;
  }
  new Runtime(client, handler, metadata, errorCallbacks).scheduleIteration();
}

run();
